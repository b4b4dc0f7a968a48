"""The demo libraries: hundreds of teams and experts, about a hundred shelters, the same on every run."""

import pytest
from django.core.management import call_command

from yingji.core.models import Division, ObjectChange
from yingji.resources import geo
from yingji.resources.demo.loader import load_resources
from yingji.resources.models import Expert, Shelter, Team

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_libraries_once_and_a_second_run_changes_nothing():
    first = load_resources()
    assert first["Team created"] >= 200 and first["Expert created"] >= 200
    assert 80 <= first["Shelter created"] <= 130
    snapshot = (
        list(
            Team.objects.order_by("name").values_list(
                "name", "latitude", "longitude", "readiness", "headcount"
            )
        ),
        list(Expert.objects.order_by("name", "phone").values_list("name", "division__code", "availability")),
        list(Shelter.objects.order_by("name").values_list("name", "capacity", "occupancy", "status")),
    )
    changes = ObjectChange.objects.count()
    second = load_resources()
    assert not any(key.endswith(("created", "updated")) for key in second)
    assert ObjectChange.objects.count() == changes
    assert snapshot == (
        list(
            Team.objects.order_by("name").values_list(
                "name", "latitude", "longitude", "readiness", "headcount"
            )
        ),
        list(Expert.objects.order_by("name", "phone").values_list("name", "division__code", "availability")),
        list(Shelter.objects.order_by("name").values_list("name", "capacity", "occupancy", "status")),
    )
    # Each record near the seat of its division, and at least 3 ready flood-rescue teams near 梅县区.
    seat = Division.objects.get(code="441403")
    near = geo.nearest(
        Team.objects.filter(kind="flood_rescue", readiness="ready"), seat.latitude, seat.longitude, 3
    )
    assert len(near) == 3 and all(km < 15 for _, km in near)
    for shelter in Shelter.objects.select_related("division"):
        d = shelter.division
        assert abs(shelter.latitude - d.latitude) < 0.05 and abs(shelter.longitude - d.longitude) < 0.05
    assert all(s.occupancy <= s.capacity for s in Shelter.objects.all())


def test_the_demo_command_is_named_by_the_app_and_reports_counts(capsys):
    from django.apps import apps

    assert apps.get_app_config("resources").demo_command == "demo_resources"
    call_command("demo_resources")
    assert "Team created" in capsys.readouterr().out
