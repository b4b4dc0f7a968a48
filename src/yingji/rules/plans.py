"""Plans (预案): to whom a plan is filed and by when, and when it is due for evaluation and for drills.

Filing (备案), 突发事件应急预案管理办法 (国办发〔2024〕5号) art. 26, within 20 working days of issue:

==================  ==========================================  =========================================
kind                filed with                                  copy
==================  ==========================================  =========================================
overall             the government one level up                 its emergency management department
special             the lead department one level up            its emergency management department
department          the government of the same level            (sent through its emergency office)
town                the government one level up (county)        its emergency management department
community           the town government                         -
joint               the government one level up (common)  [M]   its emergency management department
enterprise          the county emergency management department  (生产安全事故应急条例 art. 7)
school              the county education department       [M]   -
==================  ==========================================  =========================================

Working days count Monday to Friday, minus the public holidays of a calendar, plus the weekend days
worked in their place (调休), as the State Council publishes them each year. The deadline is the 20th
working day after the day of issue.

Review cycles are data (``data/plan_cycles.csv``): evaluation every 3 years [S]; drills every 3 years
for special and department plans [V, 2013 办法 art. 22], every 2 years for governments' work-safety plans
[V, 生产安全事故应急条例 art. 8], every 6 months for high-risk units [V, same article], yearly for
other units [S, 应急管理部令第2号 art. 33]. The most specific matching row wins. This module imports no
Django.
"""

from __future__ import annotations

import calendar as _calendar
import csv
import datetime
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

FILING_WORKING_DAYS = 20
DATA = Path(__file__).parent / "data"


class Kind(StrEnum):
    OVERALL = "overall"
    SPECIAL = "special"
    DEPARTMENT = "department"
    TOWN = "town"
    COMMUNITY = "community"
    ENTERPRISE = "enterprise"
    SCHOOL = "school"
    JOINT = "joint"


class Body(StrEnum):
    GOVERNMENT = "government"
    LEAD_DEPARTMENT = "lead_department"  # the department of the plan's sector
    EMERGENCY_OFFICE = "emergency_office"
    EDUCATION = "education_department"


class Where(StrEnum):
    ABOVE = "above"  # the division one level up from the plan owner's
    SAME = "same"  # the plan owner's division
    COUNTY = "county"  # the county (or city district) that holds the owner's division


@dataclass(frozen=True)
class FilingRoute:
    body: Body
    where: Where
    copy_to: Body | None
    source: str


_ORDER = "国办发〔2024〕5号 art. 26"
FILING_ROUTES: dict[Kind, FilingRoute] = {
    Kind.OVERALL: FilingRoute(Body.GOVERNMENT, Where.ABOVE, Body.EMERGENCY_OFFICE, _ORDER),
    Kind.SPECIAL: FilingRoute(Body.LEAD_DEPARTMENT, Where.ABOVE, Body.EMERGENCY_OFFICE, _ORDER),
    Kind.DEPARTMENT: FilingRoute(Body.GOVERNMENT, Where.SAME, Body.EMERGENCY_OFFICE, _ORDER),
    Kind.TOWN: FilingRoute(Body.GOVERNMENT, Where.ABOVE, Body.EMERGENCY_OFFICE, _ORDER),
    Kind.COMMUNITY: FilingRoute(Body.GOVERNMENT, Where.ABOVE, None, _ORDER),
    Kind.JOINT: FilingRoute(Body.GOVERNMENT, Where.ABOVE, Body.EMERGENCY_OFFICE, "[M] common superior"),
    Kind.ENTERPRISE: FilingRoute(Body.EMERGENCY_OFFICE, Where.COUNTY, None, "生产安全事故应急条例 art. 7"),
    Kind.SCHOOL: FilingRoute(Body.EDUCATION, Where.COUNTY, None, "[M] the education department"),
}


def filing_route(kind: str) -> FilingRoute:
    return FILING_ROUTES[Kind(kind)]


@dataclass(frozen=True)
class Calendar:
    """Public holidays and the weekend days worked in their place (调休)."""

    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The `count`-th working day after `start` (the day of `start` itself is not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        days = 0
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            days += self.is_working_day(day)
        return days


def filing_due(issued_on: datetime.date, cal: Calendar) -> datetime.date:
    return cal.add_working_days(issued_on, FILING_WORKING_DAYS)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Same day `months` later; the month's last day when it has no such day (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Cycle:
    kind: str  # a Kind, or "*"
    category: str  # a plan category, or "*"
    high_risk: bool | None  # None: either
    evaluation_months: int
    drill_months: int
    mark: str
    source: str

    def matches(self, kind: str, category: str, high_risk: bool) -> bool:
        return (
            self.kind in ("*", kind)
            and self.category in ("*", category)
            and (self.high_risk is None or self.high_risk == high_risk)
        )

    @property
    def specificity(self) -> int:
        return (self.kind != "*") * 4 + (self.category != "*") * 2 + (self.high_risk is not None)


def parse_cycles(text: str) -> list[Cycle]:
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        flag = row["high_risk"].strip()
        rows.append(
            Cycle(
                kind=row["kind"].strip(),
                category=row["category"].strip(),
                high_risk=None if flag in ("", "*") else flag == "yes",
                evaluation_months=int(row["evaluation_months"]),
                drill_months=int(row["drill_months"]),
                mark=row["mark"].strip(),
                source=row["source"].strip(),
            )
        )
    return rows


def default_cycles() -> list[Cycle]:
    return parse_cycles((DATA / "plan_cycles.csv").read_text(encoding="utf-8"))


def cycle_for(cycles: list[Cycle], kind: str, category: str, high_risk: bool) -> Cycle:
    matching = [c for c in cycles if c.matches(kind, category, high_risk)]
    if not matching:
        raise LookupError(f"no review cycle for {kind}/{category}")
    return max(matching, key=lambda c: c.specificity)


def next_due(last: datetime.date | None, since: datetime.date | None, months: int) -> datetime.date | None:
    """The next evaluation or drill: `months` after the last one, or after `since` (effective date)."""
    start = last or since
    return add_months(start, months) if start else None
