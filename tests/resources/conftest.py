from decimal import Decimal

import pytest

from tests.incidents.conftest import api, report  # noqa: F401  (the incidents fixtures, reused)
from yingji.core.models import Division, Organisation, User
from yingji.resources import services
from yingji.resources.models import Expert, ExpertField, Shelter, Team


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def division(code: str) -> Division:
    return Division.objects.get(code=code)


@pytest.fixture
def make_team(db):
    """A team saved through the service as the city administrator: make_team("梅县区防汛队", 24.27, 116.08)."""

    def _make(
        name,
        lat,
        lon,
        *,
        kind="flood_rescue",
        readiness="ready",
        owner="梅州市梅县区应急管理局",
        code="441403",
    ):
        team = Team(
            name=name,
            kind=kind,
            team_class="professional",
            headcount=30,
            owner=org(owner),
            division=division(code),
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lon:.6f}"),
            readiness=readiness,
        )
        return services.save_team(User.objects.get(username="city_admin"), team)

    return _make


@pytest.fixture
def make_shelter(db):
    def _make(
        name,
        lat=24.3,
        lon=116.1,
        *,
        capacity=100,
        occupancy=0,
        status="open",
        code="441402",
        owner="梅州市梅江区应急管理局",
    ):
        shelter = Shelter(
            name=name,
            shelter_class="II",
            setting="indoor",
            owner=org(owner),
            division=division(code),
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lon:.6f}"),
            area_m2=1000,
            capacity=capacity,
            occupancy=occupancy,
            status=status,
        )
        return services.save_shelter(User.objects.get(username="city_admin"), shelter)

    return _make


@pytest.fixture
def make_expert(db):
    def _make(name, *, fields=("flood",), code="441402", phone="13707530001", lat=None, lon=None, **values):
        expert = Expert(
            name=name,
            division=division(code),
            owner=org("梅州市应急管理局"),
            phone=phone,
            latitude=None if lat is None else Decimal(f"{lat:.6f}"),
            longitude=None if lon is None else Decimal(f"{lon:.6f}"),
            **values,
        )
        return services.save_expert(
            User.objects.get(username="city_admin"), expert, list(ExpertField.objects.filter(code__in=fields))
        )

    return _make
