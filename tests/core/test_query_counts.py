"""List pages and list endpoints run a fixed number of queries, however many rows they show."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.models import Contact, Organisation, User

pytestmark = pytest.mark.django_db


def add_rows(n):
    owner = User.objects.get(username="city_office").organisation
    for i in range(n):
        org = Organisation.objects.create(
            name=f"测试单位{i}", kind="enterprise", division=owner.division, parent=owner
        )
        Contact.objects.create(owner=org, name=f"联系人{i}")


@pytest.fixture
def api():
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="city_office"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# Session, user with organisation and division, count, page, unread notifications, and the division filter's
# choices (related-record filters that grow with the city are not rendered).
PAGE_QUERIES = {"/org/organisations/": 6, "/org/contacts/": 6, "/org/divisions/": 6, "/org/changes/": 5}
# Token with user, organisation and division; count; page.
API_QUERIES = {"/api/v1/organisations/": 3, "/api/v1/contacts/": 3, "/api/v1/divisions/": 3}


@pytest.mark.parametrize("url", PAGE_QUERIES)
def test_list_pages_run_a_fixed_number_of_queries(login, django_assert_num_queries, url):
    client = login("city_office")
    client.get(url)  # warm the content-type cache
    with django_assert_num_queries(PAGE_QUERIES[url]):
        assert client.get(url).status_code == 200
    add_rows(30)
    with django_assert_num_queries(PAGE_QUERIES[url]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", API_QUERIES)
def test_list_endpoints_run_a_fixed_number_of_queries(api, django_assert_num_queries, url):
    api.get(url)
    with django_assert_num_queries(API_QUERIES[url]):
        assert api.get(url).status_code == 200
    add_rows(30)
    with django_assert_num_queries(API_QUERIES[url]):
        assert len(api.get(url).json()["results"]) > 0
