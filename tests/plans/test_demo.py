import pytest

from yingji.core.models import User
from yingji.plans import coverage
from yingji.plans.demo.loader import load_plans

pytestmark = pytest.mark.django_db


def test_the_demo_city_has_the_seeds_plans_and_a_second_load_changes_nothing():
    first = load_plans()
    assert first["created"] > 200
    city_office = User.objects.get(username="city_office")
    city, *counties = coverage.counts(city_office)
    kinds = [k.value for k in coverage.COUNTED_KINDS]
    assert city[0].name == "梅州市"
    assert [city[1][kinds.index(k)] for k in ("overall", "special", "department")] == [1, 16, 91]
    matrix = coverage.matrix(city_office)
    assert matrix.totals[matrix.columns[0]][coverage.Cell.MISSING] == 9
    states = {state for column in matrix.columns for state in matrix.totals[column]}
    assert states == set(coverage.Cell.ORDER)
    assert coverage.consistency(city_office)
    assert load_plans() == {"created": 0, "unchanged": first["created"]}
