"""Asynchronous intake: a report is checked and stored at once (202), and the worker makes the incident."""

import datetime
import uuid

import pytest
from django.utils import timezone

from yingji.core.models import ObjectChange, User
from yingji.incidents import services
from yingji.incidents.models import Incident, Intake
from yingji.incidents.tasks import process_intakes

pytestmark = pytest.mark.django_db

URL = "/api/v1/intakes/"


def report(username="meixian_office", **extra):
    division = User.objects.get(username=username).organisation.division
    return {
        "uuid": str(uuid.uuid4()),
        "event_type": "12D01",
        "title": "化工厂爆炸",
        "division": division.pk,
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        "deaths": 3,
        "reporter_name": "王五",
        "reporter_phone": "13800000000",
        **extra,
    }


def work(intake: Intake) -> str:
    """What the worker's loop does with the queued intakes; the intake's state after it."""
    process_intakes()
    intake.refresh_from_db()
    return intake.state


def test_a_report_is_answered_202_with_where_to_follow_it(api):
    body = report()
    response = api("meixian_office").post(URL, body, format="json")
    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/intakes/{body['uuid']}/"
    assert response.json()["state"] == "queued" and response.json()["incident"] is None
    intake = Intake.objects.get(uuid=body["uuid"])
    assert intake.state == "queued" and intake.incident is None and intake.channel == "api"
    assert intake.content["title"] == "化工厂爆炸" and intake.caller_name == "王五"
    assert intake.created_by.username == "meixian_office"
    assert intake.owner == User.objects.get(username="meixian_office").organisation
    assert not Incident.objects.filter(uuid=body["uuid"]).exists()  # not yet: the worker makes it


def test_the_same_uuid_twice_stores_one_intake(api):
    client = api("meixian_office")
    body = report()
    first = client.post(URL, body, format="json")
    again = client.post(URL, body, format="json")
    assert first.status_code == again.status_code == 202
    assert first["Location"] == again["Location"]
    assert Intake.objects.filter(uuid=body["uuid"]).count() == 1


def test_a_racing_duplicate_is_stopped_by_the_unique_constraint():
    """`accept` does not look the uuid up first: the insert fails and the stored intake is returned."""
    user = User.objects.get(username="meixian_office")
    client_uuid = uuid.uuid4()
    first, created = services.accept(
        user, {"title": "a"}, owner=user.organisation, client_uuid=client_uuid, channel="api"
    )
    second, created_again = services.accept(
        user, {"title": "b"}, owner=user.organisation, client_uuid=client_uuid, channel="api"
    )
    assert created and not created_again and second.pk == first.pk
    assert Intake.objects.filter(uuid=client_uuid).count() == 1


def test_another_countys_uuid_is_refused(api):
    body = report("xingning_office")
    api("xingning_office").post(URL, body, format="json")
    body["division"] = User.objects.get(username="meixian_office").organisation.division_id
    assert api("meixian_office").post(URL, body, format="json").status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("deaths", -1, "0"),
        ("occurred_at", "future", "未来"),
        ("occurred_at", "after received", "接报"),
        ("event_type", "99X99", "99X99"),
        ("latitude", 91, "90"),
        ("direct_loss_yuan", "很多", "数字"),
        ("title", None, "title"),
        ("division", 999999, "999999"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(api, field, value, rule):
    body = report(latitude=24.3, longitude=116.1)
    if value == "future":
        value = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    elif value == "after received":
        body["received_at"] = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
        value = body["occurred_at"]
    if value is None:
        del body[field]
        rule = "必填"
    else:
        body[field] = value
    response = api("meixian_office").post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert field in response.json()
    assert rule in " ".join(map(str, response.json()[field]))
    assert not Intake.objects.filter(uuid=body["uuid"]).exists()


def test_the_same_rules_and_messages_as_the_incident_endpoint(api):
    body = report(deaths=-1, event_type="99X99", latitude=91, longitude=116)
    client = api("meixian_office")
    sync = client.post("/api/v1/incidents/", body, format="json").json()
    queued = client.post(URL, body, format="json").json()
    assert sync == queued


def test_a_division_outside_the_callers_county_is_refused(api):
    other = User.objects.get(username="xingning_office").organisation.division_id
    response = api("meixian_office").post(URL, report(division=other), format="json")
    assert response.status_code == 400 and "division" in response.json()


def test_the_worker_turns_the_intake_into_a_graded_incident_with_obligations(api):
    client = api("meixian_office")
    body = report()
    location = client.post(URL, body, format="json")["Location"]
    intake = Intake.objects.get(uuid=body["uuid"])
    assert work(intake) == "processed"
    intake.refresh_from_db()
    incident = intake.incident
    assert intake.state == "processed" and intake.processed_at is not None
    assert incident.uuid == intake.uuid and incident.channel == "api"
    assert incident.level == 3  # 3 dead in an explosion: 较大
    assert incident.received_at == intake.received_at  # deadlines count from when the report came in
    assert incident.obligations.exists()
    assert incident.log.filter(kind="received").exists()
    assert incident.intakes.get() == intake  # the stored report, not a second one
    assert incident.created_by.username == "meixian_office"
    shown = client.get(location).json()
    assert shown["state"] == "processed"
    assert shown["incident"] == {
        "id": incident.pk,
        "number": incident.number,
        "level": 3,
        "level_name": "较大",
    }
    assert work(intake) == "processed"  # a second run of the task changes nothing
    assert Incident.objects.filter(uuid=body["uuid"]).count() == 1


def test_the_same_uuid_on_the_incident_endpoint_finds_the_processed_report(api):
    client = api("meixian_office")
    body = report()
    client.post(URL, body, format="json")
    work(Intake.objects.get(uuid=body["uuid"]))
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == Incident.objects.get(uuid=body["uuid"]).pk


def test_a_report_that_no_longer_passes_is_rejected_with_the_reason(api):
    client = api("meixian_office")
    body = report()
    location = client.post(URL, body, format="json")["Location"]
    intake = Intake.objects.get(uuid=body["uuid"])
    intake.content["deaths"] = -1  # as if the rules had changed since it was accepted
    intake.save()
    assert work(intake) == "rejected"
    shown = client.get(location, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert shown["state"] == "rejected" and shown["incident"] is None
    assert "deaths" in shown["reason"]
    assert not Incident.objects.filter(uuid=body["uuid"]).exists()


def test_a_sibling_county_gets_404_for_another_countys_intake(api):
    body = report("xingning_office")
    location = api("xingning_office").post(URL, body, format="json")["Location"]
    assert api("meixian_office").get(location).status_code == 404
    assert api("xingning_office").get(location).status_code == 200
    assert api("city_office").get(location).status_code == 200  # the city sees its counties
    assert api("meixian_office").get(f"{URL}not-a-uuid/").status_code == 404


def test_a_leader_may_not_send_reports(api):
    body = report("leader_city")
    assert api("leader_city").post(URL, body, format="json").status_code == 403
    assert not Intake.objects.exists()


def test_without_a_token_nothing_is_accepted(client):
    response = client.post(URL, report(), content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Intake.objects.exists()


def test_accepting_a_report_runs_a_fixed_number_of_queries(api, django_assert_num_queries):
    client = api("meixian_office")
    client.post(URL, report(), format="json")  # the event types and divisions are read once per process
    body = report()
    # Token with user; savepoint (in production BEGIN); the intake; release (in production COMMIT). The change
    # log and the incident are the worker's.
    with django_assert_num_queries(4):
        assert client.post(URL, body, format="json").status_code == 202


def test_the_intake_is_in_the_change_log_as_received_once_the_worker_took_it(api):
    body = report()
    api("meixian_office").post(URL, body, format="json")
    intake = Intake.objects.get(uuid=body["uuid"])
    logged = ObjectChange.objects.filter(content_type__model="intake", object_id=str(intake.pk))
    assert not logged.exists()  # the request wrote the intake and nothing else
    work(intake)
    created = logged.get(action="create")
    assert created.user.username == "meixian_office" and created.after["state"] == "queued"


def test_the_worker_takes_queued_intakes_oldest_first_and_a_failing_one_stays_queued(api, monkeypatch):
    client = api("meixian_office")
    bodies = [report(title=f"第{i}起") for i in range(3)]
    for body in bodies:
        client.post(URL, body, format="json")
    intakes = [Intake.objects.get(uuid=b["uuid"]) for b in bodies]
    seen = []
    original = services.receive

    def receive(user, data, **kwargs):
        seen.append(kwargs["intake"].pk)
        if kwargs["intake"].pk == intakes[1].pk:
            raise RuntimeError("the database went away")
        return original(user, data, **kwargs)

    monkeypatch.setattr(services, "receive", receive)
    assert process_intakes() == 2
    assert seen == [i.pk for i in intakes]
    assert [work(i) for i in intakes] == ["processed", "queued", "processed"]
    monkeypatch.setattr(services, "receive", original)
    assert work(intakes[1]) == "processed"  # the next pass takes it
