"""Bad input is refused with the field named, in the form and in the API; nothing is saved."""

import datetime

import pytest
from django.utils import timezone

from yingji.cases.models import Case
from yingji.core.models import User

pytestmark = pytest.mark.django_db


def valid_form(**extra):
    user = User.objects.get(username="xingning_office")
    return {
        "title": "某工地基坑坍塌",
        "event_type": "12D01 危险化学品爆炸事故",
        "date": (timezone.localdate() - datetime.timedelta(days=10)).isoformat(),
        "division": user.organisation.division_id,
        "owner": user.organisation_id,
        **extra,
    }


def valid_api(**extra):
    body = valid_form(**{"event_type": "12D01", **extra})
    body.pop("owner")
    return body


def test_a_case_is_added_by_hand(login):
    response = login("xingning_office").post(
        "/cases/add/", valid_form(deaths=2, direct_loss_yuan="350000.50")
    )
    case = Case.objects.get(title="某工地基坑坍塌")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.deaths == 2 and str(case.direct_loss_yuan) == "350000.50" and case.incident is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("deaths", "-1"),
        ("injuries", "-3"),
        ("direct_loss_yuan", "-5"),
        ("event_type", "99Z99"),
        ("date", "2999-01-01"),
        ("title", ""),
    ],
)
def test_bad_input_in_the_form_is_refused_naming_the_field(login, field, value):
    response = login("xingning_office").post("/cases/add/", valid_form(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("deaths", -1),
        ("evacuated", -10),
        ("direct_loss_yuan", "-1"),
        ("event_type", "99Z99"),
        ("level", 7),
        ("date", "2999-01-01"),
    ],
)
def test_bad_input_in_the_api_is_refused_naming_the_field(api, field, value):
    response = api("xingning_office").post("/api/v1/cases/", valid_api(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


def test_the_api_names_the_unknown_event_type(api):
    response = api("xingning_office").post("/api/v1/cases/", valid_api(event_type="99Z99"), format="json")
    assert "99Z99" in response.json()["event_type"][0]


def test_a_case_is_published_only_with_its_lessons_learned(login, api):
    response = login("xingning_office").post("/cases/add/", valid_form(published="on"))
    assert "lessons" in response.context["form"].errors
    response = api("xingning_office").post("/api/v1/cases/", valid_api(published=True), format="json")
    assert response.status_code == 400 and "lessons" in response.json()
    response = api("xingning_office").post(
        "/api/v1/cases/", valid_api(published=True, lessons="基坑监测缺位。"), format="json"
    )
    assert response.status_code == 201 and response.json()["published"] is True
