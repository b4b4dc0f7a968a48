"""The API drafts warnings and runs the workflow; publication tells the area's organisations by email."""

import pytest
from django.urls import reverse

from tests.warnings.conftest import published
from yingji.core import worker
from yingji.core.models import Division, Organisation
from yingji.incidents.models import EventType
from yingji.rules import cap
from yingji.warnings.demo.loader import load_warnings
from yingji.warnings.models import ExternalWarning, Warning


@pytest.mark.django_db
def test_the_api_drafts_approves_publishes_and_cancels(api):
    office, leader = api("city_office"), api("leader_city")
    response = office.post(
        "/api/v1/warnings/",
        {
            "owner": Organisation.objects.get(name="梅州市应急管理局").pk,
            "event_type": EventType.objects.get(code="11B03").pk,
            "level": "orange",
            "description": "测试",
            "divisions": [Division.objects.get(code="441403").pk],
            "expires": "2099-01-01T08:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert office.post(f"/api/v1/warnings/{pk}/approve/").status_code == 403
    assert leader.post(f"/api/v1/warnings/{pk}/approve/").status_code == 200
    published = office.post(f"/api/v1/warnings/{pk}/publish/")
    assert published.status_code == 200 and published.json()["state"] == "published"
    cancelled = office.post(f"/api/v1/warnings/{pk}/cancel/", {"reason": "误报"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["msg_type"] == "Cancel"
    assert office.patch(f"/api/v1/warnings/{pk}/", {"description": "x"}, format="json").status_code == 400


@pytest.mark.django_db
def test_the_api_list_query_count_is_pinned(api, django_assert_num_queries):
    client = api("city_office")
    published()
    client.get("/api/v1/warnings/")
    with django_assert_num_queries(API_LIST_QUERIES):
        client.get("/api/v1/warnings/")
    published(level="red")
    with django_assert_num_queries(API_LIST_QUERIES):
        client.get("/api/v1/warnings/")


API_LIST_QUERIES = 4


@pytest.mark.django_db
def test_the_demo_is_deterministic_and_idempotent():
    first = load_warnings()
    assert first["published"] == 6 and first["cancelled"] == 1 and first["received"] == 2
    assert not +load_warnings()  # nothing new the second time
    assert Warning.objects.filter(status="Exercise", state="published").count() == 1
    assert ExternalWarning.objects.count() == 2
    for warning in Warning.objects.exclude(cap_xml=""):
        cap.validate(warning.cap_xml.encode())


def test_publication_emails_the_contacts_of_the_areas_organisations(demo_live, smtp_server):
    warning = published(divisions=("441403",))
    assert smtp_server.messages == []  # nothing leaves before the worker runs
    worker.run(batch=True)
    worker.run(batch=True)
    recipients = {r for m in smtp_server.messages for r in m.rcpt_tos}
    in_area = set(
        Organisation.objects.filter(division__path__startswith=Division.objects.get(code="441403").path)
        .exclude(contacts__email="")
        .values_list("contacts__email", flat=True)
    ) - {None, ""}
    elsewhere = set(
        Organisation.objects.filter(division__code="441422").values_list("contacts__email", flat=True)
    ) - {None, ""}
    assert in_area and in_area <= recipients
    assert not (elsewhere & recipients)
    assert warning.headline
    assert reverse("warnings:public")
