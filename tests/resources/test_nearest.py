"""The nearest search is exact: the same answer as measuring every point, wherever the point and whatever
the filter."""

import math
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yingji.core.models import Division, Organisation
from yingji.resources import geo
from yingji.resources.models import Team

pytestmark = pytest.mark.django_db

# The demo city lies within about 23.4–25.0 N, 115.3–116.9 E.
SOUTH, NORTH, WEST, EAST = 23.4, 25.0, 115.3, 116.9
KINDS = ["flood_rescue", "medical", "fire", "mine_rescue"]


def brute_force(points, lat, lon, k, kinds=None, max_km=None):
    scored = sorted(
        (geo.haversine_km(lat, lon, float(a), float(b)), pk)
        for pk, a, b, kind in points
        if (kinds is None or kind in kinds)
        and (max_km is None or geo.haversine_km(lat, lon, float(a), float(b)) <= max_km)
    )
    return scored[:k]


@pytest.fixture
def city_points(db):
    """600 teams scattered over the demo city and a little beyond; mine rescue teams are only 3."""
    r = random.Random(20261129)
    owner = Organisation.objects.get(name="梅州市应急管理局")
    division = Division.objects.get(code="441400")
    teams = []
    for i in range(600):
        kind = "mine_rescue" if i < 3 else r.choice(KINDS[:3])
        lat = Decimal(f"{r.uniform(SOUTH - 0.3, NORTH + 0.3):.6f}")
        lon = Decimal(f"{r.uniform(WEST - 0.3, EAST + 0.3):.6f}")
        teams.append(
            Team(
                name=f"t{i}",
                kind=kind,
                team_class="professional",
                headcount=10,
                owner=owner,
                division=division,
                latitude=lat,
                longitude=lon,
                readiness="ready",
            )
        )
    # Some on cell edges exactly, and two at the same place.
    teams[10].latitude, teams[10].longitude = Decimal("24.300000"), Decimal("116.100000")
    teams[11].latitude, teams[11].longitude = Decimal("24.300000"), Decimal("116.100000")
    teams[12].latitude, teams[12].longitude = Decimal("24.290000"), Decimal("116.110000")
    Team.objects.bulk_create(geo.fill_cells(teams))
    return list(Team.objects.values_list("pk", "latitude", "longitude", "kind"))


coordinates = st.tuples(
    st.one_of(
        st.floats(SOUTH - 1, NORTH + 1),
        st.sampled_from([SOUTH, NORTH, 24.3, 24.29, 24.295]),  # edges of the area and of cells
    ),
    st.one_of(st.floats(WEST - 1, EAST + 1), st.sampled_from([WEST, EAST, 116.1, 116.11, 116.105])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    point=coordinates,
    k=st.integers(1, 30),
    kinds=st.sampled_from([None, ["fire"], ["mine_rescue"], ["medical", "fire"]]),
)
def test_nearest_equals_a_brute_force_scan(city_points, point, k, kinds):
    lat, lon = point
    queryset = Team.objects.all() if kinds is None else Team.objects.filter(kind__in=kinds)
    found = geo.nearest_ids(queryset, lat, lon, k)
    expected = brute_force(city_points, lat, lon, k, kinds)
    assert [pk for _, pk in found] == [pk for _, pk in expected]
    assert [round(d, 9) for d, _ in found] == [round(d, 9) for d, _ in expected]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(point=coordinates, k=st.integers(1, 20), max_km=st.floats(0.5, 80))
def test_a_distance_limit_keeps_only_what_lies_within_it(city_points, point, k, max_km):
    lat, lon = point
    found = geo.nearest_ids(Team.objects.all(), lat, lon, k, max_km=max_km)
    assert found == brute_force(city_points, lat, lon, k, max_km=max_km)


@pytest.fixture
def dense_town(db):
    """1,500 teams within about 2 km of a town centre (more than the first box may carry), 150 more around it,
    and 40 on exactly the same spot."""
    r = random.Random(7)
    owner = Organisation.objects.get(name="梅州市应急管理局")
    division = Division.objects.get(code="441400")
    places = [(r.gauss(24.3, 0.01), r.gauss(116.1, 0.01)) for _ in range(1500)]
    places += [(r.uniform(24.0, 24.6), r.uniform(115.8, 116.4)) for _ in range(150)]
    places += [(24.31, 116.11)] * 40
    teams = [
        Team(
            name=f"d{i}",
            kind=KINDS[i % 3],
            team_class="professional",
            headcount=10,
            owner=owner,
            division=division,
            latitude=Decimal(f"{a:.6f}"),
            longitude=Decimal(f"{b:.6f}"),
        )
        for i, (a, b) in enumerate(places)
    ]
    Team.objects.bulk_create(geo.fill_cells(teams))
    return list(Team.objects.values_list("pk", "latitude", "longitude", "kind"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    point=st.one_of(
        st.tuples(st.floats(24.25, 24.35), st.floats(116.05, 116.15)),
        st.just((24.31, 116.11)),
        st.tuples(st.floats(23.9, 24.7), st.floats(115.7, 116.5)),
    ),
    k=st.integers(1, 60),
    kinds=st.sampled_from([None, ["fire"]]),
)
def test_in_a_dense_town_the_shrunk_search_still_equals_a_brute_force_scan(dense_town, point, k, kinds):
    lat, lon = point
    queryset = Team.objects.all() if kinds is None else Team.objects.filter(kind__in=kinds)
    found = geo.nearest_ids(queryset, lat, lon, k)
    expected = brute_force(dense_town, lat, lon, k, kinds)
    assert [pk for _, pk in found] == [pk for _, pk in expected]


def test_in_a_dense_town_a_search_carries_few_rows_to_python(dense_town, monkeypatch):
    first_box = Team.objects.filter(latitude__range=(24.285, 24.315), longitude__range=(116.084, 116.116))
    assert first_box.count() > 1000
    read = []
    original = geo._winners

    def counting(rows, *args):
        rows = list(rows)
        read.append(len(rows))
        return original(rows, *args)

    monkeypatch.setattr(geo, "_winners", counting)
    with CaptureQueriesContext(connection) as queries:
        found = geo.nearest_ids(Team.objects.all(), 24.3, 116.1, 10)
    assert found == brute_force(dense_town, 24.3, 116.1, 10)
    # Each shrinking read stops after 81 rows; the boxes searched hold a few hundred at most.
    assert len(queries) <= 5 and sum(read) <= 400


def test_a_filter_that_leaves_fewer_than_k_returns_them_all_nearest_first(city_points):
    found = geo.nearest(Team.objects.filter(kind="mine_rescue"), 24.3, 116.1, 10)
    assert len(found) == 3
    assert [km for _, km in found] == sorted(km for _, km in found)
    assert geo.nearest(Team.objects.filter(kind="volunteer"), 24.3, 116.1, 10) == []


def test_far_from_every_point_the_search_still_finds_the_nearest(city_points):
    found = geo.nearest_ids(Team.objects.all(), 39.9, 116.4, 5)  # Beijing
    assert found == brute_force(city_points, 39.9, 116.4, 5)


@pytest.mark.parametrize(
    "origin",
    [(89.99, 0.0), (-89.99, 179.0), (0.0, 179.999), (0.0, -179.999), (24.3, 116.1)],
)
def test_the_search_is_exact_near_the_poles_and_across_the_date_line(db, origin):
    owner = Organisation.objects.get(name="梅州市应急管理局")
    division = Division.objects.get(code="441400")
    r = random.Random(7)
    places = [
        (89.995, 170.0),
        (89.98, -10.0),
        (-89.995, -1.0),
        (0.0, -179.995),
        (0.001, 179.995),
        (0.0, 178.0),
    ]
    places += [(r.uniform(-90, 90), r.uniform(-180, 180)) for _ in range(40)]
    teams = [
        Team(
            name=f"p{i}",
            kind="fire",
            team_class="professional",
            headcount=1,
            owner=owner,
            division=division,
            latitude=Decimal(f"{a:.6f}"),
            longitude=Decimal(f"{b:.6f}"),
        )
        for i, (a, b) in enumerate(places)
    ]
    Team.objects.bulk_create(geo.fill_cells(teams))
    points = list(Team.objects.values_list("pk", "latitude", "longitude", "kind"))
    assert geo.nearest_ids(Team.objects.all(), *origin, 4) == brute_force(points, *origin, 4)


def test_records_without_coordinates_are_left_out(make_team):
    make_team("有坐标", 24.3, 116.1)
    team = make_team("无坐标", 24.3, 116.1)
    Team.objects.filter(pk=team.pk).update(latitude=None, longitude=None, cell=None)
    assert [t.name for t, _ in geo.nearest(Team.objects.all(), 24.3, 116.1, 5)] == ["有坐标"]


def test_save_keeps_the_cell_in_step_with_the_position(make_team):
    team = make_team("移动的队伍", 24.3, 116.1)
    assert team.cell == geo.cell_of(24.3, 116.1)
    team.latitude, team.longitude = Decimal("24.500000"), Decimal("116.500000")
    team.save(update_fields=["latitude", "longitude"])
    team.refresh_from_db()
    assert team.cell == geo.cell_of(24.5, 116.5)
    Team.objects.filter(pk=team.pk).update(latitude=Decimal("24.1"))
    assert geo.refresh_cells(Team.objects.all()) == 1
    assert Team.objects.get(pk=team.pk).cell == geo.cell_of(24.1, 116.5)


def test_the_haversine_distance_is_right_for_a_known_pair():
    # Guangzhou to Meizhou: about 316 km in a straight line.
    assert math.isclose(geo.haversine_km(23.129, 113.264, 24.288, 116.122), 316, rel_tol=0.03)
