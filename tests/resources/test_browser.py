"""End to end in Chromium: from an incident's page to the nearest teams, then another point on the map."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def flood_incident(demo_live):
    """The demo libraries and a flood in 梅县区 (made before the browser starts: no database calls under it)."""
    from yingji.core.models import Division, User
    from yingji.incidents import services
    from yingji.incidents.models import EventType
    from yingji.resources.demo.loader import load_resources

    load_resources()
    now = timezone.now()
    incident, _ = services.receive(
        User.objects.get(username="duty_city"),
        {
            "event_type": EventType.objects.get(code="11A01"),
            "title": "梅江干流洪水",
            "division": Division.objects.get(code="441403"),
            "occurred_at": now - datetime.timedelta(minutes=30),
            "received_at": now - datetime.timedelta(minutes=20),
        },
        channel="phone",
    )
    return incident.get_absolute_url()


def test_city_office_sees_the_nearest_ready_flood_teams_of_an_incident_and_searches_from_another_point(
    flood_incident, page
):
    from playwright.sync_api import expect

    sign_in(page, "city_office")
    page.goto(page.base_url + flood_incident)
    panel = page.locator("[data-testid=nearest-teams]")
    expect(panel.locator("li")).to_have_count(3)
    expect(panel).to_contain_text("防汛抢险队")
    expect(panel).to_contain_text("km")

    panel.locator("[data-testid=nearest-link]").click()
    expect(page.locator("[data-testid=nearest-team] li")).to_have_count(5)
    expect(page.locator("[data-testid=nearest-shelter]")).to_contain_text("避难场所")
    expect(page.locator(".map .map-pin").first).to_be_visible()

    before = page.locator("#lat").input_value()
    page.locator(".map").click(position={"x": 60, "y": 60})
    expect(page.locator("#lat")).not_to_have_value(before)
    expect(page.locator("#lat")).to_have_value(re.compile(r"^2\d\.\d{6}$"))
    page.select_option("#kind", "team")
    page.locator("[data-testid=nearest-form] button").click()
    expect(page.locator("[data-testid=nearest-team] li")).to_have_count(10)
