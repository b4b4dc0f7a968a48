"""The incident list page, the list endpoint and the obligations endpoint run a fixed number of queries."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

# Session, user, count, page rows (with type and division), unread notifications, division filter choices.
PAGES = {
    "/incidents/": 6,
    "/incidents/?division={division}&type=12&level=4&month={month}": 7,  # and the chosen division
    "/incidents/deadlines/": 6,
    # The home page: session, user, three counts, the deadline panel (one query), recent changes, notifications,
    # unread count; who is on duty (the office, then its shifts: 2); stock alerts (4); overdue hazard
    # rectifications (1); warnings in force, exercises marked (1).
    "/": 17,
}
# Token with user; count; page rows.
ENDPOINTS = {"/api/v1/incidents/": 3}


@pytest.mark.parametrize("url", PAGES)
def test_incident_pages_run_a_fixed_number_of_queries(report, login, django_assert_num_queries, url):
    incident = report("duty_city", "12H02", deaths=1)
    month = timezone.localtime(incident.occurred_at).strftime("%Y-%m")
    expected = PAGES[url]
    url = url.format(division=incident.division_id, month=month)
    client = login("city_office")
    client.get(url)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    for i in range(15):
        report("duty_city", "12D01", deaths=i % 4, title=f"事件{i}")
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_incident_endpoints_run_a_fixed_number_of_queries(report, api, django_assert_num_queries, url):
    report("duty_city", "12H02", deaths=1)
    client = api("city_office")
    client.get(url)
    with django_assert_num_queries(ENDPOINTS[url]):
        client.get(url)
    for i in range(15):
        report("duty_city", "12D01", deaths=i % 4, title=f"事件{i}")
    with django_assert_num_queries(ENDPOINTS[url]):
        assert len(client.get(url).json()["results"]) == 16


def test_the_obligations_endpoint_runs_a_fixed_number_of_queries(report, api, django_assert_num_queries):
    incident = report("duty_city", "12D01", deaths=12, minutes_ago=3000)
    client = api("city_office")
    client.get(f"/api/v1/incidents/{incident.pk}/obligations/")
    with django_assert_num_queries(3):  # token with user; the incident; its obligations
        rows = client.get(f"/api/v1/incidents/{incident.pk}/obligations/").json()
    assert len(rows) > 3
