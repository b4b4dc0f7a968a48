"""End to end in Chromium: the hazard map draws danger zones as coloured polygons beside the pins."""

import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.e2e
COLOURS = {"#c81e1e", "#f08c00", "#f5c400", "#1c64d8"}


@pytest.fixture
def demo_hazards(demo_live):
    from yingji.hazards.demo.loader import load_hazards
    from yingji.hazards.models import Hazard

    load_hazards()
    zone = Hazard.objects.filter(kind="zone").exclude(level="").order_by("name").first()
    return zone.get_absolute_url(), Hazard.objects.filter(kind="zone").exclude(status="removed").count()


def test_city_office_sees_zones_as_polygons_coloured_by_level_and_a_chart_of_levels(demo_hazards, page):
    from playwright.sync_api import expect

    zone_url, zones = demo_hazards
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, "city_office")
    page.goto(page.base_url + "/hazards/map/")
    expect(page.locator(".map .map-pin").first).to_be_visible()
    polygons = page.locator(".map .leaflet-overlay-pane path")
    expect(polygons).to_have_count(zones)
    assert polygons.first.get_attribute("stroke") in COLOURS

    page.goto(page.base_url + zone_url)
    expect(page.locator(".map .leaflet-overlay-pane path")).to_have_count(1)
    expect(page.locator("[data-testid=assessments] tbody tr").first).to_be_visible()

    page.goto(page.base_url + "/hazards/stats/")
    expect(page.locator("#hazard-chart canvas")).to_have_count(1)
    assert errors == []
