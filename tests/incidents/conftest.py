import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.models import Division, User
from yingji.incidents import services
from yingji.incidents.models import EventType


@pytest.fixture
def api():
    def _api(username):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


@pytest.fixture
def report(db):
    """Take in a report as a given user: report("duty_city", "12D01", deaths=3, division="441403")."""

    def _report(username, code, *, division=None, minutes_ago=30, **figures):
        user = User.objects.get(username=username)
        place = Division.objects.get(code=division) if division else user.organisation.division
        now = timezone.now()
        data = {
            "event_type": EventType.objects.get(code=code),
            "title": figures.pop("title", "测试事件"),
            "division": place,
            "occurred_at": now - datetime.timedelta(minutes=minutes_ago),
            "received_at": now - datetime.timedelta(minutes=max(minutes_ago - 10, 0)),
            **figures,
        }
        incident, _ = services.receive(user, data, channel="phone")
        return incident

    return _report
