import datetime
from decimal import Decimal

import pytest

from tests.incidents.conftest import api, report  # noqa: F401  (the incidents fixtures, reused)
from yingji.core.models import Division, Organisation, User
from yingji.materials import services
from yingji.materials.models import Item, Warehouse


def user(username: str) -> User:
    return User.objects.select_related("organisation__division").get(username=username)


def item(code: str) -> Item:
    return Item.objects.get(code=code)


def days(n: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def make_warehouse(db):
    """A warehouse saved directly: make_warehouse("梅州市梅县区应急管理局", "梅县测试仓库")."""

    def _make(owner: str = "梅州市梅县区应急管理局", name: str = "测试仓库", **fields) -> Warehouse:
        org = Organisation.objects.select_related("division").get(name=owner)
        fields.setdefault("division", org.division)
        fields.setdefault("latitude", org.latitude)
        fields.setdefault("longitude", org.longitude)
        warehouse = Warehouse(owner=org, name=name, **fields)
        warehouse.save()
        return warehouse

    return _make


@pytest.fixture
def stocked(make_warehouse):
    """A warehouse in 梅县区 holding two batches of life jackets (30 expiring first, then 50)."""
    warehouse = make_warehouse(name="梅县区测试防汛仓库")
    office = user("meixian_office")
    jackets = item("2-LIFEJ")
    services.receive(office, warehouse, jackets, 50, batch_number="B2", expires_on=days(900))
    services.receive(office, warehouse, jackets, 30, batch_number="B1", expires_on=days(400))
    return warehouse


def county(name: str) -> Division:
    return Division.objects.get(name=name)


D = Decimal
