"""The demo year (2025): the CSV holds the seed speech's figures, is what generate.py makes, and loads once."""

import csv
import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F

from yingji.core.demo.loader import DemoDataError
from yingji.core.demo.loader import read_csv as read_core_csv
from yingji.incidents.demo import generate, loader
from yingji.incidents.demo.loader import load_incidents
from yingji.incidents.models import Incident, Obligation

ROWS = loader.read_rows()
INDUSTRIAL = ("12A", "12B", "12C", "12D", "12F")  # 工矿: mines, construction, hazardous chemicals, other


def rows(*prefixes):
    return [row for row in ROWS if row["event_type"].startswith(prefixes)]


def total(rows, column):
    return sum(Decimal(row[column] or 0) for row in rows)


def when(text):
    return datetime.datetime.fromisoformat(text)


def test_the_year_has_the_seed_speech_figures():
    road = rows("12H")
    assert (len(road), total(road, "deaths")) == (434, 255)
    industrial = rows(*INDUSTRIAL)
    assert (len(industrial), total(industrial, "deaths")) == (14, 19)
    fires = rows("12G")
    assert (len(fires), total(fires, "deaths"), total(fires, "injuries")) == (39, 5, 2)
    assert total(fires, "direct_loss_yuan") == 970_000
    poisonings = rows("13B03")
    assert (len(poisonings), total(poisonings, "serious_injuries"), total(poisonings, "deaths")) == (7, 53, 4)


def test_the_typhoon_season_has_the_seed_speech_figures():
    season = rows("11A01", "11B01", "11B03")
    assert {when(row["occurred_at"]).month for row in season} <= {6, 7, 8, 9}
    assert (total(season, "deaths"), total(season, "injuries")) == (30, 23)
    assert total(season, "direct_loss_yuan") > 2_000_000_000  # "20多亿元"
    assert len({row["title"][:5] for row in rows("11B01")}) == 3  # three typhoons


def test_every_row_refers_to_known_codes_and_keeps_time_in_order():
    with open(generate.HERE.parent / "data" / "event_types.csv", encoding="utf-8") as f:
        types = {row["code"] for row in csv.DictReader(f)}
    divisions = {row["code"] for row in read_core_csv("divisions.csv")}
    units = {row["key"] for row in read_core_csv("organisations.csv")}
    assert len({row["uuid"] for row in ROWS}) == len(ROWS)
    for row in ROWS:
        assert row["event_type"] in types and row["division"] in divisions and row["reporting_unit"] in units
        occurred, received = when(row["occurred_at"]), when(row["received_at"])
        assert occurred.year == 2025 and occurred.utcoffset() == datetime.timedelta(hours=8)
        assert occurred <= received <= when(row["closed_at"]), row["title"]
    late = [row for row in ROWS if row["late_reason"]]
    assert 0.03 <= len(late) / len(ROWS) <= 0.07


def test_generate_reproduces_the_committed_csv():
    assert generate.render() == loader.DATA.read_text(encoding="utf-8")


def expected_level(row):
    """The level by the published bands, worked out here from the row (not by the grading code)."""
    deaths, serious = int(row["deaths"] or 0), int(row["serious_injuries"] or 0)
    loss, relocated = Decimal(row["direct_loss_yuan"] or 0), int(row["relocated"] or 0)
    code = row["event_type"]
    if code.startswith(
        "12"
    ):  # 493号令 art. 3 (fire and road traffic too): 3 dead, 10 seriously injured, 1000万元
        return 3 if deaths >= 3 or serious >= 10 or loss >= 10_000_000 else 4
    if code.startswith("11D"):  # 地质灾害防治条例 art. 4 and the plan's 险情 bands
        return 3 if deaths >= 3 or loss >= 1_000_000 or relocated >= 100 else 4
    return None  # relief response needs 20 dead or missing in one event; health and social: graded by hand


def test_loading_the_year_twice_grades_by_the_rules_and_creates_nothing_new(db):
    first = load_incidents()
    # All created here, unless the session's demo city already holds the year: then all are found.
    assert sum(first["Incident"].values()) == len(ROWS)
    year = Incident.objects.filter(uuid__in=[row["uuid"] for row in ROWS])
    assert year.count() == len(ROWS)

    levels = {str(uuid): level for uuid, level in year.values_list("uuid", "level")}
    for row in ROWS:
        assert levels[row["uuid"]] == expected_level(row), row["title"]
    road = [row for row in rows("12H") if int(row["deaths"]) >= 3]
    assert len(road) == 8 and all(levels[row["uuid"]] == 3 for row in road)  # 较大
    assert year.filter(status="closed").count() == sum(1 for row in ROWS if row["status"] == "closed")

    live = Obligation.objects.filter(incident__in=year, withdrawn_at__isnull=True)
    assert not live.filter(done_at__isnull=True).exists()  # no open or missed report in the year's record
    late = live.filter(done_at__gt=F("due_at"))
    assert set(late.values_list("kind", flat=True)) == {"first"}
    late_rows = {row["uuid"] for row in ROWS if row["late_reason"]}
    assert {str(uuid) for uuid in late.values_list("incident__uuid", flat=True)} == late_rows

    counts = (Incident.objects.count(), Obligation.objects.count())
    again = load_incidents()
    assert again == {"Incident": {"created": 0, "unchanged": len(ROWS)}, "Report": {"on_time": 0, "late": 0}}
    assert (Incident.objects.count(), Obligation.objects.count()) == counts


def test_a_bad_row_names_its_line_and_writes_nothing(db, monkeypatch):
    good, bad = (
        dict(ROWS[0], uuid=str(uuid.uuid4())),
        dict(ROWS[1], uuid=str(uuid.uuid4()), event_type="12X99"),
    )
    monkeypatch.setattr(loader, "read_rows", lambda: [good, bad])
    with pytest.raises(DemoDataError, match="line 3: unknown event type '12X99'"):
        load_incidents()
    assert not Incident.objects.filter(uuid__in=[good["uuid"], bad["uuid"]]).exists()


def test_the_command_prints_what_it_did(db, monkeypatch):
    sample = [dict(row, uuid=str(uuid.uuid4())) for row in ROWS[:3]]
    monkeypatch.setattr(loader, "read_rows", lambda: sample)
    out = io.StringIO()
    call_command("demo_incidents", stdout=out)
    assert "3 created" in out.getvalue() and "on time" in out.getvalue()
