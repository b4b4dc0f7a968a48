import datetime

import pytest
from django.utils import timezone

from tests.incidents.conftest import api  # noqa: F401  (the token API client fixture, reused)
from yingji.core.context import acting_as
from yingji.core.models import Division, Organisation, User
from yingji.incidents.models import EventType
from yingji.warnings import services
from yingji.warnings.models import CapStatus, Warning


def user(username: str) -> User:
    return User.objects.get(username=username)


def draft(
    by="city_office", *, code="11B03", level="orange", divisions=("441403", "441481"), **fields
) -> Warning:
    author = user(by)
    warning = Warning(
        owner=fields.pop("owner", author.organisation),
        event_type=EventType.objects.get(code=code),
        level=level,
        description=fields.pop("description", "预计未来6小时将出现50毫米以上降水。"),
        instruction=fields.pop("instruction", "转移低洼地带人员。"),
        expires=fields.pop("expires", timezone.now() + datetime.timedelta(hours=12)),
        **fields,
    )
    with acting_as(author):
        return services.save_draft(author, warning, list(Division.objects.filter(code__in=divisions)))


def published(by="city_office", approver="leader_city", **fields) -> Warning:
    warning = draft(by, **fields)
    with acting_as(user(approver)):
        services.approve(user(approver), warning)
    with acting_as(user(by)):
        return services.publish(user(by), warning)


def exercise(**fields) -> Warning:
    return published(status=CapStatus.EXERCISE, **fields)


@pytest.fixture
def city_ema():
    return Organisation.objects.get(name="梅州市应急管理局")


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the platform's messages in English (zh-Hans is the default and has its own checks)."""
    settings.LANGUAGE_CODE = "en"
