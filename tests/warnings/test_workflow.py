"""Drafted by one person, approved by another, published as valid CAP 1.2; updates and cancellations refer to
what they replace; every step is in the change log."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from tests.warnings.conftest import draft, published, user
from yingji.core.models import ObjectChange
from yingji.rules import cap
from yingji.warnings import services
from yingji.warnings.models import MsgType, Warning

pytestmark = pytest.mark.django_db


def test_a_draft_gets_a_gb_style_headline_and_its_divisions_as_area():
    warning = draft()
    assert warning.state == Warning.State.DRAFT
    assert warning.headline == "梅州市应急管理局发布暴雨橙色预警[Ⅱ级/严重]"
    assert warning.area_desc == "梅县区、兴宁市"


def test_the_author_cannot_approve_their_own_warning():
    warning = draft("city_office")
    with pytest.raises(PermissionDenied, match="second person"):
        services.approve(user("city_office"), warning)
    warning.refresh_from_db()
    assert warning.state == Warning.State.DRAFT


def test_a_duty_officer_may_not_approve():
    with pytest.raises(PermissionDenied):
        services.approve(user("duty_city"), draft("city_office"))


def test_only_an_approved_warning_is_published():
    with pytest.raises(ValidationError):
        services.publish(user("city_office"), draft())


def test_a_published_warning_is_valid_cap_with_a_gb_identifier():
    warning = published()
    assert warning.state == Warning.State.PUBLISHED
    assert warning.sent.microsecond == 0
    assert cap.is_gb_identifier(warning.identifier)
    assert warning.identifier.startswith("441400000")
    xml = warning.cap_xml.encode()
    cap.validate(xml)
    alert = cap.parse(xml)
    assert (alert.identifier, alert.status, alert.msg_type) == (warning.identifier, "Actual", "Alert")
    info = alert.infos[0]
    assert info.severity == "Severe" and info.event == "暴雨"
    assert {g.value for g in info.areas[0].geocodes} == {"441403", "441481"}
    assert "+08:00" in warning.cap_xml


def test_two_warnings_in_the_same_second_get_different_sequence_digits():
    first, second = published(), published(level="red")
    assert first.identifier != second.identifier


def test_polygons_and_circles_go_into_the_cap_area():
    ring = [[24.05, 115.65], [24.05, 115.9], [23.9, 115.9], [23.9, 115.65], [24.05, 115.65]]
    warning = published(
        divisions=(),
        polygons=[ring],
        circles=[{"lat": 24.3, "lon": 116.1, "radius_km": 10}],
        area_desc="五华县北部",
    )
    area = cap.parse(warning.cap_xml.encode()).infos[0].areas[0]
    assert area.area_desc == "五华县北部"
    assert len(area.polygons[0].points) == 5 and area.circles[0].radius_km == 10


def test_an_open_polygon_is_refused_naming_the_rule():
    with pytest.raises(ValidationError, match="not closed"):
        draft(divisions=(), area_desc="x", polygons=[[[24, 115], [24, 116], [23, 116], [23, 115.5]]])


def test_an_update_refers_to_the_warning_it_replaces_and_supersedes_it():
    original = published()
    update = services.start_update(user("city_office"), original)
    assert (update.msg_type, update.replaces, update.state) == (MsgType.UPDATE, original, Warning.State.DRAFT)
    update.level = "red"
    update.headline = ""
    services.save_draft(user("city_office"), update)
    services.approve(user("leader_city"), update)
    update = services.publish(user("city_office"), update)
    alert = cap.parse(update.cap_xml.encode())
    cap.validate(update.cap_xml.encode())
    assert alert.msg_type == "Update"
    assert [r.text() for r in alert.references] == [cap.parse(original.cap_xml.encode()).reference().text()]
    original.refresh_from_db()
    assert original.state == Warning.State.UPDATED


def test_cancel_is_one_step_referring_to_the_warning_and_logged():
    original = published()
    message = services.cancel(user("city_office"), original, "雨势减弱")
    xml = message.cap_xml.encode()
    cap.validate(xml)
    alert = cap.parse(xml)
    assert alert.msg_type == "Cancel"
    assert alert.references[0].identifier == original.identifier
    original.refresh_from_db()
    assert original.state == Warning.State.CANCELLED
    changes = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Warning), object_id=str(original.pk)
    )
    states = [c.after.get("state") for c in changes.order_by("time", "pk")]
    assert states == ["draft", "approved", "published", "cancelled"]
    assert changes.filter(user__username="leader_city").exists()


def test_a_cancelled_warning_cannot_be_cancelled_again():
    original = published()
    services.cancel(user("city_office"), original)
    with pytest.raises(ValidationError):
        services.cancel(user("city_office"), Warning.objects.get(pk=original.pk))


def test_a_published_warning_is_not_edited_as_a_draft():
    warning = published()
    warning.description = "改"
    with pytest.raises(ValidationError, match="Only a draft"):
        services.save_draft(user("city_office"), warning)


def test_expired_warnings_read_expired():
    import datetime

    from django.utils import timezone

    warning = published()
    Warning.objects.filter(pk=warning.pk).update(expires=timezone.now() - datetime.timedelta(minutes=1))
    assert services.expire_due() == 1
    warning.refresh_from_db()
    assert warning.state == Warning.State.EXPIRED
