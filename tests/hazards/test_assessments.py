"""Assessments: LEC and matrix through rules.risk, kept with method and inputs; the hazard takes the colour."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.hazards.conftest import user
from yingji.hazards import services
from yingji.hazards.models import Hazard, RiskAssessment

pytestmark = pytest.mark.django_db


def test_an_lec_assessment_is_stored_with_its_inputs_and_sets_the_hazard_level(make_hazard):
    hazard = make_hazard()
    record = services.assess(
        user("meixian_office"), hazard, "lec", {"likelihood": "6", "exposure": "6", "consequence": "7"}
    )
    record.refresh_from_db()
    assert record.method == "lec" and record.inputs == {
        "likelihood": "6",
        "exposure": "6",
        "consequence": "7",
    }
    assert record.result["score"] == "252" and record.result["band"] == "high"
    assert record.colour == "orange" and record.assessor.username == "meixian_office"
    hazard.refresh_from_db()
    assert hazard.level == "orange" and hazard.assessed_on == record.assessed_on


def test_a_matrix_assessment_is_stored_and_the_latest_assessment_decides_the_level(make_hazard):
    hazard = make_hazard()
    office = user("meixian_office")
    services.assess(
        office, hazard, "matrix", {"likelihood": 5, "severity": 5}, assessed_on=datetime.date(2026, 5, 1)
    )
    # An older assessment entered later is history; it does not change the current level.
    services.assess(
        office, hazard, "matrix", {"likelihood": 1, "severity": 1}, assessed_on=datetime.date(2026, 1, 1)
    )
    hazard.refresh_from_db()
    assert hazard.level == "red"
    assert list(hazard.assessments.values_list("colour", flat=True)) == ["red", "blue"]
    stored = RiskAssessment.objects.get(hazard=hazard, colour="red")
    assert stored.inputs == {"likelihood": "5", "severity": "5"} and stored.result["method"] == "matrix"


@pytest.mark.parametrize(
    ("method", "inputs", "colour"),
    [
        ("lec", {"likelihood": "10", "exposure": "6", "consequence": "7"}, "red"),  # 420
        ("lec", {"likelihood": "3", "exposure": "6", "consequence": "15"}, "orange"),  # 270
        ("lec", {"likelihood": "1", "exposure": "10", "consequence": "7"}, "yellow"),  # 70, the edge
        ("lec", {"likelihood": "0.5", "exposure": "1", "consequence": "40"}, "blue"),  # 20, the edge
        ("matrix", {"likelihood": 4, "severity": 5}, "red"),
        ("matrix", {"likelihood": 4, "severity": 4}, "orange"),
        ("matrix", {"likelihood": 3, "severity": 3}, "yellow"),
        ("matrix", {"likelihood": 2, "severity": 4}, "blue"),
    ],
)
def test_each_colour_is_reachable_by_both_methods(make_hazard, method, inputs, colour):
    hazard = make_hazard()
    services.assess(user("meixian_office"), hazard, method, inputs)
    assert Hazard.objects.get(pk=hazard.pk).level == colour


@pytest.mark.parametrize(
    ("method", "inputs", "field"),
    [
        ("lec", {"likelihood": "6", "exposure": "4", "consequence": "7"}, "exposure"),
        ("lec", {"likelihood": "2", "exposure": "6", "consequence": "7"}, "likelihood"),
        ("lec", {"likelihood": "6", "exposure": "6"}, "consequence"),
        ("matrix", {"likelihood": 6, "severity": 1}, "likelihood"),
        ("matrix", {"likelihood": 2, "severity": "x"}, "severity"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field_and_nothing_is_stored(make_hazard, method, inputs, field):
    hazard = make_hazard()
    with pytest.raises(ValidationError) as caught:
        services.assess(user("meixian_office"), hazard, method, inputs)
    assert field in caught.value.message_dict
    assert not hazard.assessments.exists() and Hazard.objects.get(pk=hazard.pk).level == ""


def test_the_assess_endpoint_answers_400_naming_the_field_and_201_with_the_result(api, make_hazard):
    hazard = make_hazard()
    client = api("meixian_office")
    bad = client.post(
        f"/api/v1/hazards/{hazard.pk}/assess/",
        {"method": "lec", "likelihood": "6", "exposure": "4", "consequence": "7"},
        format="json",
    )
    assert bad.status_code == 400 and "exposure" in bad.json()
    good = client.post(
        f"/api/v1/hazards/{hazard.pk}/assess/",
        {"method": "matrix", "likelihood": "5", "severity": "4"},
        format="json",
    )
    assert good.status_code == 201 and good.json()["colour"] == "red"
    assert client.get(f"/api/v1/hazards/{hazard.pk}/").json()["level"] == "red"


def test_the_assessment_form_on_the_page_records_an_assessment(login, make_hazard):
    hazard = make_hazard()
    client = login("meixian_office")
    response = client.post(
        f"/hazards/registry/{hazard.pk}/assess/",
        {"method": "lec", "likelihood": "3", "exposure": "6", "consequence": "15"},
        follow=True,
    )
    assert response.status_code == 200
    assert Hazard.objects.get(pk=hazard.pk).level == "orange"
    assert "270" in response.content.decode()
