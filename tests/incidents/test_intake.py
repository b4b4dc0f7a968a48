"""Taking in a report: fast, idempotent, validated, scoped."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from yingji.core.models import ObjectChange, User
from yingji.incidents.models import EventLogEntry, Incident, Intake

pytestmark = pytest.mark.django_db


def quick_form(**extra):
    now = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(minutes=20)
    return {
        "event_type": "12D01 危险化学品爆炸事故",
        "title": "化工厂爆炸",
        "division": User.objects.get(username="duty_city").organisation.division_id,
        "address": "梅县区某工业园",
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
        "received_at": (now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "client_uuid": str(uuid.uuid4()),
        **extra,
    }


def test_a_duty_officer_saves_a_report_with_type_place_and_description_only(login):
    client = login("duty_city")
    response = client.post("/incidents/new/", quick_form())
    incident = Incident.objects.get(title="化工厂爆炸")
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.event_type.code == "12D01" and incident.level == 4
    assert Intake.objects.filter(incident=incident, channel="phone").count() == 1
    assert EventLogEntry.objects.filter(incident=incident, kind="received").exists()
    assert incident.obligations.exists()
    logged = ObjectChange.objects.filter(
        content_type__model="obligation",
        action="create",
        object_id__in=[str(pk) for pk in incident.obligations.values_list("pk", flat=True)],
    )
    assert logged.count() == incident.obligations.count()  # created in bulk, logged all the same


def test_posting_the_same_form_twice_creates_one_incident(login):
    client = login("duty_city")
    form = quick_form()
    first = client.post("/incidents/new/", form)
    second = client.post("/incidents/new/", form)
    assert Incident.objects.filter(title="化工厂爆炸").count() == 1
    assert first["Location"] == second["Location"]


def test_the_api_is_idempotent_on_the_client_supplied_id(api):
    client = api("meixian_office")
    division = User.objects.get(username="meixian_office").organisation.division
    body = {
        "uuid": str(uuid.uuid4()),
        "event_type": "12H02",
        "title": "两车相撞",
        "division": division.pk,
        "occurred_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "deaths": 1,
    }
    first = client.post("/api/v1/incidents/", body, format="json")
    again = client.post("/api/v1/incidents/", body, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Incident.objects.filter(uuid=body["uuid"]).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("deaths", -1, "0"),
        ("occurred_at", "future", "未来"),
        ("event_type", "99X99", "99X99"),
        ("latitude", 91, "90"),
        ("direct_loss_yuan", "很多", "数字"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(api, field, value, rule):
    client = api("city_office")
    division = User.objects.get(username="city_office").organisation.division
    body = {
        "event_type": "12H02",
        "title": "坏数据",
        "division": division.pk,
        "latitude": 24.3,
        "longitude": 116.1,
        "occurred_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
    }
    body[field] = (timezone.now() + datetime.timedelta(days=1)).isoformat() if value == "future" else value
    before = Incident.objects.count()
    response = client.post("/api/v1/incidents/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert field in response.json()
    assert rule in " ".join(map(str, response.json()[field]))
    assert Incident.objects.count() == before


def test_an_occurred_time_after_the_received_time_is_refused(login):
    client = login("duty_city")
    form = quick_form()
    form["received_at"] = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/incidents/new/", form)
    assert response.status_code == 200
    assert "occurred_at" in response.context["form"].errors
    assert not Incident.objects.filter(title="化工厂爆炸").exists()


def test_a_county_cannot_see_another_countys_incident(report, login, api):
    incident = report("xingning_office", "12H02", deaths=1)
    assert login("meixian_office").get(incident.get_absolute_url()).status_code == 404
    assert api("meixian_office").get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert api("meixian_office").get(f"/api/v1/incidents/{incident.pk}/obligations/").status_code == 404
    assert login("city_office").get(incident.get_absolute_url()).status_code == 200


def test_an_incident_reported_by_the_city_in_a_county_is_visible_to_that_county(report, login):
    incident = report("city_office", "12H02", division="441403", deaths=1)
    assert login("meixian_office").get(incident.get_absolute_url()).status_code == 200
    assert login("xingning_office").get(incident.get_absolute_url()).status_code == 404


def test_likely_duplicates_are_suggested(report, login):
    first = report(
        "duty_city", "12D01", title="化工厂爆炸", latitude=Decimal("24.30"), longitude=Decimal("116.10")
    )
    second = report(
        "duty_city", "12D02", title="化工厂泄漏", latitude=Decimal("24.31"), longitude=Decimal("116.10")
    )
    page = login("duty_city").get(second.get_absolute_url()).content.decode()
    assert 'data-testid="duplicates"' in page and first.title in page


def test_photos_are_attached_and_served_only_within_scope(report, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    incident = report("xingning_office", "12D01", deaths=1)
    client = login("xingning_office")
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0 jpeg bytes", content_type="image/jpeg")
    client.post(f"/incidents/{incident.pk}/attachments/", {"file": photo})
    attachment = incident.attachments.get()
    assert attachment.name == "现场.jpg"
    assert b"jpeg bytes" in b"".join(client.get(attachment.get_absolute_url()).streaming_content)
    assert login("meixian_office").get(attachment.get_absolute_url()).status_code == 404
    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    client.post(f"/incidents/{incident.pk}/attachments/", {"file": script})
    assert incident.attachments.count() == 1


def test_the_new_report_form_starts_at_the_officers_division_and_now(login):
    response = login("meixian_office").get("/incidents/new/")
    form = response.context["form"]
    assert form["division"].value() == User.objects.get(username="meixian_office").organisation.division_id
    assert abs(form["occurred_at"].value() - timezone.make_naive(timezone.now())) < datetime.timedelta(
        minutes=2
    )


def test_a_duplicate_report_is_merged_into_the_first(report, login):
    first = report(
        "duty_city", "12D01", title="化工厂爆炸", latitude=Decimal("24.30"), longitude=Decimal("116.10")
    )
    second = report(
        "duty_city", "12D01", title="工业园爆炸", latitude=Decimal("24.30"), longitude=Decimal("116.11")
    )
    client = login("duty_city")
    response = client.post(f"/incidents/{second.pk}/merge/", {"into": first.pk})
    assert response["Location"] == first.get_absolute_url()
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into == first
    assert first.intakes.count() == 2 and first.intakes.filter(merged=True).count() == 1
    assert not second.obligations.filter(done_at__isnull=True, withdrawn_at__isnull=True).exists()
    assert first.log.filter(kind="merge").exists()


def test_a_replayed_past_report_is_logged_at_its_own_time():
    from yingji.incidents import services
    from yingji.incidents.models import EventType

    received = timezone.now() - datetime.timedelta(days=200)
    user = User.objects.get(username="city_office")
    data = {
        "event_type": EventType.objects.get(code="12H02"),
        "title": "去年的事故",
        "division": user.organisation.division,
        "occurred_at": received - datetime.timedelta(minutes=20),
        "received_at": received,
    }
    with services.as_of(received):
        incident, _ = services.receive(user, data, channel="phone")
    assert incident.log.get(kind="received").time == received
    # Follow-ups run a day ahead of the replayed moment, not up to today (200 days later).
    assert all(o.due_at < received + datetime.timedelta(days=31) for o in incident.obligations.all())
