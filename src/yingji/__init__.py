"""Yingji: emergency management platform."""
