"""The demo city: data files and their loader (see README.md)."""
