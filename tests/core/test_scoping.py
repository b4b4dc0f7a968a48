"""A user sees and touches only their jurisdiction (or, for liaisons, their organisation)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.models import Contact, Organisation, User

pytestmark = pytest.mark.django_db


def org_of(username):
    return User.objects.get(username=username).organisation


def api_as(username):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("view", ["detail", "edit", "delete"])
def test_a_county_user_gets_404_for_a_sibling_countys_organisation_pages(login, view):
    xingning = org_of("xingning_office")
    client = login("meixian_office")
    suffix = {"detail": "", "edit": "edit/", "delete": "delete/"}[view]
    response = client.get(f"/org/organisations/{xingning.pk}/{suffix}")
    assert response.status_code == 404


def test_a_county_user_sees_own_county_organisations_only_in_the_list(login):
    client = login("meixian_office")
    response = client.get("/org/organisations/?per_page=500")
    names = {obj.name for obj, _ in response.context["rows"]}
    meixian = org_of("meixian_office").division
    assert org_of("meixian_office").name in names
    assert org_of("xingning_office").name not in names
    in_scope = Organisation.objects.filter(division__path__startswith=meixian.path).count()
    assert response.context["paginator"].count == in_scope


def test_the_city_office_sees_every_county(login):
    client = login("city_office")
    response = client.get(f"/org/organisations/{org_of('xingning_office').pk}/")
    assert response.status_code == 200
    response = client.get(f"/org/organisations/{org_of('meixian_office').pk}/")
    assert response.status_code == 200


def test_a_county_token_gets_404_for_another_countys_objects_in_the_api():
    client = api_as("meixian_office")
    xingning = org_of("xingning_office")
    assert client.get(f"/api/v1/organisations/{xingning.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/organisations/{xingning.pk}/", {"phone": "1"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/organisations/{xingning.pk}/").status_code == 404
    contact = Contact.objects.filter(owner=xingning).first()
    assert contact is not None
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    own = org_of("meixian_office")
    assert client.get(f"/api/v1/organisations/{own.pk}/").status_code == 200


def test_the_api_list_is_scoped_like_the_page():
    client = api_as("xingning_office")
    data = client.get("/api/v1/organisations/?page_size=500").json()
    division = org_of("xingning_office").division
    assert data["count"] == Organisation.objects.filter(division__path__startswith=division.path).count()
    assert all(row["division"] for row in data["results"])


def test_a_department_liaison_sees_and_edits_its_own_department_only(login):
    own = org_of("dept_water")
    client = login("dept_water")
    assert client.get(f"/org/organisations/{own.pk}/").status_code == 200
    other_department = (
        Organisation.objects.filter(kind="department", division=own.division).exclude(pk=own.pk).first()
    )
    assert client.get(f"/org/organisations/{other_department.pk}/").status_code == 404
    response = client.post(
        "/org/contacts/add/", {"owner": own.pk, "name": "值班员", "post": "值班", "mobile": "13800000001"}
    )
    assert response.status_code == 302
    assert Contact.objects.filter(owner=own, name="值班员").exists()


def test_a_county_user_cannot_create_an_organisation_in_another_county(login):
    client = login("meixian_office")
    xingning = org_of("xingning_office")
    before = Organisation.objects.count()
    response = client.post(
        "/org/organisations/add/",
        {"name": "越界单位", "kind": "enterprise", "division": xingning.division.pk, "parent": xingning.pk},
    )
    assert response.status_code == 200
    assert "division" in response.context["form"].errors
    assert Organisation.objects.count() == before


def test_a_leader_reads_everything_but_edits_no_library(login):
    client = login("leader_city")
    xingning = org_of("xingning_office")
    assert client.get(f"/org/organisations/{xingning.pk}/").status_code == 200
    assert client.get(f"/org/organisations/{xingning.pk}/edit/").status_code == 404
    assert client.get("/org/organisations/add/").status_code == 403
    api = api_as("leader_city")
    assert api.get(f"/api/v1/organisations/{xingning.pk}/").status_code == 200
    assert (
        api.patch(f"/api/v1/organisations/{xingning.pk}/", {"phone": "1"}, format="json").status_code == 403
    )


def test_filter_choices_never_name_organisations_out_of_scope(login):
    client = login("meixian_office")
    response = client.get("/org/contacts/")
    choices = {str(label) for _, label in response.context["filterset"].form.fields["owner"].choices}
    assert org_of("xingning_office").name not in choices
    assert org_of("meixian_office").name in choices


def test_an_anonymous_visitor_is_sent_to_sign_in_and_the_api_refuses_them(client):
    assert client.get("/org/organisations/").status_code == 302
    assert APIClient().get("/api/v1/organisations/").status_code == 401


def test_filtering_the_api_by_an_organisation_out_of_scope_is_refused():
    response = api_as("meixian_office").get(f"/api/v1/contacts/?owner={org_of('xingning_office').pk}")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_a_link_to_one_organisations_contacts_lists_only_them(login):
    own = org_of("meixian_office")
    response = login("meixian_office").get(f"/org/contacts/?owner={own.pk}")
    owners = {obj.owner_id for obj, _ in response.context["rows"]}
    assert owners == {own.pk}
    assert f'name="owner" value="{own.pk}"' in response.content.decode()  # kept when the filters change
