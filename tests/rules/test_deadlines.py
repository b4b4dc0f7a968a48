"""Reporting obligations: the shipped policy, dated obligations, statuses. Pure: no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.rules.deadlines import (
    BEIJING,
    COLUMNS,
    FAMILIES,
    IncidentFacts,
    Obligation,
    PolicyRow,
    Status,
    default_policy,
    due_soon,
    load_policy,
    obligations,
    status,
)

POLICY = load_policy()
FAR = datetime(2029, 1, 1, tzinfo=UTC)  # past every case; follow-ups run to here


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def facts(**changes) -> IncidentFacts:
    """A 较大 work safety accident received by the county 20 minutes after it happened."""
    base = IncidentFacts(
        type_code="12A01",
        family="work_safety",
        level=3,
        occurred_at=beijing(2026, 3, 31, 23, 10),
        received_at=beijing(2026, 3, 31, 23, 30),
    )
    return replace(base, **changes)


def by_key(items: list[Obligation]) -> dict[tuple[str, int], Obligation]:
    return {(o.key, o.sequence): o for o in items}


def keys(items: list[Obligation]) -> set[str]:
    return {o.key for o in items}


def only(items: list[Obligation], key: str) -> Obligation:
    [match] = [o for o in items if o.key == key]
    return match


# A row built in code, for rules the shipped table does not have: any family and level.
CUSTOM_ROW = PolicyRow(
    key="custom",
    kind="first",
    families=frozenset({"*"}),
    type_prefixes=frozenset(),
    min_level=None,
    max_level=None,
    owed_by="county",
    owed_to="city",
    anchor="received",
    due_minutes=0,
    repeat_minutes=None,
    daily_at=(),
    source="test",
    mark="M",
)


# ------------------------------------------------------------------------------------------------------------
# The table


def test_the_shipped_policy_loads_and_every_row_names_its_source_and_mark():
    assert len(POLICY) >= 15
    assert all(row.source and row.mark in {"V", "S", "M"} for row in POLICY)
    assert default_policy() == tuple(POLICY)
    supplement = {row.key: row for row in POLICY if row.kind == "supplement"}
    assert supplement["supplement_7d_road_fire"].type_prefixes == frozenset({"12G", "12H"})
    assert supplement["supplement_30d"].families == frozenset({"work_safety"})


def test_the_policy_families_are_the_grading_families():
    from yingji.rules.grading import FAMILY_NAMES

    assert set(FAMILY_NAMES) == FAMILIES


GOOD_ROW = {
    "key": "x",
    "kind": "first",
    "families": "*",
    "min_level": "",
    "max_level": "",
    "owed_by": "county",
    "owed_to": "city",
    "anchor": "received",
    "due_minutes": "120",
    "repeat": "",
    "daily_at": "",
    "source": "test",
    "mark": "M",
}


def write_policy(tmp_path: Path, *rows: dict[str, str]) -> Path:
    path = tmp_path / "policy.csv"
    lines = [",".join(COLUMNS)] + [",".join(row[column] for column in COLUMNS) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_valid_custom_row_loads_with_its_parts_parsed(tmp_path):
    row = GOOD_ROW | {"kind": "followup", "families": "types:12g|12H", "min_level": "1", "max_level": "2"}
    row |= {"anchor": "first_report_done", "due_minutes": "0", "daily_at": "16:00|08:00"}
    [loaded] = load_policy(write_policy(tmp_path, row))
    assert loaded.type_prefixes == frozenset({"12G", "12H"})
    assert loaded.families == frozenset()
    assert (loaded.min_level, loaded.max_level) == (1, 2)
    assert [t.isoformat() for t in loaded.daily_at] == ["08:00:00", "16:00:00"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("key", "Bad Key", "lower-case"),
        ("kind", "initial", "must be one of"),
        ("families", "work_safty", "unknown family"),
        ("families", "types:12G|", "type code prefix"),
        ("min_level", "5", "1 to 4"),
        ("max_level", "0", "1 to 4"),
        ("owed_by", "town", "must be one of"),
        ("owed_to", "unit", "not above"),
        ("anchor", "reported", "must be one of"),
        ("due_minutes", "-5", "whole number"),
        ("due_minutes", "2h", "whole number"),
        ("repeat", "720", "only followup rows repeat"),
        ("daily_at", "16:00", "only followup rows repeat"),
        ("source", "", "is empty"),
        ("mark", "[V]", "V, S or M"),
    ],
)
def test_a_bad_cell_is_reported_with_its_line_and_column(tmp_path, column, value, message):
    path = write_policy(tmp_path, GOOD_ROW, GOOD_ROW | {"key": "y", column: value})
    with pytest.raises(ValueError, match=rf"line 3, column {column}: .*{message}"):
        load_policy(path)


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        ({"min_level": "3", "max_level": "2"}, "max_level", "below min_level"),
        ({"kind": "followup"}, "repeat", "either repeat or daily_at"),
        ({"kind": "followup", "repeat": "720", "daily_at": "16:00"}, "repeat", "either repeat or daily_at"),
        ({"kind": "followup", "repeat": "0"}, "repeat", "> 0"),
        ({"kind": "followup", "daily_at": "24:00"}, "daily_at", "HH:MM"),
        ({"kind": "followup", "daily_at": "08:00|08:00"}, "daily_at", "repeats"),
        ({"key": "x"}, "key", "repeats line 2"),
    ],
)
def test_inconsistent_cells_are_reported_with_line_and_column(tmp_path, changes, column, message):
    path = write_policy(tmp_path, GOOD_ROW, GOOD_ROW | {"key": "y"} | changes)
    with pytest.raises(ValueError, match=rf"line 3, column {column}: .*{message}"):
        load_policy(path)


def test_wrong_headers_extra_fields_and_an_empty_table_are_refused(tmp_path):
    headers = tmp_path / "headers.csv"
    headers.write_text("key,kind\nx,first\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: columns must be"):
        load_policy(headers)
    extra = write_policy(tmp_path, GOOD_ROW | {"source": "a,b"})
    with pytest.raises(ValueError, match="line 2: expected 13 fields"):
        load_policy(extra)
    with pytest.raises(ValueError, match="no rows"):
        load_policy(write_policy(tmp_path))


# ------------------------------------------------------------------------------------------------------------
# Calendar edges


def test_a_major_accident_at_23_10_on_march_31_is_due_at_the_province_at_01_10_on_april_1():
    due = only(obligations(facts(), POLICY, FAR), "city_province").due_at
    assert due.astimezone(BEIJING) == beijing(2026, 4, 1, 1, 10)
    assert due == datetime(2026, 3, 31, 17, 10, tzinfo=UTC)
    assert due.tzinfo == UTC


def test_the_province_deadline_crosses_the_year_end():
    incident = facts(occurred_at=beijing(2026, 12, 31, 22, 45), received_at=beijing(2026, 12, 31, 23, 0))
    result = obligations(incident, POLICY, FAR)
    assert only(result, "city_province").due_at.astimezone(BEIJING) == beijing(2027, 1, 1, 0, 45)
    assert only(result, "ws_county_city").due_at.astimezone(BEIJING) == beijing(2027, 1, 1, 1, 0)
    assert only(result, "supplement_30d").due_at.astimezone(BEIJING) == beijing(2027, 1, 30, 22, 45)


def test_a_leap_day_accident_is_due_on_march_1_and_its_supplement_window_ends_on_march_30():
    incident = facts(occurred_at=beijing(2028, 2, 29, 23, 0), received_at=beijing(2028, 2, 29, 23, 5))
    result = obligations(incident, POLICY, FAR)
    assert only(result, "city_province").due_at.astimezone(BEIJING) == beijing(2028, 3, 1, 1, 0)
    assert only(result, "supplement_30d").due_at.astimezone(BEIJING) == beijing(2028, 3, 30, 23, 0)


def test_times_given_in_another_zone_give_the_same_due_times():
    utc_facts = facts(
        occurred_at=beijing(2026, 3, 31, 23, 10).astimezone(UTC),
        received_at=beijing(2026, 3, 31, 23, 30).astimezone(ZoneInfo("America/New_York")),
    )
    assert obligations(utc_facts, POLICY, FAR) == obligations(facts(), POLICY, FAR)


# ------------------------------------------------------------------------------------------------------------
# Who owes what, by level


def test_an_ordinary_incident_owes_no_report_to_the_province():
    result = obligations(facts(level=4), POLICY, FAR)
    assert [o for o in result if o.owed_to == "province"] == []
    assert only(result, "ws_county_city").due_at == beijing(2026, 4, 1, 1, 30)


def test_an_ungraded_incident_is_treated_as_ordinary():
    assert obligations(facts(level=None), POLICY, FAR) == obligations(facts(level=4), POLICY, FAR)


def test_a_serious_incident_owes_the_county_direct_report_to_the_province_at_the_same_time():
    result = obligations(facts(level=2), POLICY, FAR)
    direct = only(result, "county_province_direct")
    assert (direct.kind, direct.owed_by, direct.owed_to) == ("direct", "county", "province")
    assert direct.due_at == beijing(2026, 4, 1, 1, 10) == only(result, "city_province").due_at
    assert "county_province_direct" in keys(obligations(facts(level=1), POLICY, FAR))
    assert "county_province_direct" not in keys(obligations(facts(level=3), POLICY, FAR))


def test_raising_the_level_from_4_to_3_adds_the_province_reports_and_keeps_the_other_keys():
    horizon = beijing(2026, 4, 3)
    before = by_key(obligations(facts(level=4), POLICY, horizon))
    after = by_key(obligations(facts(level=3), POLICY, horizon))
    assert before.keys() < after.keys()
    assert {key for key, _ in after.keys() - before.keys()} == {
        "city_province",
        "followup_city_province_daily",
    }
    assert all(after[k] == before[k] for k in before)


def test_the_family_rule_replaces_the_generic_county_rule_for_the_same_report():
    work_safety = keys(obligations(facts(level=4), POLICY, FAR))
    assert "ws_county_city" in work_safety and "county_city" not in work_safety
    environment = keys(obligations(facts(level=4, family="environment", type_code="12Q01"), POLICY, FAR))
    assert "county_city" in environment and "ws_county_city" not in environment
    unknown = keys(obligations(facts(level=4, family=None, type_code=""), POLICY, FAR))
    assert "county_city" in unknown


def test_the_unit_owes_the_county_an_hour_only_when_the_unit_received_it_first():
    assert "ws_unit_county" not in keys(obligations(facts(), POLICY, FAR))
    result = obligations(facts(reporting_level="unit"), POLICY, FAR)
    assert only(result, "ws_unit_county").due_at == beijing(2026, 4, 1, 0, 10)
    # The county is taken to have it when the unit's report was due, and gets its own two hours.
    assert only(result, "ws_county_city").due_at == beijing(2026, 4, 1, 2, 10)


def test_when_the_city_received_it_first_no_report_is_owed_to_the_city():
    result = obligations(facts(reporting_level="city"), POLICY, FAR)
    assert not [o for o in result if o.owed_to == "city" and o.kind == "first"]
    assert "city_province" in keys(result)


def test_public_health_gives_each_level_two_hours_after_it_received_the_report():
    incident = facts(
        type_code="13A01",
        family="public_health",
        level=4,
        reporting_level="unit",
        received_at=beijing(2026, 3, 31, 23, 10),
    )
    result = obligations(incident, POLICY, FAR)
    assert only(result, "ph_unit_county").due_at == beijing(2026, 4, 1, 1, 10)
    assert only(result, "ph_county_city").due_at == beijing(2026, 4, 1, 3, 10)
    assert only(result, "ph_city_province").due_at == beijing(2026, 4, 1, 5, 10)
    # For 较大 the seed's two hours from occurrence take over from the per-level rule.
    graver = keys(obligations(replace(incident, level=3), POLICY, FAR))
    assert "city_province" in graver and "ph_city_province" not in graver


def test_a_province_row_added_by_a_province_deployment_is_dated_from_the_reports_owed_to_the_province():
    state_council = replace(
        CUSTOM_ROW, key="to_state_council", owed_by="province", owed_to="state_council", due_minutes=30
    )
    result = obligations(facts(level=2), [*POLICY, state_council], FAR)
    assert only(result, "to_state_council").due_at == beijing(2026, 4, 1, 1, 40)


# ------------------------------------------------------------------------------------------------------------
# Delay reasons


def test_a_delay_reason_is_owed_when_the_county_received_it_after_the_province_deadline():
    late = facts(received_at=beijing(2026, 4, 1, 2, 0))
    reason = only(obligations(late, POLICY, FAR), "delay_reason_county")
    assert (reason.owed_by, reason.owed_to) == ("county", "province")
    assert reason.due_at == beijing(2026, 4, 1, 3, 0)
    assert "delay_reason_city" not in keys(obligations(late, POLICY, FAR))


def test_a_delay_reason_is_owed_when_received_exactly_at_the_deadline_and_not_a_second_before():
    deadline = beijing(2026, 4, 1, 1, 10)
    assert "delay_reason_county" in keys(obligations(facts(received_at=deadline), POLICY, FAR))
    early = facts(received_at=deadline - timedelta(seconds=1))
    assert not [o for o in obligations(early, POLICY, FAR) if o.kind == "delay_reason"]


def test_the_city_owes_the_delay_reason_when_it_received_the_event_first():
    late = facts(reporting_level="city", received_at=beijing(2026, 4, 1, 4, 0))
    assert only(obligations(late, POLICY, FAR), "delay_reason_city").due_at == beijing(2026, 4, 1, 5, 0)


def test_an_ordinary_incident_owes_no_delay_reason_however_late():
    late = facts(level=4, received_at=beijing(2026, 4, 3, 0, 0))
    assert not [o for o in obligations(late, POLICY, FAR) if o.kind == "delay_reason"]


# ------------------------------------------------------------------------------------------------------------
# Follow-ups, final reports, supplement windows


def followups(items: list[Obligation], key: str) -> list[datetime]:
    found = [o for o in items if o.key == key]
    assert [o.sequence for o in found] == list(range(1, len(found) + 1))
    return [o.due_at.astimezone(BEIJING) for o in found]


def test_a_16_00_followup_after_a_first_report_at_17_30_falls_on_the_next_day():
    incident = facts(
        level=4,
        occurred_at=beijing(2026, 1, 31, 16, 0),
        received_at=beijing(2026, 1, 31, 16, 30),
        first_report_done_at=beijing(2026, 1, 31, 17, 30),
    )
    first = followups(obligations(incident, POLICY, beijing(2026, 2, 2)), "followup_county_city_daily")[0]
    assert first == beijing(2026, 2, 1, 16, 0)
    assert first.astimezone(UTC) == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def test_levels_3_and_4_follow_up_daily_and_levels_1_and_2_twice_daily():
    horizon = beijing(2026, 4, 4)
    daily = followups(obligations(facts(level=3), POLICY, horizon), "followup_county_city_daily")
    assert daily == [beijing(2026, 4, d, 16) for d in (1, 2, 3)]
    assert followups(obligations(facts(level=3), POLICY, horizon), "followup_city_province_daily") == daily
    twice = followups(obligations(facts(level=2), POLICY, horizon), "followup_county_city_twice")
    assert twice == [beijing(2026, 4, d, h) for d in (1, 2, 3) for h in (8, 16)]
    assert not [o for o in obligations(facts(level=2), POLICY, horizon) if o.key.endswith("_daily")]


def test_followups_start_two_hours_after_the_first_report():
    done = facts(level=3, first_report_done_at=beijing(2026, 4, 1, 14, 30))
    assert followups(obligations(done, POLICY, beijing(2026, 4, 2)), "followup_county_city_daily") == []
    done = replace(done, first_report_done_at=beijing(2026, 4, 1, 14, 0))
    assert followups(obligations(done, POLICY, beijing(2026, 4, 2)), "followup_county_city_daily") == [
        beijing(2026, 4, 1, 16)
    ]


def test_followups_stop_at_closure_and_at_the_horizon():
    closed = facts(closed_at=beijing(2026, 4, 3, 16, 0))
    assert followups(obligations(closed, POLICY, FAR), "followup_county_city_daily") == [
        beijing(2026, 4, 1, 16),
        beijing(2026, 4, 2, 16),
    ]
    at_horizon = obligations(facts(), POLICY, beijing(2026, 4, 2, 16, 0))
    assert followups(at_horizon, "followup_county_city_daily")[-1] == beijing(2026, 4, 2, 16)


def test_a_repeat_row_gives_followups_every_720_minutes_from_its_start():
    every_12h = replace(
        CUSTOM_ROW, key="every_12h", kind="followup", anchor="first_report_done", repeat_minutes=720
    )
    incident = facts(first_report_done_at=beijing(2026, 4, 1, 0, 5))
    result = obligations(incident, [every_12h], beijing(2026, 4, 2, 12, 5))
    assert followups(result, "every_12h") == [
        beijing(2026, 4, 1, 12, 5),
        beijing(2026, 4, 2, 0, 5),
        beijing(2026, 4, 2, 12, 5),
    ]


def test_a_runaway_horizon_is_refused_rather_than_truncated():
    every_minute = replace(CUSTOM_ROW, key="every_minute", kind="followup", repeat_minutes=1)
    with pytest.raises(ValueError, match="more than 10000 follow-ups"):
        obligations(facts(), [every_minute], FAR)


def test_the_final_report_is_owed_seven_days_after_closure_and_not_before_closure():
    assert not [o for o in obligations(facts(), POLICY, FAR) if o.kind == "final"]
    result = obligations(facts(closed_at=beijing(2026, 4, 5, 9, 0)), POLICY, FAR)
    finals = {o.key: o.due_at for o in result if o.kind == "final"}
    assert finals == {
        "final_county_city": beijing(2026, 4, 12, 9),
        "final_city_province": beijing(2026, 4, 12, 9),
    }
    assert "final_city_province" not in keys(
        obligations(facts(level=4, closed_at=beijing(2026, 4, 5)), POLICY, FAR)
    )


@pytest.mark.parametrize(
    ("type_code", "key", "days"),
    [
        ("12A01", "supplement_30d", 30),
        ("12H00", "supplement_7d_road_fire", 7),
        ("12G03", "supplement_7d_road_fire", 7),
    ],
)
def test_the_supplement_window_is_30_days_but_7_for_road_traffic_and_fire(type_code, key, days):
    result = obligations(facts(type_code=type_code), POLICY, FAR)
    [window] = [o for o in result if o.kind == "supplement"]
    assert window.key == key
    assert window.due_at == beijing(2026, 3, 31, 23, 10) + timedelta(days=days)


def test_only_work_safety_has_a_supplement_window():
    quake = facts(type_code="11C01", family="earthquake")
    assert not [o for o in obligations(quake, POLICY, FAR) if o.kind == "supplement"]


# ------------------------------------------------------------------------------------------------------------
# Facts are checked


def test_naive_or_out_of_order_times_and_unknown_levels_are_refused():
    with pytest.raises(ValueError, match="occurred_at must be an aware"):
        facts(occurred_at=datetime(2026, 3, 31, 23, 10))
    with pytest.raises(ValueError, match="received_at .* is before occurred_at"):
        facts(received_at=beijing(2026, 3, 31, 23, 0))
    with pytest.raises(ValueError, match="reporting_level"):
        facts(reporting_level="town")
    with pytest.raises(ValueError, match="level must be"):
        facts(level=5)
    with pytest.raises(ValueError, match="horizon must be an aware"):
        obligations(facts(), POLICY, datetime(2026, 4, 1))


# ------------------------------------------------------------------------------------------------------------
# Statuses

DUE = beijing(2026, 4, 1, 1, 10)
SECOND = timedelta(seconds=1)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("done_at", "now", "closed_at", "expected"),
    [
        (DUE, DUE + DAY, None, Status.ON_TIME),
        (DUE - SECOND, DUE, None, Status.ON_TIME),
        (DUE + SECOND, DUE + SECOND, None, Status.LATE),
        (DUE + 3 * DAY, DUE + 3 * DAY, DUE + DAY, Status.LATE),
        (None, DUE - SECOND, None, Status.PENDING),
        (None, DUE, None, Status.PENDING),
        (None, DUE + SECOND, None, Status.OVERDUE),
        (None, DUE + DAY, None, Status.OVERDUE),
        (None, DUE + DAY + SECOND, None, Status.MISSED),
        (None, DUE + SECOND, DUE + SECOND, Status.MISSED),
        (None, DUE + SECOND, DUE + 2 * SECOND, Status.OVERDUE),
        (None, DUE, DUE - DAY, Status.PENDING),
    ],
)
def test_status_at_each_boundary(done_at, now, closed_at, expected):
    assert status(DUE, done_at, now, closed_at) == expected


def test_a_shorter_grace_turns_overdue_into_missed_sooner_and_a_negative_one_is_refused():
    assert status(DUE, None, DUE + timedelta(hours=2), grace=timedelta(hours=1)) == Status.MISSED
    assert status(DUE, None, DUE + timedelta(hours=1), grace=timedelta(hours=1)) == Status.OVERDUE
    with pytest.raises(ValueError, match="grace"):
        status(DUE, None, DUE, grace=-SECOND)


def test_the_grace_period_is_counted_in_real_hours_across_a_summer_time_change():
    new_york = ZoneInfo("America/New_York")
    due = datetime(2026, 3, 7, 12, 0, tzinfo=new_york)  # clocks go forward on 8 March: a 23-hour day
    # 23.5 real hours later is 24.5 wall-clock hours later: still within the 24-hour grace.
    assert status(due, None, due.astimezone(UTC) + timedelta(hours=23, minutes=30)) == Status.OVERDUE
    assert status(due, None, due.astimezone(UTC) + DAY + SECOND) == Status.MISSED


def test_due_soon_covers_now_up_to_the_window_end():
    assert due_soon(DUE, DUE)
    assert due_soon(DUE, DUE - timedelta(hours=1))
    assert not due_soon(DUE, DUE - timedelta(hours=1) - SECOND)
    assert not due_soon(DUE, DUE + SECOND)
    assert due_soon(DUE, DUE - timedelta(hours=3), window=timedelta(hours=3))


# ------------------------------------------------------------------------------------------------------------
# Properties

ZONES = [UTC, BEIJING, ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
minutes = st.integers(min_value=0, max_value=60 * 24 * 10)


@st.composite
def incidents(draw) -> tuple[IncidentFacts, datetime]:
    zone = draw(st.sampled_from(ZONES))
    occurred = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2099, 1, 1),
            timezones=st.just(zone),
            allow_imaginary=False,
        )
    )

    def later(moment: datetime, by: int) -> datetime:
        # Elapsed time, not wall-clock time: local arithmetic across a DST change can go backwards.
        return (moment.astimezone(UTC) + timedelta(minutes=by)).astimezone(zone)

    received = later(occurred, draw(minutes))
    done = draw(st.none() | minutes.map(lambda m: later(received, m)))
    closed = draw(st.none() | minutes.map(lambda m: later(received, m)))
    family, code = draw(
        st.sampled_from(
            [
                ("work_safety", "12A01"),
                ("work_safety", "12G01"),
                ("work_safety", "12H00"),
                ("public_health", "13A00"),
                ("natural_relief", "11A01"),
                ("environment", "12Q00"),
                ("social_safety", "14A00"),
                (None, ""),
            ]
        )
    )
    incident = IncidentFacts(
        type_code=code,
        family=family,
        level=draw(st.none() | st.integers(min_value=1, max_value=4)),
        occurred_at=occurred,
        received_at=received,
        reporting_level=draw(st.sampled_from(["unit", "county", "city"])),
        first_report_done_at=done,
        closed_at=closed,
    )
    return incident, occurred + timedelta(minutes=draw(minutes))


@settings(max_examples=300, deadline=None)
@given(incidents(), st.randoms(use_true_random=False))
def test_every_due_time_is_at_or_after_its_anchor_sorted_utc_and_the_same_on_recomputation(case, rng):
    incident, horizon = case
    result = obligations(incident, POLICY, horizon)
    rows = {row.key: row for row in POLICY}
    floors = {
        "occurred": incident.occurred_at,
        "received": incident.received_at,
        "first_report_done": incident.first_report_done_at or incident.occurred_at,
        "closed": incident.closed_at,
    }
    for item in result:
        row = rows[item.key]
        floor = floors[row.anchor]
        assert floor is not None
        assert item.due_at >= floor.astimezone(UTC) + timedelta(minutes=row.due_minutes)
        assert item.due_at.tzinfo == UTC
        if item.kind == "followup":
            assert item.due_at <= horizon
            assert incident.closed_at is None or item.due_at < incident.closed_at
    assert [o.due_at for o in result] == sorted(o.due_at for o in result)
    assert len({(o.key, o.sequence) for o in result}) == len(result)
    # Deterministic, and independent of the order of the table's rows.
    shuffled = list(POLICY)
    rng.shuffle(shuffled)
    assert obligations(incident, shuffled, horizon) == result
