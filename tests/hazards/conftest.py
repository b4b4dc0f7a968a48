import datetime
from decimal import Decimal

import pytest

from tests.incidents.conftest import api  # noqa: F401  (the incidents fixtures, reused)
from yingji.core.models import Division, Organisation, User
from yingji.hazards import services
from yingji.hazards.models import Hazard

MEIXIAN_EMA = "梅州市梅县区应急管理局"
XINGNING_EMA = "兴宁市应急管理局"


def user(username: str) -> User:
    return User.objects.get(username=username)


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


@pytest.fixture
def make_hazard(db):
    """A hazard saved through the service as the city administrator, owned by 梅县区应急管理局 by default."""

    def _make(name="梅县区某化工厂液氯罐区", *, owner=MEIXIAN_EMA, code="441403", kind="source", **values):
        hazard = Hazard(
            name=name,
            kind=kind,
            owner=org(owner),
            division=Division.objects.get(code=code),
            latitude=values.pop("latitude", Decimal("24.270000")),
            longitude=values.pop("longitude", Decimal("116.080000")),
            event_types=values.pop("event_types", "12D"),
            **values,
        )
        return services.save_hazard(user("city_admin"), hazard)

    return _make


@pytest.fixture
def make_rectification(make_hazard):
    def _make(hazard=None, *, deadline=datetime.date(2026, 3, 10), by="meixian_office"):
        hazard = hazard or make_hazard()
        return services.add_rectification(
            user(by), hazard, measures="更换液氯储罐安全阀", unit=org(MEIXIAN_EMA), deadline=deadline
        )

    return _make


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the platform's messages in English (zh-Hans is the default and has its own checks)."""
    settings.LANGUAGE_CODE = "en"
