"""In the browser: from an incident, what is nearest and who is on duty."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from tests.conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def flood(demo_live):
    """The demo libraries, stock and roster, and a flood in 梅县区, made before the browser starts."""
    from yingji.core.models import Division, User
    from yingji.duty.demo.loader import load_duty
    from yingji.incidents import services
    from yingji.incidents.models import EventType
    from yingji.materials.demo.loader import load_materials
    from yingji.resources.demo.loader import load_resources

    for migration in (
        "yingji.materials.migrations.0002_reference_data",
        "yingji.resources.migrations.0002_expert_fields",
    ):
        importlib.import_module(migration).load(apps, None)
    load_resources()
    load_materials()
    load_duty()
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
    from yingji.core.models import Organisation
    from yingji.duty.services import on_duty

    officer = on_duty(Organisation.objects.get(name="梅州市应急管理局")).get("duty_officer")
    return incident.get_absolute_url(), incident.pk, officer.name


def test_city_office_sees_the_nearest_flood_teams_life_jackets_and_the_duty_officer_of_an_incident(
    flood, page
):
    from playwright.sync_api import expect

    url, pk, officer = flood
    sign_in(page, "city_office")
    page.goto(page.base_url + url)
    teams = page.locator("[data-testid=nearest-teams] li")
    expect(teams).to_have_count(3)
    for i in range(3):
        expect(teams.nth(i)).to_contain_text("km")
    expect(page.locator("[data-testid=incident-on-duty]")).to_contain_text(officer)

    page.goto(f"{page.base_url}/resources/nearest/?incident={pk}&kind=warehouse&item=2-LIFEJ&k=1")
    nearest = page.locator("[data-testid=nearest-warehouse] li")
    expect(nearest).to_have_count(1)
    expect(nearest).to_contain_text("km")
    expect(nearest).to_contain_text("救生衣")
