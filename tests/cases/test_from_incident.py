"""A closed incident is written up as a typical case: the form starts from the incident and its event log."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from yingji.cases import services
from yingji.cases.models import Case
from yingji.core.models import User
from yingji.incidents import services as incident_services

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """The form as the browser would post it back, from the page's initial values."""
    form = response.context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        if field.name == "event_type":
            value = field.field.prepare_value(value)
        data[field.name] = value
    return data


def test_a_case_from_a_closed_incident_is_prefilled_from_it_and_its_log(incident, login):
    source = incident(deaths=3, serious_injuries=2, direct_loss_yuan=Decimal("1200000"))
    user = User.objects.get(username="xingning_office")
    incident_services.add_task(user, source, title="疏散相邻车间人员")
    response = login("xingning_office").get(f"/cases/from-incident/{source.pk}/")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["title"] == source.title
    assert initial["event_type"] == source.event_type
    assert initial["date"] == timezone.localtime(source.occurred_at).date()
    assert initial["division"] == source.division and initial["level"] == source.level == 3  # 较大: 3 dead
    assert initial["deaths"] == 3 and initial["serious_injuries"] == 2
    assert initial["direct_loss_yuan"] == Decimal("1200000")
    assert initial["response"].endswith("消防救援队伍救出被困人员，疏散相邻车间。")
    course = initial["course"]
    assert course.startswith("有限空间作业未检测通风。")
    # The chronology: every log entry of substance, dated, oldest first.
    for entry in source.log.exclude(kind__in=services.CLERICAL_LOG_KINDS):
        assert f"{timezone.localtime(entry.time):%Y-%m-%d %H:%M} {entry.text}" in course
    dated = [line[:16] for line in course.split("\n\n")[-1].splitlines()[1:]]
    assert dated == sorted(dated) and len(dated) == 3  # received, closed, the task added afterwards
    assert "疏散相邻车间人员" in response.content.decode()


def test_saving_the_prefilled_form_creates_a_case_linked_to_the_incident(incident, login):
    source = incident(deaths=1)
    client = login("xingning_office")
    data = form_data(client.get(f"/cases/from-incident/{source.pk}/"))
    data["lessons"] = "作业审批流于形式。"
    response = client.post(f"/cases/from-incident/{source.pk}/", data)
    case = Case.objects.get(incident=source)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.deaths == 1 and case.event_type == source.event_type and case.division == source.division
    assert case.owner == User.objects.get(username="xingning_office").organisation
    assert not case.published and case.lessons == "作业审批流于形式。"
    # A second visit leads to the case already written instead of a second one.
    again = client.get(f"/cases/from-incident/{source.pk}/")
    assert again.status_code == 302 and again["Location"] == case.get_absolute_url()


def test_an_open_incident_is_refused_with_a_clear_message(incident, login):
    source = incident(close=False)
    client = login("xingning_office")
    response = client.get(f"/cases/from-incident/{source.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == source.get_absolute_url()
    text = " ".join(str(m) for m in response.context["messages"])
    assert str(source.get_status_display()) in text
    response = client.post(f"/cases/from-incident/{source.pk}/", {"title": "x"})
    assert response.status_code == 302
    assert not Case.objects.exists()
    with pytest.raises(services.ValidationError):
        services.create_from_incident(User.objects.get(username="xingning_office"), source)


def test_an_evaluated_incident_may_become_a_case(incident):
    user = User.objects.get(username="xingning_office")
    source = incident()
    source = incident_services.advance(user, source, "evaluated", source.version)
    case = services.create_from_incident(user, source)
    assert case.incident == source and case.title == source.title


def test_an_incident_of_another_county_is_404(incident, login):
    source = incident("meixian_office")
    assert login("xingning_office").get(f"/cases/from-incident/{source.pk}/").status_code == 404
    assert login("meixian_office").get(f"/cases/from-incident/{source.pk}/").status_code == 200


def test_a_duty_officer_may_not_write_cases(incident, login):
    source = incident("city_office")
    assert login("duty_city").get(f"/cases/from-incident/{source.pk}/").status_code == 403


def test_a_second_case_from_the_same_incident_is_refused(incident):
    user = User.objects.get(username="xingning_office")
    source = incident()
    services.create_from_incident(user, source)
    with pytest.raises(services.ValidationError, match="已"), translation.override("zh-hans"):
        services.create_from_incident(User.objects.get(username="city_office"), source)


def test_the_api_writes_a_case_from_a_closed_incident_and_refuses_an_open_one(incident, api):
    client = api("xingning_office")
    closed = incident(deaths=2)
    response = client.post(
        "/api/v1/cases/from-incident/", {"incident": closed.pk, "lessons": "教训"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["incident"] == closed.pk and body["deaths"] == 2 and body["lessons"] == "教训"
    assert body["event_type"] == closed.event_type.code and not body["published"]
    still_open = incident(close=False, title="未结案事件")
    response = client.post("/api/v1/cases/from-incident/", {"incident": still_open.pk}, format="json")
    assert response.status_code == 400 and "incident" in response.json()
    other_county = incident("meixian_office", title="梅县事件")
    response = client.post("/api/v1/cases/from-incident/", {"incident": other_county.pk}, format="json")
    assert response.status_code == 400 and "incident" in response.json()


def test_the_chronology_leaves_out_clerical_entries(incident):
    source = incident()
    user = User.objects.get(username="xingning_office")
    incident_services.log(source, user, "update", "已修改：地址")
    incident_services.log(source, user, "status", "状态：恢复重建。")
    text = services.chronology(source)
    assert "已修改" not in text and "状态：恢复重建。" in text
    first = text.splitlines()[0]
    assert datetime.datetime.strptime(first[:16], "%Y-%m-%d %H:%M")
