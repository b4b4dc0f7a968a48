"""The API: token sign-in, OpenAPI schema, interactive docs, pagination, writes through the same rules."""

import pytest
from rest_framework.test import APIClient

from yingji.core.models import ObjectChange, Organisation, User

pytestmark = pytest.mark.django_db

PASSWORD = "Yingji@2026"


def token_client(username):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_user_exchanges_password_for_a_token_and_reads_with_it():
    client = token_client("city_office")
    data = client.get("/api/v1/organisations/").json()
    assert data["count"] == Organisation.objects.count()
    assert len(data["results"]) == min(50, data["count"])


def test_a_wrong_password_gets_no_token():
    response = APIClient().post("/api/v1/auth/token/", {"username": "city_office", "password": "nope"})
    assert response.status_code == 400


def test_the_schema_is_openapi_3_and_names_the_endpoints(login):
    response = login("duty_city").get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organisations/{id}/" in schema["paths"]
    assert "/api/v1/contacts/" in schema["paths"]
    observations = schema["paths"]["/api/v1/observations/"]["post"]  # an APIView, described by hand
    assert "requestBody" in observations and "200" in observations["responses"]


def test_the_schema_and_docs_are_for_signed_in_users_only(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "duty_city", "password": PASSWORD})
        .json()["token"]
    )
    assert client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_the_interactive_docs_load_their_assets_from_this_server(login):
    page = login("duty_city").get("/api/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_a_write_through_the_api_is_validated_scoped_and_logged():
    client = token_client("meixian_office")
    own = User.objects.get(username="meixian_office").organisation
    response = client.post(
        "/api/v1/contacts/", {"owner": own.pk, "name": "接口联系人", "mobile": "123"}, format="json"
    )
    assert response.status_code == 400
    assert "mobile" in response.json()
    response = client.post(
        "/api/v1/contacts/", {"owner": own.pk, "name": "接口联系人", "mobile": "13912345678"}, format="json"
    )
    assert response.status_code == 201
    change = ObjectChange.objects.get(content_type__model="contact", object_id=str(response.json()["id"]))
    assert change.user_name == "meixian_office"


def test_the_api_refuses_to_place_a_record_in_another_county():
    client = token_client("meixian_office")
    other = User.objects.get(username="xingning_office").organisation
    response = client.post("/api/v1/contacts/", {"owner": other.pk, "name": "越界"}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_deleting_an_organisation_that_others_refer_to_is_a_conflict():
    client = token_client("city_office")
    government = Organisation.objects.filter(parent__isnull=True, kind="government").first()
    response = client.delete(f"/api/v1/organisations/{government.pk}/")
    assert response.status_code == 409
    assert Organisation.objects.filter(pk=government.pk).exists()


def test_the_token_endpoint_is_throttled_per_address():
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/token/", {"username": f"guess{i}", "password": "x"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
