import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.cases import services as case_services
from yingji.core.models import Division, User
from yingji.incidents import services
from yingji.incidents.models import EventType

XINGNING = "441481"
MEIXIAN = "441403"


@pytest.fixture
def api():
    def _api(username):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _api


@pytest.fixture
def incident(db):
    """An incident reported by a user in their own division (or `division`), closed unless `close=False`:
    incident("xingning_office", deaths=2, direct_loss_yuan=Decimal("350000"))."""

    def _incident(username="xingning_office", code="12D04", *, division=None, close=True, **values):
        user = User.objects.get(username=username)
        now = timezone.now()
        data = {
            "event_type": EventType.objects.get(code=code),
            "title": values.pop("title", "某化工企业储罐清洗作业中毒窒息"),
            "division": Division.objects.get(code=division) if division else user.organisation.division,
            "address": "某工业园",
            "occurred_at": now - datetime.timedelta(days=3),
            "received_at": now - datetime.timedelta(days=3) + datetime.timedelta(minutes=20),
            "cause": "有限空间作业未检测通风。",
            "measures_taken": "消防救援队伍救出被困人员，疏散相邻车间。",
            **values,
        }
        incident, _ = services.receive(user, data, channel="phone")
        if close:
            incident = services.advance(user, incident, "closed", incident.version, note="现场处置结束")
        return incident

    return _incident


@pytest.fixture
def case(incident):
    """A case written from a closed incident by `username` (published or not)."""

    def _case(username="xingning_office", *, published=False, **values):
        source = incident(username, **values)
        user = User.objects.get(username=username)
        extra = {"published": published, "lessons": "作业审批流于形式。" if published else ""}
        return case_services.create_from_incident(user, source, extra)

    return _case
