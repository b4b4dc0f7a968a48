"""Public pages need no sign-in, show only Actual warnings in force, and are cheap and cacheable; internal pages
keep Exercise visibly apart and are scoped."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.warnings.conftest import draft, exercise, published, user
from yingji.core.context import acting_as
from yingji.rules import cap
from yingji.warnings import services

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_public_page_needs_no_login_and_lists_only_actual_warnings_in_force(client):
    live = published()
    drill = exercise(level="blue", divisions=("441402",))
    gone = published(level="yellow")
    services.cancel(user("city_office"), gone)
    pending = draft(level="red")
    response = client.get(reverse("warnings:public"))
    assert response.status_code == 200
    html = response.content.decode()
    assert live.headline in html
    assert drill.headline not in html and pending.headline not in html
    assert gone.headline not in html
    assert "生效中的预警信息" in html
    assert "public" in response["Cache-Control"] and response["ETag"]


def test_the_atom_feed_parses_and_lists_actual_warnings_in_force(client):
    live = published()
    exercise(level="blue")
    response = client.get(reverse("warnings:feed"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [live.headline]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(f"/warnings/cap/{live.identifier}.xml")


def test_each_warning_has_its_cap_message_at_a_stable_public_cacheable_url(client):
    warning = published()
    url = reverse("warnings:cap", args=[warning.identifier])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    cap.validate(response.content)
    assert response["ETag"] and response["Last-Modified"] and "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(reverse("warnings:cap", args=["nothing"])).status_code == 404


def test_an_exercise_shows_a_banner_and_its_cancel_confirmation_names_the_status(login):
    drill = exercise(level="blue", divisions=("441402",))
    client = login("city_office")
    page = client.get(reverse("warnings:warning_list")).content.decode()
    assert 'data-testid="exercise-banner"' in page and drill.headline in page
    confirm = client.get(reverse("warnings:warning_cancel", args=[drill.pk])).content.decode()
    assert 'data-status="Exercise"' in confirm
    assert "Cancel this EXERCISE warning" in confirm and "ACTUAL" not in confirm


@pytest.mark.parametrize(
    ("status", "words"), [("Actual", "ACTUAL"), ("Exercise", "EXERCISE"), ("Test", "TEST")]
)
def test_publishing_asks_for_a_confirmation_that_names_the_status_and_only_the_post_publishes(
    login, status, words
):
    warning = draft(status=status)
    with acting_as(user("leader_city")):
        services.approve(user("leader_city"), warning)
    client = login("city_office")
    confirm = client.get(reverse("warnings:warning_publish", args=[warning.pk])).content.decode()
    assert f'data-status="{status}"' in confirm and f"Publish this {words} warning" in confirm
    warning.refresh_from_db()
    assert warning.state == "approved"  # looking at the question publishes nothing
    client.post(reverse("warnings:warning_publish", args=[warning.pk]))
    warning.refresh_from_db()
    assert warning.state == "published"


def test_the_cancel_confirmation_of_an_actual_warning_says_actual_and_the_post_cancels(login):
    warning = published()
    client = login("city_office")
    page = client.get(reverse("warnings:warning_cancel", args=[warning.pk])).content.decode()
    assert 'data-status="Actual"' in page and warning.headline in page
    client.post(reverse("warnings:warning_cancel", args=[warning.pk]), {"reason": "误报"})
    warning.refresh_from_db()
    assert warning.state == "cancelled"


def test_the_author_is_refused_approval_with_a_clear_message_in_the_page(login):
    warning = draft()
    client = login("city_office")
    detail = client.get(warning.get_absolute_url()).content.decode()
    assert 'data-testid="approve"' not in detail and 'data-testid="author-note"' in detail
    response = client.post(reverse("warnings:warning_approve", args=[warning.pk]), follow=True)
    assert "second person" in response.content.decode() or "第二" in response.content.decode()
    warning.refresh_from_db()
    assert warning.state == "draft"
    leader = login("leader_city")
    assert 'data-testid="approve"' in leader.get(warning.get_absolute_url()).content.decode()


def test_a_draft_is_made_through_the_form(login):
    client = login("city_office")
    from yingji.core.models import Division
    from yingji.incidents.models import EventType

    response = client.post(
        reverse("warnings:warning_add"),
        {
            "owner": user("city_office").organisation.pk,
            "event_type": EventType.objects.get(code="11B03").pk,
            "level": "yellow",
            "status": "Actual",
            "description": "测试",
            "divisions": [Division.objects.get(code="441403").pk],
            "polygons": "[]",
            "circles": "[]",
            "expires": "2099-01-01T08:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_drafts_stay_with_the_issuer_and_published_warnings_are_read_by_everyone(login):
    pending, live = draft(), published()
    county = login("meixian_office")
    assert county.get(pending.get_absolute_url()).status_code == 404
    assert county.get(live.get_absolute_url()).status_code == 200
    assert county.post(reverse("warnings:warning_cancel", args=[live.pk])).status_code == 404


def test_the_list_page_query_count_does_not_grow_with_rows(login, django_assert_num_queries):
    client = login("city_office")
    published()
    client.get(reverse("warnings:warning_list"))
    with django_assert_num_queries(NUM_LIST_QUERIES):
        client.get(reverse("warnings:warning_list"))
    for level in ("red", "yellow", "blue"):
        published(level=level)
    client.get(reverse("warnings:warning_list"))  # publishing renews the cached exercise banner
    with django_assert_num_queries(NUM_LIST_QUERIES):
        client.get(reverse("warnings:warning_list"))


NUM_LIST_QUERIES = 8


def test_the_map_and_detail_pages_render(login):
    warning = published()
    client = login("city_office")
    assert client.get(reverse("warnings:map")).status_code == 200
    assert client.get(warning.get_absolute_url()).status_code == 200


def test_the_home_page_shows_warnings_in_force_and_the_exercise_banner(login):
    live = published()
    drill = exercise(level="blue", divisions=("441402",))
    page = login("duty_city").get("/").content.decode()
    assert live.headline in page
    assert 'data-testid="exercise-banner"' in page and drill.headline in page
