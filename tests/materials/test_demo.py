import pytest

from tests.materials.conftest import user
from yingji.core.models import Division, ObjectChange
from yingji.materials import alerts, services
from yingji.materials.demo.loader import load_materials
from yingji.materials.models import Balance, Movement, Warehouse
from yingji.resources.nearest import find

pytestmark = pytest.mark.django_db


def test_the_demo_reserves_are_realistic_consistent_and_a_second_load_changes_nothing():
    first = load_materials()
    assert 30 <= first["created"] <= 60 and first["movements"] > 500
    counties = Division.objects.filter(level="county")
    assert all(Warehouse.objects.filter(division__path__startswith=c.path).exists() for c in counties)
    for balance in Balance.objects.select_related("warehouse", "item"):
        assert balance.quantity >= 0
        assert balance.quantity == services.ledger_sum(balance.warehouse, balance.item, balance.batch_number)
    assert ObjectChange.objects.filter(content_type__model="movement").count() == Movement.objects.count()

    meixian = Division.objects.get(name="梅县区")
    nearest = find(user("city_office"), "warehouse", float(meixian.latitude), float(meixian.longitude), k=3,
                   filters={"item": "2-LIFEJ"})  # fmt: skip
    assert len(nearest) == 3 and nearest[0]["km"] < 10 and int(nearest[0]["quantity"]) > 0

    everywhere = Warehouse.objects.all()
    assert 3 <= len(alerts.low_stock(everywhere)) <= 10
    assert 3 <= len(alerts.near_expiry(everywhere)) <= 10

    counts = (Warehouse.objects.count(), Movement.objects.count(), Balance.objects.count())
    again = load_materials()
    assert again["created"] == 0 and again["unchanged"] == first["created"]
    assert (Warehouse.objects.count(), Movement.objects.count(), Balance.objects.count()) == counts
