"""The demo has monitoring stations with a week of readings whose crossings raised alerts, one of them already a
draft warning, and warnings in every state; loading it again changes nothing."""

import datetime

import pytest
from django.db.models import Count, Max, Min

from yingji.core.models import User
from yingji.warnings import proposals
from yingji.warnings.demo.loader import STATIONS, load_warnings
from yingji.warnings.models import CapStatus, Observation, Station, StationAlert, Warning

pytestmark = pytest.mark.django_db


def test_the_demo_has_stations_across_the_counties_with_a_week_of_hourly_readings():
    load_warnings()
    stations = Station.objects.select_related("division__parent")
    assert stations.count() == len(STATIONS) >= 20
    assert {s.kind for s in stations} == {
        "rain",
        "river",
        "reservoir",
        "wind",
        "displacement",
        "gas",
        "visibility",
    }
    assert len({s.division.parent.code for s in stations}) == 8  # every county of the demo city
    spans = Observation.objects.values("station").annotate(
        n=Count("id"), first=Min("observed_at"), last=Max("observed_at")
    )
    for span in spans:
        assert span["n"] == 7 * 24
        assert span["last"] - span["first"] == datetime.timedelta(hours=7 * 24 - 1)


def test_the_demo_rainstorm_crossed_yellow_and_orange_and_fell_back_and_the_orange_alert_is_a_draft():
    load_warnings()
    gauge = Station.objects.get(code="YL-441403104")
    alerts = list(StationAlert.objects.filter(station=gauge).order_by("observed_at"))
    assert [(a.previous, a.level, a.raised) for a in alerts] == [
        ("", "yellow", True),
        ("yellow", "orange", True),
        ("orange", "yellow", False),
        ("yellow", "", False),
    ]
    assert gauge.level == ""
    warning = alerts[1].warning
    assert warning.state == Warning.State.DRAFT and warning.created_by.username == "duty_city"
    assert (
        "松口镇雨量站" in warning.headline
        and "104mm" in warning.description
        and "阈值100mm" in warning.description
    )
    assert alerts[0].warning is None  # covered by the orange one: not proposed again

    open_ones = proposals.open_proposals(User.objects.get(username="city_office"))
    assert gauge not in {a.station for a in open_ones} and len(open_ones) >= 3


def test_the_demo_has_warnings_in_every_state_and_an_exercise():
    load_warnings()
    assert set(Warning.objects.values_list("state", flat=True)) == set(Warning.State.values)
    assert Warning.objects.filter(status=CapStatus.EXERCISE).exists()


def test_loading_the_demo_twice_changes_nothing():
    first = load_warnings()
    assert first["stations"] == len(STATIONS) and first["observations"] == len(STATIONS) * 7 * 24
    assert first["drafted from alerts"] == 1
    counts = (
        Station.objects.count(),
        Observation.objects.count(),
        StationAlert.objects.count(),
        Warning.objects.count(),
    )
    assert not +load_warnings()
    assert counts == (
        Station.objects.count(),
        Observation.objects.count(),
        StationAlert.objects.count(),
        Warning.objects.count(),
    )
