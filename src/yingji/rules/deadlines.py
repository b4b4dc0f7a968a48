"""Reporting obligations (报告时限): who owes which report to whom, and by when.

The rules are data (``data/reporting_policy.csv``), one row per obligation, each naming its source and
mark ([V] checked against the legal text, [S] secondary sources, [M] unverified or chosen here), so a city
can correct a value without touching this module. This module reads the table, turns an incident's facts
into dated obligations, and dates into statuses (按时 / 迟报 / 漏报). It imports no Django.

Default table (DOMAIN.md section 4 and the seed speech 三(三)一):

===============================  ===========================  =====================================  ====
rows                             who → whom                   due                                    mark
===============================  ===========================  =====================================  ====
ws_unit_county                   unit → county, work safety   60 min after occurrence                V
ph_unit_county                   unit → county, public health 120 min after the unit received it     V
ws/ph/nd_county_city             county → city                120 min after the county received it   V/V/S
county_city (``*``)              county → city, other kinds   120 min after received                 M
ph_city_province (一般 only)     city → province              120 min after the city received it     V
city_province (较大+)            city → province              120 min after OCCURRENCE (seed)        S
county_province_direct (重大+)   county → province            120 min after occurrence (seed)        S
delay_reason_county/_city        → province (较大+)           60 min after received, if late (seed)  S
followup_*_daily (3–4, city: 3)  county → city, city → prov.  daily 16:00, from first report + 2 h   M
followup_*_twice (1–2)           county → city, city → prov.  08:00 and 16:00, same start            M
final_county_city / _province    county → city, city → prov.  7 days after closure                   M
supplement_30d / _7d_road_fire   county → city                window ends occurred + 30 d / + 7 d    V
===============================  ===========================  =====================================  ====

Choices, and why:

- Marks. The seed's rules are S: the speech restates a provincial document (粤府办〔20*〕71号) not at hand.
- Matching. ``families`` is ``*``, family names, or ``types:`` code prefixes. When rows of the same kind,
  owed_by and owed_to all apply, the most specific wins: ``types:`` over family over ``*``. So fire (12G) and
  road traffic (12H) get the 7-day 补报 window instead of work safety's 30 days, and the ``*`` county → city row
  covers only families without a rule of their own. A family of None matches only ``*`` and ``types:`` rows.
- Level. No level yet counts as 4 (一般) for every kind, so the first-report clock starts at once and an
  ungraded incident is owed the same daily follow-ups as an 一般 one. Rows whose bounds exclude the level are
  skipped; the bounds are numbers, so ``max_level 3`` means 较大 and above.
- Who already has it. A first or direct report owed to the body that received the incident first, or to one
  below it, is not generated: that body has the news. (The default ``reporting_level`` is county, so the
  unit's 1 h report to the county appears only for incidents the platform heard of from the unit.)
- When a body received it. ``received_at`` is a fact only for the first receiver. A body further up is taken
  to receive it when the first reports owed to it fall due (the earliest, never before ``received_at``), so
  each level gets its own 2 h, as 493号令 art. 11 and the public health rules say. This is lenient when a lower
  body reports early; the caller recomputes when it knows more.
- The seed versus 493号令. For 较大 and above, "province within 2 h of occurrence" is never later than "2 h
  after the city received it", so the default table has only the seed's city → province row (and the public
  health per-level row only for 一般). The rules can clash: a county using its full 2 h leaves the city no
  time; the seed's answer is the delay reason.
- Delay reason. Only the first receiver owes it (``owed_by == reporting_level``), and only when
  ``received_at`` is at or after the earliest first/direct report owed to ``owed_to``: the province deadline
  had passed on receipt. A derived reception time is not a fact, so it never triggers one.
- Follow-ups (续报) start at the first report (``first_report_done_at``; while not made, the due time of the
  first report with the same owed_by and owed_to, else the owing body's reception) plus ``due_minutes`` (2 h
  [M], so a report at 15:50 is not followed by another at 16:00). With ``daily_at`` they fall at each listed
  Beijing time at or after that start; with ``repeat`` at start + n × repeat. Only those due before closure
  and at or before ``horizon`` are generated, numbered 1, 2, 3, ... per row.
- Final report (终报) 7 days after closure [M]; generated only once ``closed_at`` is known.
- 补报 windows: the due time is the window's end, occurred + 30 × 24 h (7 × 24 h for 12G/12H). Counted as
  the Civil Code counts days (arts. 201, 203) the window ends at 24:00 of the 30th day after the day of
  occurrence, up to a day later: the engine takes the stricter reading [M].
- Not encoded: natural disasters with ≥10 dead or missing also go to the province [S] (the facts carry no
  casualty figures; a 较大+ grade already sends the event there). State Council practice (重大+ by phone in
  30 min, in writing in 60 min [S]) and public health province → State Council in 1 h [V] bind the province,
  not the city: a province deployment adds rows owed_by ``province``, owed_to ``state_council``.
  突发环境事件信息报告办法 (4 h / 2 h by level, department to department) is not at hand [M]: environmental
  incidents use the ``*`` row.
- Status. Done at or before due is on time (the boundary is on time); done later is 迟报. Not done: pending
  up to and at due, then overdue, then missed (漏报) once the incident is closed or ``grace`` (24 h) is past.

All datetimes are aware; results are in UTC; ``daily_at`` times are Beijing time (Asia/Shanghai).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
DATA_DIR = Path(__file__).with_name("data")
DEFAULT_POLICY = DATA_DIR / "reporting_policy.csv"

COLUMNS = (
    "key",
    "kind",
    "families",
    "min_level",
    "max_level",
    "owed_by",
    "owed_to",
    "anchor",
    "due_minutes",
    "repeat",
    "daily_at",
    "source",
    "mark",
)
KINDS = frozenset({"first", "followup", "final", "supplement", "delay_reason", "direct"})
# Kinds that carry the news up the chain: they decide when a body above is taken to have received it.
REPORT_KINDS = frozenset({"first", "direct"})
FAMILIES = frozenset(
    {
        "work_safety",
        "environment",
        "geological",
        "natural_relief",
        "earthquake",
        "public_health",
        "social_safety",
        "other",
    }
)
# The reporting chain, bottom to top; reports only go up it.
BODIES = ("unit", "county", "city", "province", "state_council")
RECEIVERS = frozenset({"unit", "county", "city"})
ANCHORS = frozenset({"occurred", "received", "first_report_done", "closed"})
MARKS = frozenset({"V", "S", "M"})
ANY_FAMILY = "*"
TYPES_PREFIX = "types:"
# A runaway horizon (years of hourly follow-ups) is a caller mistake; say so rather than truncate silently.
MAX_FOLLOWUPS = 10_000

_RANK = {body: rank for rank, body in enumerate(BODIES)}
_LEVEL = re.compile(r"[1-4]")
_MINUTES = re.compile(r"[0-9]+")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_KEY = re.compile(r"[a-z0-9_]+")
_TYPE_CODE = re.compile(r"[0-9A-Z]{1,5}")


@dataclass(frozen=True)
class PolicyRow:
    """One obligation rule. ``families`` is ``{"*"}`` for any family, empty when ``type_prefixes`` is used."""

    key: str
    kind: str
    families: frozenset[str]
    type_prefixes: frozenset[str]
    min_level: int | None
    max_level: int | None
    owed_by: str
    owed_to: str
    anchor: str
    due_minutes: int
    repeat_minutes: int | None
    daily_at: tuple[time, ...]
    source: str
    mark: str


@dataclass(frozen=True)
class IncidentFacts:
    """What the engine needs to know about an incident; all datetimes aware, in any zone."""

    type_code: str
    family: str | None
    level: int | None
    occurred_at: datetime
    received_at: datetime
    reporting_level: str = "county"
    first_report_done_at: datetime | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("occurred_at", "received_at", "first_report_done_at", "closed_at"):
            value = getattr(self, name)
            if value is not None:
                _require_aware(value, name)
        # Bad order would give deadlines before the incident: reject it here, not in every caller.
        for name in ("received_at", "first_report_done_at", "closed_at"):
            value = getattr(self, name)
            if value is not None and value < self.occurred_at:
                raise ValueError(
                    f"{name} ({value.isoformat()}) is before occurred_at ({self.occurred_at.isoformat()})"
                )
        if self.reporting_level not in RECEIVERS:
            raise ValueError(f"reporting_level must be unit, county or city, not {self.reporting_level!r}")
        if self.level is not None and (isinstance(self.level, bool) or self.level not in (1, 2, 3, 4)):
            raise ValueError(f"level must be 1, 2, 3, 4 or None, not {self.level!r}")


@dataclass(frozen=True)
class Obligation:
    """A dated report owed; ``key`` + ``sequence`` identify it across recomputations (follow-ups 1, 2...)."""

    key: str
    kind: str
    sequence: int
    owed_by: str
    owed_to: str
    due_at: datetime
    source: str


class Status(StrEnum):
    PENDING = "pending"
    OVERDUE = "overdue"
    ON_TIME = "on_time"
    LATE = "late"  # 迟报
    MISSED = "missed"  # 漏报


# ------------------------------------------------------------------------------------------------------------
# Loading the table


def _error(path: Path, line: int, column: str, message: str) -> ValueError:
    return ValueError(f"{path}, line {line}, column {column}: {message}")


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers (utf-8-sig: Excel adds a BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}, line 1: columns must be {','.join(COLUMNS)}")
        rows = []
        for record in reader:
            # A stray comma in a text field shifts the columns: DictReader puts extras under None.
            if None in record or any(value is None for value in record.values()):
                raise ValueError(f"{path}, line {reader.line_num}: expected {len(COLUMNS)} fields")
            rows.append((reader.line_num, {key: value.strip() for key, value in record.items()}))
        return rows


def _parse_row(path: Path, line: int, row: dict[str, str]) -> PolicyRow:
    def fail(column: str, message: str) -> ValueError:
        return _error(path, line, column, message)

    key = row["key"]
    if not _KEY.fullmatch(key):
        raise fail("key", f"must be lower-case letters, digits and _, not {key!r}")
    kind = row["kind"]
    if kind not in KINDS:
        raise fail("kind", f"must be one of {', '.join(sorted(KINDS))}, not {kind!r}")

    families: frozenset[str] = frozenset()
    type_prefixes: frozenset[str] = frozenset()
    text = row["families"]
    if text == ANY_FAMILY:
        families = frozenset({ANY_FAMILY})
    elif text.startswith(TYPES_PREFIX):
        prefixes = [part.strip().upper() for part in text.removeprefix(TYPES_PREFIX).split("|")]
        for prefix in prefixes:
            if not _TYPE_CODE.fullmatch(prefix):
                raise fail("families", f"type code prefix {prefix!r} must be 1 to 5 letters or digits")
        type_prefixes = frozenset(prefixes)
    else:
        names = [part.strip() for part in text.split("|")]
        for name in names:
            if name not in FAMILIES:
                raise fail(
                    "families",
                    f"unknown family {name!r}; use *, types:CODE|CODE or {', '.join(sorted(FAMILIES))}",
                )
        families = frozenset(names)

    levels: dict[str, int | None] = {}
    for column in ("min_level", "max_level"):
        value = row[column]
        if value and not _LEVEL.fullmatch(value):
            raise fail(column, f"must be empty or 1 to 4, not {value!r}")
        levels[column] = int(value) if value else None
    min_level, max_level = levels["min_level"], levels["max_level"]
    if min_level is not None and max_level is not None and min_level > max_level:
        raise fail("max_level", f"{max_level} is below min_level {min_level} (1 is the most severe)")

    for column in ("owed_by", "owed_to"):
        if row[column] not in _RANK:
            raise fail(column, f"must be one of {', '.join(BODIES)}, not {row[column]!r}")
    if _RANK[row["owed_by"]] >= _RANK[row["owed_to"]]:
        raise fail("owed_to", f"reports go up the chain: {row['owed_to']} is not above {row['owed_by']}")
    if row["anchor"] not in ANCHORS:
        raise fail("anchor", f"must be one of {', '.join(sorted(ANCHORS))}, not {row['anchor']!r}")
    if not _MINUTES.fullmatch(row["due_minutes"]):
        raise fail("due_minutes", f"must be a whole number of minutes >= 0, not {row['due_minutes']!r}")

    repeat_minutes: int | None = None
    if row["repeat"]:
        if not _MINUTES.fullmatch(row["repeat"]) or int(row["repeat"]) == 0:
            raise fail("repeat", f"must be a whole number of minutes > 0, not {row['repeat']!r}")
        repeat_minutes = int(row["repeat"])
    daily_at: list[time] = []
    if row["daily_at"]:
        for part in row["daily_at"].split("|"):
            match = _CLOCK.fullmatch(part.strip())
            if not match:
                raise fail("daily_at", f"times must be HH:MM separated by |, not {part!r}")
            clock = time(int(match[1]), int(match[2]))
            if clock in daily_at:
                raise fail("daily_at", f"{part} repeats")
            daily_at.append(clock)
    if kind == "followup" and (repeat_minutes is None) == (not daily_at):
        raise fail("repeat", "a followup row needs either repeat or daily_at, not both or neither")
    if kind != "followup" and (repeat_minutes is not None or daily_at):
        raise fail(
            "repeat" if repeat_minutes is not None else "daily_at", f"only followup rows repeat, not {kind}"
        )

    if not row["source"]:
        raise fail("source", "is empty: every rule names where it comes from")
    if row["mark"] not in MARKS:
        raise fail("mark", f"must be V, S or M, not {row['mark']!r}")
    return PolicyRow(
        key=key,
        kind=kind,
        families=families,
        type_prefixes=type_prefixes,
        min_level=min_level,
        max_level=max_level,
        owed_by=row["owed_by"],
        owed_to=row["owed_to"],
        anchor=row["anchor"],
        due_minutes=int(row["due_minutes"]),
        repeat_minutes=repeat_minutes,
        daily_at=tuple(sorted(daily_at)),
        source=row["source"],
        mark=row["mark"],
    )


def load_policy(path: Path | None = None) -> list[PolicyRow]:
    """Read and check a policy table (default: the shipped one); a ValueError names the line and column."""
    path = path or DEFAULT_POLICY
    policy: list[PolicyRow] = []
    seen: dict[str, int] = {}
    for line, row in _read(path):
        new = _parse_row(path, line, row)
        if new.key in seen:
            raise _error(path, line, "key", f"{new.key} repeats line {seen[new.key]}")
        seen[new.key] = line
        policy.append(new)
    if not policy:
        raise ValueError(f"{path}: the policy has no rows")
    return policy


# The shipped table is read once per process; a city that edits it restarts the service.
@cache
def default_policy() -> tuple[PolicyRow, ...]:
    return tuple(load_policy())


# ------------------------------------------------------------------------------------------------------------
# Computing obligations


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not naive {value.isoformat()}")


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _in_utc(facts: IncidentFacts) -> IncidentFacts:
    return replace(
        facts,
        occurred_at=facts.occurred_at.astimezone(UTC),
        received_at=facts.received_at.astimezone(UTC),
        first_report_done_at=_utc(facts.first_report_done_at),
        closed_at=_utc(facts.closed_at),
    )


def _specificity(row: PolicyRow, facts: IncidentFacts) -> int | None:
    """2 for a matching ``types:`` row, 1 for a matching family, 0 for ``*``; None when it does not match."""
    if row.type_prefixes:
        code = facts.type_code.strip().upper()
        return 2 if any(code.startswith(prefix) for prefix in row.type_prefixes) else None
    if ANY_FAMILY in row.families:
        return 0
    return 1 if facts.family in row.families else None


def _applicable(facts: IncidentFacts, policy: Sequence[PolicyRow]) -> list[PolicyRow]:
    level = 4 if facts.level is None else facts.level
    matched: list[tuple[int, PolicyRow]] = []
    for row in policy:
        if (row.min_level is not None and level < row.min_level) or (
            row.max_level is not None and level > row.max_level
        ):
            continue
        specificity = _specificity(row, facts)
        if specificity is not None:
            matched.append((specificity, row))
    # The most specific matching rule for the same report wins (types: over family over *).
    best: dict[tuple[str, str, str], int] = {}
    for specificity, row in matched:
        group = (row.kind, row.owed_by, row.owed_to)
        best[group] = max(best.get(group, specificity), specificity)
    # Sorted by key so that the result never depends on the order of the table's rows.
    return sorted(
        (row for specificity, row in matched if specificity == best[(row.kind, row.owed_by, row.owed_to)]),
        key=lambda row: row.key,
    )


def _received(body: str, facts: IncidentFacts, reports: Sequence[Obligation]) -> datetime:
    """When ``body`` got the incident: a fact up to the first receiver; above it, when it was owed to it."""
    if _RANK[body] <= _RANK[facts.reporting_level]:
        return facts.received_at
    owed = [report.due_at for report in reports if report.owed_to == body]
    return max(facts.received_at, min(owed)) if owed else facts.received_at


def _anchor(row: PolicyRow, facts: IncidentFacts, reports: Sequence[Obligation]) -> datetime | None:
    if row.anchor == "occurred":
        return facts.occurred_at
    if row.anchor == "received":
        return _received(row.owed_by, facts, reports)
    if row.anchor == "closed":
        return facts.closed_at
    # first_report_done
    if facts.first_report_done_at is not None:
        return facts.first_report_done_at
    matching = [
        r.due_at
        for r in reports
        if r.kind == "first" and (r.owed_by, r.owed_to) == (row.owed_by, row.owed_to)
    ]
    return min(matching) if matching else _received(row.owed_by, facts, reports)


def _obligation(row: PolicyRow, due_at: datetime, sequence: int = 0) -> Obligation:
    return Obligation(
        row.key, row.kind, sequence, row.owed_by, row.owed_to, due_at.astimezone(UTC), row.source
    )


def _daily(start: datetime, clocks: tuple[time, ...]) -> Iterator[datetime]:
    """Each Beijing clock time at or after ``start``, in order, for ever."""
    day = start.astimezone(BEIJING).date()
    while True:
        for clock in clocks:
            moment = datetime.combine(day, clock, tzinfo=BEIJING)
            if moment >= start:
                yield moment
        day += timedelta(days=1)


def _repeating(start: datetime, minutes: int) -> Iterator[datetime]:
    step = timedelta(minutes=minutes)
    moment = start + step
    while True:
        yield moment
        moment += step


def _followups(row: PolicyRow, anchor: datetime, facts: IncidentFacts, horizon: datetime) -> list[Obligation]:
    start = anchor + timedelta(minutes=row.due_minutes)
    moments = _repeating(start, row.repeat_minutes) if row.repeat_minutes else _daily(start, row.daily_at)
    made: list[Obligation] = []
    for sequence, moment in enumerate(moments, start=1):
        # The final report replaces follow-ups: none falls due at or after closure.
        if moment > horizon or (facts.closed_at is not None and moment >= facts.closed_at):
            break
        if sequence > MAX_FOLLOWUPS:
            raise ValueError(
                f"{row.key}: more than {MAX_FOLLOWUPS} follow-ups before the horizon {horizon.isoformat()}"
            )
        made.append(_obligation(row, moment, sequence))
    return made


def obligations(facts: IncidentFacts, policy: Sequence[PolicyRow], horizon: datetime) -> list[Obligation]:
    """The obligations the policy gives for ``facts``, by due time; follow-ups up to closure or horizon."""
    _require_aware(horizon, "horizon")
    # Arithmetic on an aware datetime in a zone with summer time is wall-clock arithmetic: work in UTC.
    facts = _in_utc(facts)
    horizon = horizon.astimezone(UTC)
    rows = _applicable(facts, policy)
    # First and direct reports go bottom-up, so the reports owed to a body are known before its own are dated.
    reports: list[Obligation] = []
    for row in sorted((r for r in rows if r.kind in REPORT_KINDS), key=lambda r: (_RANK[r.owed_by], r.key)):
        if _RANK[row.owed_to] <= _RANK[facts.reporting_level]:
            continue  # the recipient (or a body above it) received the incident first
        anchor = _anchor(row, facts, reports)
        if anchor is None:
            continue  # anchored on closure, and the incident is still open
        reports.append(_obligation(row, anchor + timedelta(minutes=row.due_minutes)))

    made = list(reports)
    for row in rows:
        if row.kind in REPORT_KINDS:
            continue
        if row.kind == "delay_reason":
            if row.owed_by != facts.reporting_level:
                continue
            owed = [report.due_at for report in reports if report.owed_to == row.owed_to]
            if not owed or facts.received_at < min(owed):
                continue
        anchor = _anchor(row, facts, reports)
        if anchor is None:
            continue  # anchored on closure, and the incident is still open
        if row.kind == "followup":
            made.extend(_followups(row, anchor, facts, horizon))
        else:
            made.append(_obligation(row, anchor + timedelta(minutes=row.due_minutes)))
    return sorted(made, key=lambda o: (o.due_at, o.key, o.sequence))


# ------------------------------------------------------------------------------------------------------------
# Judging


def status(
    due_at: datetime,
    done_at: datetime | None,
    now: datetime,
    closed_at: datetime | None = None,
    grace: timedelta = timedelta(hours=24),
) -> Status:
    """On time, 迟报, pending, overdue or 漏报; a report made exactly at its due time is on time."""
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, not {grace}")
    if done_at is not None:
        return Status.ON_TIME if done_at <= due_at else Status.LATE
    if now <= due_at:
        return Status.PENDING
    closed = closed_at is not None and closed_at <= now
    # In UTC: adding to a datetime in a zone with summer time would add wall-clock hours.
    return Status.MISSED if closed or now > due_at.astimezone(UTC) + grace else Status.OVERDUE


def due_soon(due_at: datetime, now: datetime, window: timedelta = timedelta(hours=1)) -> bool:
    """True when due from now to now + window, both included; whether it is done is the caller's concern."""
    return now <= due_at <= now.astimezone(UTC) + window
