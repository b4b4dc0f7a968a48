"""/healthz reports the database and the worker's heartbeat."""

import datetime

import pytest
from django.utils import timezone

from yingji.core.models import WorkerHeartbeat
from yingji.core.worker import beat

pytestmark = pytest.mark.django_db


def test_without_a_worker_the_platform_reports_itself_degraded(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["status"] == "ok"
    assert response.json()["worker"]["status"] == "missing"


def test_a_beating_worker_makes_it_healthy(client):
    beat("w1", timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "ok"


def test_a_silent_worker_is_reported_stale(client):
    beat("w1", timezone.now())
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - datetime.timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "stale"
