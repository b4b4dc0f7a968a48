import pytest

from tests.materials.conftest import days, item, user
from yingji.core.models import Notification
from yingji.materials import alerts, services
from yingji.materials.models import Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_store(make_warehouse):
    """A 梅县区 store with 30 sandbags (catalogue minimum 5000) and a batch of water expiring in 10 days."""
    warehouse = make_warehouse(name="梅县区告警测试仓库")
    office = user("meixian_office")
    services.receive(office, warehouse, item("3-SANDB"), 30)
    services.receive(office, warehouse, item("1-WATER"), 400, batch_number="W1", expires_on=days(10))
    services.receive(office, warehouse, item("1-WATER"), 400, batch_number="W2", expires_on=days(300))
    return warehouse


def test_stock_below_the_minimum_and_batches_near_expiry_are_alerts(short_store):
    here = Warehouse.objects.filter(pk=short_store.pk)
    assert [(a.item.code, a.quantity, a.minimum) for a in alerts.low_stock(here)] == [("3-SANDB", 30, 5000)]
    assert [(a.item.code, a.batch_number) for a in alerts.near_expiry(here)] == [("1-WATER", "W1")]


def test_the_warehouse_own_minimum_replaces_the_catalogue_s(short_store):
    services.set_minimum(user("meixian_office"), short_store, item("3-SANDB"), "20")
    assert alerts.low_stock(Warehouse.objects.filter(pk=short_store.pk)) == []
    services.set_minimum(user("meixian_office"), short_store, item("2-PUMP"), "2")  # none held: an alert
    assert [a.item.code for a in alerts.low_stock(Warehouse.objects.filter(pk=short_store.pk))] == ["2-PUMP"]


def test_the_expiry_window_is_a_setting(short_store, settings):
    here = Warehouse.objects.filter(pk=short_store.pk)
    settings.MATERIALS_EXPIRY_WARNING_DAYS = 5
    assert alerts.near_expiry(here) == []
    settings.MATERIALS_EXPIRY_WARNING_DAYS = 400
    assert len(alerts.near_expiry(here)) == 2


def test_the_alerts_page_and_the_home_panel_show_them_to_office_staff_within_reach(short_store, login):
    page = login("meixian_office").get("/materials/alerts/").content.decode()
    assert "梅县区告警测试仓库" in page and "编织袋（沙袋）" in page and "W1" in page
    home = login("city_office").get("/").content.decode()
    assert 'data-testid="stock-alert-panel"' in home and "梅县区告警测试仓库" in home
    assert "梅县区告警测试仓库" not in login("xingning_office").get("/materials/alerts/").content.decode()
    assert 'data-testid="stock-alert-panel"' not in login("duty_city").get("/").content.decode()


def test_the_owner_is_told_once_per_alert_and_again_when_it_comes_back(short_store):
    meixian = user("meixian_office")
    told = alerts.notify_stock_alerts()
    assert told >= 2
    subjects = list(Notification.objects.filter(recipient=meixian).values_list("subject", flat=True))
    assert any("编织袋" in s for s in subjects) and any("饮用水" in s for s in subjects)
    assert alerts.notify_stock_alerts() == 0  # the next run tells nobody again
    count = Notification.objects.filter(recipient=meixian).count()
    services.receive(meixian, short_store, item("3-SANDB"), 5000)  # the shortage ends...
    alerts.notify_stock_alerts()
    services.issue(meixian, short_store, item("3-SANDB"), 4000, reason="抢险")  # ...and comes back
    assert alerts.notify_stock_alerts() == 1
    assert Notification.objects.filter(recipient=meixian).count() == count + 1
    assert not Notification.objects.filter(
        recipient=user("xingning_office"), subject__contains="编织袋"
    ).exists()
