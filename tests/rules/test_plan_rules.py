import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yingji.rules import plans as rules

D = datetime.date
CALENDAR_CSV = Path(rules.__file__).parent / "data" / "calendar.csv"


def demo_calendar() -> rules.Calendar:
    import csv

    rows = list(csv.DictReader(CALENDAR_CSV.open(encoding="utf-8")))
    return rules.Calendar(
        holidays=frozenset(D.fromisoformat(r["date"]) for r in rows if r["kind"] == "holiday"),
        workdays=frozenset(D.fromisoformat(r["date"]) for r in rows if r["kind"] == "workday"),
    )


CAL = demo_calendar()


def test_the_filing_deadline_skips_the_spring_festival_and_counts_the_worked_saturdays():
    # Issued Friday 2026-02-06: 9–13 Feb are working days 1–5, Saturday 14 Feb is worked (6), 15–23 Feb
    # are holidays, Tuesday 24 Feb is the 7th; Saturday 28 Feb is worked (11); Thursday 12 March the 20th.
    assert CAL.add_working_days(D(2026, 2, 6), 6) == D(2026, 2, 14)
    assert CAL.add_working_days(D(2026, 2, 6), 7) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 6), 11) == D(2026, 2, 28)
    assert rules.filing_due(D(2026, 2, 6), CAL) == D(2026, 3, 12)


def test_the_filing_deadline_skips_national_day_and_counts_its_worked_weekend_days():
    # Issued Friday 2025-09-26: Sunday 28 Sep worked, 29–30 Sep, 1–8 Oct off, Saturday 11 Oct worked.
    assert CAL.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert CAL.add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert CAL.add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert CAL.add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert rules.filing_due(D(2025, 9, 26), CAL) == D(2025, 10, 30)


def test_without_holidays_twenty_working_days_are_four_weeks():
    assert rules.filing_due(D(2026, 6, 1), rules.Calendar()) == D(2026, 6, 29)


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)), st.integers(min_value=1, max_value=60))
def test_the_nth_working_day_is_a_working_day_and_exactly_n_lie_between(start, n):
    end = CAL.add_working_days(start, n)
    assert CAL.is_working_day(end)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(start, end - datetime.timedelta(days=1)) == n - 1


@pytest.mark.parametrize(
    ("kind", "body", "where"),
    [
        ("overall", rules.Body.GOVERNMENT, rules.Where.ABOVE),
        ("special", rules.Body.LEAD_DEPARTMENT, rules.Where.ABOVE),
        ("department", rules.Body.GOVERNMENT, rules.Where.SAME),
        ("town", rules.Body.GOVERNMENT, rules.Where.ABOVE),
        ("community", rules.Body.GOVERNMENT, rules.Where.ABOVE),
        ("joint", rules.Body.GOVERNMENT, rules.Where.ABOVE),
        ("enterprise", rules.Body.EMERGENCY_OFFICE, rules.Where.COUNTY),
        ("school", rules.Body.EDUCATION, rules.Where.COUNTY),
    ],
)
def test_every_plan_kind_has_its_filing_route(kind, body, where):
    route = rules.filing_route(kind)
    assert (route.body, route.where) == (body, where)
    assert route.source


@pytest.mark.parametrize(
    ("kind", "category", "high_risk", "drill"),
    [
        ("special", "natural", False, 36),
        ("special", "safety", False, 24),
        ("department", "health", False, 36),
        ("overall", "safety", False, 24),
        ("town", "safety", False, 24),
        ("enterprise", "safety", True, 6),
        ("enterprise", "safety", False, 12),
        ("school", "social", False, 12),
        ("community", "natural", False, 36),
    ],
)
def test_the_most_specific_review_cycle_decides_the_drill_interval(kind, category, high_risk, drill):
    cycle = rules.cycle_for(rules.default_cycles(), kind, category, high_risk)
    assert cycle.drill_months == drill
    assert cycle.evaluation_months == 36


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    assert rules.add_months(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert rules.add_months(D(2023, 2, 28), 36) == D(2026, 2, 28)
    assert rules.next_due(None, D(2024, 1, 15), 24) == D(2026, 1, 15)
    assert rules.next_due(D(2025, 3, 1), D(2020, 1, 1), 6) == D(2025, 9, 1)
    assert rules.next_due(None, None, 6) is None
