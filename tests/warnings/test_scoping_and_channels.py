"""Drafts stay with the issuer in the API too; notifications use every configured channel (SMS included)."""

import pytest
from django.urls import reverse

from tests.warnings.conftest import draft, published, user
from yingji.core.models import Delivery, Notification
from yingji.warnings import services
from yingji.warnings.models import FeedSource

pytestmark = pytest.mark.django_db


def test_a_sibling_county_gets_404_for_a_draft_and_reads_a_published_warning_through_the_api(api):
    county = api("xingning_office")
    pending, live = draft(), published()
    assert county.get(f"/api/v1/warnings/{pending.pk}/").status_code == 404
    assert county.get(f"/api/v1/warnings/{live.pk}/").status_code == 200
    assert county.post(f"/api/v1/warnings/{live.pk}/cancel/").status_code == 404


def test_a_county_draft_is_not_seen_by_another_county(api):
    pending = draft("meixian_office", divisions=("441403",))
    assert api("xingning_office").get(f"/api/v1/warnings/{pending.pk}/").status_code == 404
    assert api("city_office").get(f"/api/v1/warnings/{pending.pk}/").status_code == 200


def test_a_draft_outside_the_issuers_division_is_refused():
    with pytest.raises(services.ValidationError, match="outside"):
        draft("meixian_office", divisions=("441481",))


def test_notifications_go_to_the_area_only_and_through_the_sms_channel_interface(settings):
    settings.NOTIFY_CHANNELS = ["email", "sms"]
    warning = published(divisions=("441403",))
    users, contacts = services.notify_area(warning)
    assert users and contacts
    recipients = set(Notification.objects.values_list("recipient__organisation__division__code", flat=True))
    assert recipients <= {"441403"} or all(code.startswith("441403") for code in recipients)
    assert Delivery.objects.filter(channel="sms").exists()
    assert Delivery.objects.filter(channel="email").exists()


def test_an_exercise_notification_says_so_in_its_subject():
    from tests.warnings.conftest import exercise

    subject, body = services.message_text(exercise(level="blue"))
    assert subject.startswith("【") and "演练信息" in body


def test_feed_sources_have_pages_and_a_poll_button(login):
    client = login("city_office")
    source = FeedSource.objects.create(
        owner=user("city_office").organisation,
        name="省台",
        url="http://127.0.0.1:9/none.xml",
    )
    assert client.get(reverse("warnings:feedsource_list")).status_code == 200
    assert 'data-testid="poll-now"' in client.get(source.get_absolute_url()).content.decode()
    client.post(reverse("warnings:feedsource_poll", args=[source.pk]))
    source.refresh_from_db()
    assert "1 rejected" in source.last_result
