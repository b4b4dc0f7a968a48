"""The public page is rendered once per version of our warnings and then served from the cache: no query, no
rendering, 304 to a client holding it; any change to a warning shows at once, and an expiry within a second."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.warnings.conftest import published, user
from yingji.warnings import cache as warnings_cache
from yingji.warnings import services

pytestmark = pytest.mark.django_db
URL = reverse("warnings:public")


def test_a_cached_public_page_costs_no_query_and_a_client_holding_it_gets_304(
    client, django_assert_num_queries
):
    live = published()
    with django_assert_num_queries(2):  # the warnings' version, the list
        first = client.get(URL)
    with django_assert_num_queries(0):
        again = client.get(URL)
    assert (
        again.content == first.content
        and again["ETag"] == first["ETag"]
        and live.headline in again.content.decode()
    )
    with django_assert_num_queries(0):
        assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_new_or_cancelled_warning_shows_on_the_public_page_at_once(client):
    live = published()
    first = client.get(URL)
    red = published(level="red")
    second = client.get(URL)
    assert red.headline in second.content.decode() and second["ETag"] != first["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    services.cancel(user("city_office"), live)
    third = client.get(URL).content.decode()
    assert live.headline not in third and red.headline in third


def test_the_cached_page_lives_no_longer_than_its_first_warning(client, monkeypatch):
    published(expires=timezone.now() + datetime.timedelta(seconds=20))
    published(level="red")
    stored = {}
    monkeypatch.setattr(
        warnings_cache.cache, "set", lambda key, value, timeout: stored.update({key: timeout})
    )
    client.get(URL)
    assert 1 <= stored[f"warnings:public:{warnings_cache.version()}"] <= 21
    assert warnings_cache.timeout_for([]) == warnings_cache.CACHE_SECONDS


def test_a_change_made_through_another_server_process_shows_once_the_version_is_read_again(client, settings):
    live = published()
    assert live.headline in client.get(URL).content.decode()
    seen_here = warnings_cache._version
    services.cancel(user("city_office"), live)
    warnings_cache._version = seen_here  # as in a process that did not make the change
    assert live.headline in client.get(URL).content.decode()  # its cached page, for at most 2 s
    settings.WARNINGS_VERSION_SECONDS = 0
    assert live.headline not in client.get(URL).content.decode()
