"""While an Exercise or Test warning is in force, every signed-in page carries the purple banner linking to it;
the list behind the banner is cached, so the banner costs no query on a page whose cache is warm."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.warnings.conftest import exercise, published, user
from yingji.warnings import cache as warnings_cache
from yingji.warnings import services
from yingji.warnings.models import CapStatus

pytestmark = pytest.mark.django_db
BANNER = 'data-testid="exercise-banner"'


def test_the_banner_appears_on_an_unrelated_page_when_an_exercise_is_published(login):
    client = login("duty_city")
    assert BANNER not in client.get("/incidents/").content.decode()
    drill = exercise(level="blue", divisions=("441402",))
    page = client.get("/incidents/").content.decode()
    assert page.count(BANNER) == 1
    assert drill.headline in page and reverse("warnings:warning_detail", args=[drill.pk]) in page


def test_a_test_message_shows_the_banner_too_named_as_a_test(login, settings):
    settings.LANGUAGE_CODE = "en"
    probe = published(status=CapStatus.TEST, level="yellow")
    page = login("city_office").get("/incidents/").content.decode()
    assert BANNER in page and f"【Test】{probe.headline}" in page


def test_the_banner_disappears_once_the_exercise_is_cancelled(login):
    drill = exercise(level="blue", divisions=("441402",))
    client = login("city_office")
    assert BANNER in client.get("/incidents/").content.decode()
    services.cancel(user("city_office"), drill)
    assert BANNER not in client.get("/incidents/").content.decode()


def test_the_banner_never_shows_for_actual_warnings(login):
    live = published()
    client = login("city_office")
    for url in ("/", "/incidents/", reverse("warnings:warning_list"), live.get_absolute_url()):
        page = client.get(url).content.decode()
        assert BANNER not in page, url
    assert live.headline in client.get("/").content.decode()  # the home panel lists it, without the banner


def test_the_banner_shows_once_on_warnings_pages_and_the_home_page(login):
    drill = exercise(level="blue", divisions=("441402",))
    client = login("city_office")
    for url in ("/", reverse("warnings:warning_list"), drill.get_absolute_url(), reverse("warnings:map")):
        assert client.get(url).content.decode().count(BANNER) == 1, url


def test_an_expired_exercise_leaves_the_banner_without_any_save(login, monkeypatch):
    exercise(level="blue", divisions=("441402",), expires=timezone.now() + datetime.timedelta(hours=2))
    client = login("city_office")
    assert BANNER in client.get("/incidents/").content.decode()

    later = timezone.now() + datetime.timedelta(hours=3)

    class Later:
        @staticmethod
        def now():
            return later

    # The cached entry is still there; its warning has expired.
    monkeypatch.setattr(warnings_cache, "timezone", Later)
    assert BANNER not in client.get("/incidents/").content.decode()


def test_the_cached_banner_adds_no_query(login, django_assert_num_queries):
    client = login("duty_city")
    client.get("/incidents/")
    with CaptureQueriesContext(connection) as without_banner:
        client.get("/incidents/")
    baseline = len(without_banner)  # read now: the next request clears the query log
    drill = exercise(level="blue", divisions=("441402",))
    client.get("/incidents/")  # the first page after a change reads the list once and caches it
    with django_assert_num_queries(baseline):
        page = client.get("/incidents/").content.decode()
    assert BANNER in page and drill.headline in page
    services.cancel(user("city_office"), drill)
    client.get("/incidents/")
    with django_assert_num_queries(baseline):
        assert BANNER not in client.get("/incidents/").content.decode()


def test_signed_out_pages_have_no_banner_and_do_not_read_it(client, django_assert_num_queries):
    exercise(level="blue", divisions=("441402",))
    with django_assert_num_queries(0):
        page = client.get(reverse("login")).content.decode()
    assert BANNER not in page


def test_a_save_renews_the_version_and_the_entry_expires_with_its_first_warning():
    before = warnings_cache.version()
    drill = exercise(
        level="blue", divisions=("441402",), expires=timezone.now() + datetime.timedelta(seconds=10)
    )
    assert warnings_cache.version() != before
    banner = warnings_cache.exercises_in_force()
    assert [w.pk for w in banner["warnings"]] == [drill.pk] and not banner["more"]
    assert warnings_cache.timeout_for([drill.expires]) <= 11
    assert warnings_cache.timeout_for([]) == warnings_cache.CACHE_SECONDS
