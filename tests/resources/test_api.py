"""GET /api/v1/nearest/: the nearest records of a kind, and a 400 naming the parameter for bad input."""

import pytest

from yingji.resources.nearest import SOURCES

pytestmark = pytest.mark.django_db

URL = "/api/v1/nearest/"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("lat=91&lon=116&kind=team", "lat"),
        ("lat=-90.5&lon=116&kind=team", "lat"),
        ("lat=24&lon=181&kind=team", "lon"),
        ("lat=abc&lon=116&kind=team", "lat"),
        ("lon=116&kind=team", "lat"),
        ("lat=24&lon=116&kind=boats", "kind"),
        ("lat=24&lon=116", "kind"),
        ("lat=24&lon=116&kind=team&k=0", "k"),
        ("lat=24&lon=116&kind=team&k=101", "k"),
        ("lat=24&lon=116&kind=team&k=ten", "k"),
        ("lat=24&lon=116&kind=team&max_km=-1", "max_km"),
        ("lat=24&lon=116&kind=team&team_kind=submarine", "team_kind"),
        ("lat=24&lon=116&kind=team&readiness=asleep", "readiness"),
        ("lat=24&lon=116&kind=shelter&free=many", "free"),
        ("lat=24&lon=116&kind=expert&field=astrology", "field"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(api, query, parameter):
    response = api("duty_city").get(f"{URL}?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_several_bad_parameters_are_named_together(api):
    response = api("duty_city").get(f"{URL}?lat=100&lon=200&kind=x&k=0")
    assert set(response.json()) >= {"lat", "lon", "kind", "k"}


def test_it_finds_the_nearest_ready_teams_of_a_kind_with_their_distance(api, make_team):
    make_team("近的防汛队", 24.27, 116.08)
    make_team("远的防汛队", 24.6, 116.5)
    make_team("休整的防汛队", 24.266, 116.082, readiness="resting")
    make_team("近的医疗队", 24.266, 116.082, kind="medical")
    body = api("duty_city").get(f"{URL}?lat=24.266&lon=116.082&kind=team&team_kind=flood_rescue&k=5").json()
    assert [r["name"] for r in body["results"]] == ["近的防汛队", "远的防汛队"]
    first = body["results"][0]
    assert (
        0 < first["km"] < 1 and first["readiness"] == "ready" and first["url"].startswith("/resources/teams/")
    )
    anyone = api("duty_city").get(f"{URL}?lat=24.266&lon=116.082&kind=team&readiness=any&k=2").json()
    assert {r["name"] for r in anyone["results"]} == {"休整的防汛队", "近的医疗队"}


def test_shelters_need_the_free_places_asked_for(api, make_shelter):
    make_shelter("小场所", 24.30, 116.10, capacity=50, occupancy=45)
    make_shelter("大场所", 24.40, 116.20, capacity=500, occupancy=100)
    make_shelter("满员场所", 24.30, 116.10, capacity=50, occupancy=50, status="full")
    body = api("duty_city").get(f"{URL}?lat=24.3&lon=116.1&kind=shelter&free=10").json()
    assert [(r["name"], r["free"]) for r in body["results"]] == [("大场所", 400)]
    body = api("duty_city").get(f"{URL}?lat=24.3&lon=116.1&kind=shelter").json()
    assert [r["name"] for r in body["results"]] == ["小场所", "大场所"]


def test_experts_are_found_by_field_at_their_own_position_or_their_divisions_seat(api, make_expert):
    make_expert("王水利", fields=["flood"], code="441403", phone="13707530001")  # seat of 梅县区
    make_expert("陈地质", fields=["geology"], code="441403", phone="13707530002")
    make_expert("赵水文", fields=["flood"], code="441402", phone="13707530003", lat=24.267, lon=116.083)
    body = api("duty_city").get(f"{URL}?lat=24.266&lon=116.082&kind=expert&field=flood").json()
    assert [r["name"] for r in body["results"]] == ["王水利", "赵水文"]
    assert body["results"][0]["km"] == 0


@pytest.mark.skipif("warehouse" not in SOURCES, reason="the materials app registers warehouses")
def test_the_warehouse_kind_comes_from_the_materials_app(api):
    response = api("duty_city").get(f"{URL}?lat=24.3&lon=116.1&kind=warehouse&item=no-such-item")
    assert response.status_code == 400 and "item" in response.json()


def test_signed_out_callers_get_nothing(client):
    assert client.get(f"{URL}?lat=24&lon=116&kind=team").status_code in (401, 403)


def test_the_team_list_endpoint_runs_a_fixed_number_of_queries(api, make_team, django_assert_num_queries):
    for i in range(8):
        make_team(f"队伍{i}", 24.3 + i / 100, 116.1)
    client = api("duty_city")
    client.get("/api/v1/teams/")
    with django_assert_num_queries(5):
        response = client.get("/api/v1/teams/")
    assert response.status_code == 200 and response.json()["count"] == 8
