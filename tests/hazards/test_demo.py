"""The demo hazards: sources in every county, zones with polygons, inspections, rectifications (some overdue)."""

import pytest
from django.core.management import call_command

from yingji.core.models import ObjectChange
from yingji.hazards import services
from yingji.hazards.demo.loader import load_hazards
from yingji.hazards.models import Hazard, Inspection, Rectification, RiskAssessment

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(
            Hazard.objects.order_by("name").values_list(
                "name", "latitude", "longitude", "level", "status", "area"
            )
        ),
        list(Rectification.objects.order_by("pk").values_list("hazard__name", "deadline", "status")),
        RiskAssessment.objects.count(),
        Inspection.objects.count(),
    )


def test_the_demo_loads_the_registry_once_and_a_second_run_changes_nothing():
    first = load_hazards()
    assert first["hazards"] >= 40 and first["inspections"] >= 5 and first["rectifications"] >= 10
    assert Hazard.objects.filter(kind="zone").count() >= 10
    assert all(len(h.area) >= 4 for h in Hazard.objects.filter(kind="zone"))
    assert Rectification.objects.filter(services.overdue_q()).exists()
    assert Rectification.objects.filter(status="closed").exists()
    assert len(set(Hazard.objects.values_list("level", flat=True)) - {""}) >= 3
    before, changes = snapshot(), ObjectChange.objects.count()
    assert load_hazards() == {}
    assert snapshot() == before and ObjectChange.objects.count() == changes
    call_command("demo_hazards", verbosity=0)
    assert snapshot() == before
