"""Grading through the API and on incidents; upgrades notify; concurrent edits never overwrite silently."""

import pytest

from yingji.core.models import Notification, User
from yingji.incidents import services

pytestmark = pytest.mark.django_db


def test_the_grading_endpoint_answers_level_name_basis_and_source(api):
    response = api("duty_city").post("/api/v1/grading/", {"event_type": "12D01", "deaths": 3}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["level"] == 3 and body["name"] == "较大"
    assert any("3" in line for line in body["basis"]) and body["source"]


def test_the_grading_endpoint_has_no_numeric_level_for_social_safety(api):
    body = (
        api("duty_city")
        .post("/api/v1/grading/", {"event_type": "14A01", "injuries": 50}, format="json")
        .json()
    )
    assert body["level"] is None and body["manual"] is True


def test_the_grading_endpoint_refuses_negative_figures(api):
    response = api("duty_city").post("/api/v1/grading/", {"event_type": "12D01", "deaths": -1}, format="json")
    assert response.status_code == 400 and "deaths" in response.json()


def test_raising_the_death_toll_upgrades_and_notifies_the_responsible_people(report):
    incident = report("duty_city", "12D01", deaths=1)
    assert incident.level == 4
    province_before = incident.obligations.filter(owed_to="province", withdrawn_at__isnull=True).count()
    updated = services.update(
        User.objects.get(username="duty_city"), incident, {"deaths": 3}, incident.version
    )
    assert updated.level == 3
    assert Notification.objects.filter(recipient__username="leader_city", subject__contains="较大").exists()
    assert updated.log.filter(kind="upgrade").exists()
    assert updated.obligations.filter(owed_to="province", withdrawn_at__isnull=True).count() > province_before


def test_an_officer_sets_another_level_only_with_a_reason(report, login):
    incident = report("duty_city", "14A01", injuries=5)
    client = login("city_office")
    client.post(f"/incidents/{incident.pk}/level/", {"level": 3, "reason": "", "version": incident.version})
    incident.refresh_from_db()
    assert incident.level is None
    client.post(
        f"/incidents/{incident.pk}/level/",
        {"level": 3, "reason": "社会影响较大", "version": incident.version},
    )
    incident.refresh_from_db()
    assert incident.level == 3 and incident.level_overridden and incident.level_reason == "社会影响较大"


def test_a_second_save_from_a_stale_page_is_refused_with_what_changed(report, login):
    incident = report("duty_city", "12H02", deaths=1)
    stale_version = incident.version
    first = login("duty_city")
    first.post(f"/incidents/{incident.pk}/edit/", _form(incident, deaths=2, version=stale_version))
    incident.refresh_from_db()
    assert incident.deaths == 2
    second = login("city_office")
    response = second.post(
        f"/incidents/{incident.pk}/edit/", _form(incident, injuries=4, version=stale_version)
    )
    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "死亡" in message
    incident.refresh_from_db()
    assert incident.injuries is None and incident.deaths == 2


def test_the_api_refuses_an_update_with_an_old_version(report, api):
    incident = report("duty_city", "12H02", deaths=1)
    client = api("city_office")
    etag = client.get(f"/api/v1/incidents/{incident.pk}/")["ETag"]
    ok = client.patch(f"/api/v1/incidents/{incident.pk}/", {"deaths": 2}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["version"] == incident.version + 1
    stale = client.patch(
        f"/api/v1/incidents/{incident.pk}/", {"injuries": 3}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert "deaths" in stale.json()["changed"]
    missing = client.patch(f"/api/v1/incidents/{incident.pk}/", {"injuries": 3}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()


def _form(incident, version, **changes):
    from django.utils import timezone

    fields = {
        "event_type": incident.event_type.code,
        "title": incident.title,
        "division": incident.division_id,
        "address": incident.address,
        "channel": incident.channel,
        "version": version,
        "occurred_at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "received_at": timezone.localtime(incident.received_at).strftime("%Y-%m-%dT%H:%M"),
        "deaths": incident.deaths if incident.deaths is not None else "",
    }
    fields.update(changes)
    return fields


def test_the_lifecycle_moves_forward_and_records_the_response_level(report):
    from django.core.exceptions import ValidationError

    user = User.objects.get(username="city_office")
    incident = report("duty_city", "12D01", deaths=3)
    with pytest.raises(ValidationError):
        services.advance(user, incident, "responding", incident.version)  # no response level
    incident = services.advance(user, incident, "responding", incident.version, response_level=3)
    incident = services.advance(user, incident, "responding", incident.version, response_level=2)
    assert incident.response_level == 2
    assert [e.kind for e in incident.log.all()].count("status") == 2
    incident = services.advance(user, incident, "closed", incident.version)
    assert incident.closed_at is not None
    assert incident.obligations.filter(kind="final", withdrawn_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        services.advance(user, incident, "responding", incident.version, response_level=1)


def test_the_event_log_is_append_only(report):
    from django.core.exceptions import ValidationError

    entry = report("duty_city", "12H02").log.first()
    entry.text = "改写"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
