"""The demo cases are written from the demo year's closed incidents, once."""

import io
import uuid

import pytest
from django.core.management import call_command

from yingji.cases.demo import loader
from yingji.cases.models import Case
from yingji.incidents.demo import loader as incident_loader

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_incidents(monkeypatch):
    """Only the demo year's incidents the demo cases are written from: the whole year takes too long."""
    wanted = {entry["incident"] for entry in loader.read_entries()}
    rows = [row for row in incident_loader.read_rows() if row["uuid"] in wanted]
    assert len(rows) == len(wanted)
    monkeypatch.setattr(incident_loader, "read_rows", lambda: rows)
    incident_loader.load_incidents()


def test_the_demo_cases_come_from_closed_incidents_and_a_second_run_adds_none(demo_incidents):
    out = io.StringIO()
    call_command("demo_cases", stdout=out)
    entries = loader.read_entries()
    assert 5 <= len(entries) <= 8
    assert f"{len(entries)} created" in out.getvalue()
    cases = Case.objects.select_related("incident")
    assert cases.count() == len(entries)
    for case in cases:
        assert case.incident.status in ("closed", "evaluated")
        assert case.deaths == case.incident.deaths and case.event_type_id == case.incident.event_type_id
        assert case.lessons and case.rectification and case.response
        assert "报送首报" in case.course  # the chronology from the event log follows the narrative
    assert cases.filter(published=False).count() == 1
    call_command("demo_cases", stdout=out)
    assert Case.objects.count() == len(entries)
    assert "0 created" in out.getvalue().splitlines()[-1]


def test_the_demo_names_incidents_of_the_demo_year():
    uuids = {row["uuid"]: row for row in incident_loader.read_rows()}
    for entry in loader.read_entries():
        row = uuids[str(uuid.UUID(entry["incident"]))]
        assert row["status"] in ("closed", "evaluated")


def test_the_demo_runs_after_the_incidents():
    from django.apps import apps

    order = [app.label for app in apps.get_app_configs() if getattr(app, "demo_command", None)]
    assert order.index("incidents") < order.index("cases")
