"""The API's token lookup, written out once as SQL, gives what the ORM gives and refuses what DRF refuses."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.api_policy import TOKEN_QUERY
from yingji.core.models import User

pytestmark = pytest.mark.django_db


def token_for(username):
    return Token.objects.get_or_create(user=User.objects.get(username=username))[0]


def test_the_token_comes_with_its_user_organisation_and_division_in_one_query(django_assert_num_queries):
    expected = Token.objects.select_related("user__organisation__division").get(
        key=token_for("meixian_office").key
    )
    with django_assert_num_queries(1):
        token = TOKEN_QUERY.get(expected.key)
        user, organisation = token.user, token.user.organisation
        division = organisation.division
    assert (token.key, token.created) == (expected.key, expected.created)
    assert (
        user == expected.user and user.role == expected.user.role and user.password == expected.user.password
    )
    assert organisation == expected.user.organisation and organisation.path == expected.user.organisation.path
    assert (
        division == expected.user.organisation.division
        and division.path == expected.user.organisation.division.path
    )
    assert not user._state.adding and user._state.db == "default"


def test_a_user_without_an_organisation_is_found_too():
    admin = User.objects.create_superuser("root_no_org", password="x")
    token = Token.objects.create(user=admin)
    found = TOKEN_QUERY.get(token.key)
    assert found.user == admin and found.user.organisation is None


def test_an_unknown_token_is_refused():
    assert TOKEN_QUERY.get("0" * 40) is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/organisations/").status_code == 401


def test_an_inactive_users_token_is_refused():
    token = token_for("meixian_office")
    User.objects.filter(username="meixian_office").update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/organisations/").status_code == 401
