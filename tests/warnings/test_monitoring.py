import datetime

import pytest
from django.utils import timezone

from tests.warnings.conftest import user
from yingji.core.models import Division, Notification
from yingji.warnings.models import Observation, Station, StationAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def gauge():
    office = user("meixian_office").organisation
    return Station.objects.create(
        code="MX-RAIN-01",
        name="松口雨量站",
        kind="rain",
        rule="rain_1h",
        owner=office,
        division=Division.objects.get(code="441403"),
    )


def batch(*values, start=None, station="MX-RAIN-01"):
    start = start or timezone.now().replace(microsecond=0) - datetime.timedelta(hours=len(values))
    return {
        "observations": [
            {"station": station, "time": (start + datetime.timedelta(minutes=10 * i)).isoformat(), "value": v}
            for i, v in enumerate(values)
        ]
    }


def test_a_batch_is_stored_once_and_a_retry_changes_nothing(gauge, api):
    client = api("meixian_office")
    body = batch(10, 12.5, 20)
    first = client.post("/api/v1/observations/", body, format="json").json()
    assert (first["stored"], first["duplicates"]) == (3, 0)
    again = client.post("/api/v1/observations/", body, format="json").json()
    assert (again["stored"], again["duplicates"]) == (0, 3)
    assert Observation.objects.filter(station=gauge).count() == 3


def test_a_value_oscillating_around_a_threshold_raises_one_alert_and_tells_the_duty_officers(gauge, api):
    result = api("meixian_office").post(
        "/api/v1/observations/", batch(48, 50, 49, 51, 46, 50.5), format="json"
    )
    alerts = result.json()["alerts"]
    assert [(a["level"], a["raised"]) for a in alerts] == [("yellow", True)]  # 5 mm of hysteresis hold it
    gauge.refresh_from_db()
    assert gauge.level == "yellow"
    assert Notification.objects.filter(
        recipient__username="duty_city", subject__contains="松口雨量站"
    ).exists()
    lowered = api("meixian_office").post(
        "/api/v1/observations/", batch(44, start=timezone.now().replace(microsecond=0)), format="json"
    )
    assert lowered.json()["alerts"] == [
        {"station": "MX-RAIN-01", "level": "", "raised": False, "value": "44"}
    ]
    assert StationAlert.objects.filter(station=gauge).count() == 2


def test_one_bad_row_stores_nothing_and_names_the_row_and_field(gauge, api):
    body = batch(10, 20)
    body["observations"].append({"station": "MX-RAIN-01", "time": "yesterday", "value": "many"})
    body["observations"].append({"station": "XN-UNKNOWN", "time": timezone.now().isoformat(), "value": 1})
    response = api("meixian_office").post("/api/v1/observations/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {
        "observations[2].time",
        "observations[2].value",
        "observations[3].station",
    }
    assert not Observation.objects.exists()


def test_a_county_cannot_report_for_another_countys_station(gauge, api):
    response = api("xingning_office").post("/api/v1/observations/", batch(60), format="json")
    assert response.status_code == 400 and "observations[0].station" in response.json()
    assert not Observation.objects.exists()
