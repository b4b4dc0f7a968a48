"""Grading (定级) of an event from its figures: deaths, injuries, people moved, money lost.

The bands are data, not code (``data/grading.csv``): every row names its source and how sure we are of it
([V] checked against the legal text, [S] secondary sources, [M] unverified), so a city can correct a value
without touching this module. ``data/event_families.csv`` maps GB/T 35561 type codes to the table that grades
them.

Rules (493号令 art. 3): "以上" includes the number, "以下" excludes it, so a band is reached when
value >= minimum; any one criterion reaching a band sets that band, and the most severe band reached wins.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

LEVEL_NAMES: dict[int, str] = {1: "特别重大", 2: "重大", 3: "较大", 4: "一般"}

# Inputs a caller may give. "deaths_missing" is derived (deaths + missing) because relief response counts them
# together and a caller should not be able to give a sum that contradicts its parts.
METRICS = (
    "deaths",
    "missing",
    "serious_injuries",
    "injuries",
    "evacuated",
    "relocated",
    "direct_loss_yuan",
    "potential_loss_yuan",
)
DERIVED_METRICS = ("deaths_missing",)

# Label and unit of each metric, for the readable basis; the unit also checks the CSV's unit column.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "deaths": ("死亡", "人"),
    "missing": ("失踪", "人"),
    "deaths_missing": ("死亡和失踪", "人"),
    "serious_injuries": ("重伤", "人"),
    "injuries": ("受伤", "人"),
    "evacuated": ("疏散转移", "人"),
    "relocated": ("转移安置", "人"),
    "direct_loss_yuan": ("直接经济损失", "元"),
    "potential_loss_yuan": ("潜在经济损失", "元"),
}

# Order of the phrases in a basis: the order of METRIC_LABELS (deaths and missing, then their sum, ...).
_METRIC_ORDER = {metric: i for i, metric in enumerate(METRIC_LABELS)}

FAMILY_NAMES: dict[str, str] = {
    "work_safety": "生产安全事故",
    "environment": "突发环境事件",
    "geological": "地质灾害",
    "natural_relief": "自然灾害救助",
    "earthquake": "地震灾害",
    "public_health": "公共卫生事件",
    "social_safety": "社会安全事件",
    "other": "其它突发事件",
}

# Families whose law defines 一般 as "everything below 较大": an event of the family is at least level 4.
# Relief response has no such floor: below its level 4 there is simply no response.
FLOOR_FAMILIES = frozenset({"work_safety", "environment", "geological", "earthquake"})

MANUAL_BASIS = "该类事件无数值分级标准，须人工定级并说明理由"
MARKS = frozenset({"V", "S", "M"})
_CRITERIA_COLUMNS = ("family", "level", "metric", "minimum", "unit", "source", "mark", "note")
_FAMILY_COLUMNS = ("prefix", "family", "source")


@dataclass(frozen=True)
class Criterion:
    """One band edge: the family's event reaches ``level`` when ``metric`` >= ``minimum``."""

    family: str
    level: int
    metric: str
    minimum: Decimal
    source: str
    mark: str
    note: str = ""


@dataclass(frozen=True)
class Grade:
    """The level and why: ``basis`` is shown to the officer and kept with the event."""

    level: int | None
    name: str | None
    family: str | None
    basis: tuple[str, ...]
    source: str
    manual: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "name": self.name,
            "family": self.family,
            "basis": list(self.basis),
            "source": self.source,
            "manual": self.manual,
        }


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with exactly these columns, with their line numbers (utf-8-sig: Excel adds a BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path}, line 1: columns must be {','.join(columns)}")
        rows = []
        for record in reader:
            # A stray comma in a text field shifts the columns: DictReader puts extras under None.
            if None in record or any(value is None for value in record.values()):
                raise ValueError(f"{path}, line {reader.line_num}: expected {len(columns)} fields")
            rows.append((reader.line_num, {key: value.strip() for key, value in record.items()}))
        return rows


def _criterion(row: dict[str, str], where: str) -> Criterion:
    if not row["family"]:
        raise ValueError(f"{where}: family is empty")
    if row["level"] not in {"1", "2", "3", "4"}:
        raise ValueError(f"{where}: level must be 1, 2, 3 or 4, not {row['level']!r}")
    metric = row["metric"]
    if metric not in METRIC_LABELS:
        raise ValueError(f"{where}: unknown metric {metric!r}")
    try:
        minimum = Decimal(row["minimum"])
    except InvalidOperation:
        raise ValueError(f"{where}: minimum {row['minimum']!r} is not a number") from None
    if not minimum.is_finite() or minimum < 0:
        raise ValueError(f"{where}: minimum must be a number >= 0, not {row['minimum']!r}")
    unit = METRIC_LABELS[metric][1]
    if row["unit"] != unit:
        raise ValueError(f"{where}: unit of {metric} is {unit}, not {row['unit']!r}")
    if not row["source"]:
        raise ValueError(f"{where}: source is empty")
    if row["mark"] not in MARKS:
        raise ValueError(f"{where}: mark must be V, S or M, not {row['mark']!r}")
    return Criterion(
        row["family"], int(row["level"]), metric, minimum, row["source"], row["mark"], row["note"]
    )


def load_criteria(path: Path | None = None) -> list[Criterion]:
    """Read and check the grading table; a ValueError names the file and line of the first bad row."""
    path = path or DATA_DIR / "grading.csv"
    criteria: list[Criterion] = []
    seen: dict[tuple[str, str], list[tuple[int, Criterion]]] = {}
    for line, row in _read(path, _CRITERIA_COLUMNS):
        where = f"{path}, line {line}"
        new = _criterion(row, where)
        for old_line, old in seen.setdefault((new.family, new.metric), []):
            if old.level == new.level:
                raise ValueError(
                    f"{where}: {new.family} level {new.level} {new.metric} repeats line {old_line}"
                )
            # A more severe band needs a strictly higher minimum, else the milder band could never be reached:
            # this catches a dropped or extra zero.
            severe, mild = (old, new) if old.level < new.level else (new, old)
            if severe.minimum <= mild.minimum:
                raise ValueError(
                    f"{where}: {new.family} {new.metric}: level {severe.level} minimum {severe.minimum} must be "
                    f"above level {mild.level} minimum {mild.minimum} (line {old_line})"
                )
        seen[(new.family, new.metric)].append((line, new))
        criteria.append(new)
    return criteria


def load_families(path: Path | None = None) -> list[tuple[str, str]]:
    """(prefix, family) pairs mapping GB/T 35561 codes to grading families."""
    path = path or DATA_DIR / "event_families.csv"
    families: list[tuple[str, str]] = []
    for line, row in _read(path, _FAMILY_COLUMNS):
        prefix = row["prefix"].upper()
        if not prefix.isalnum() or not row["family"]:
            raise ValueError(f"{path}, line {line}: prefix and family are required")
        if any(prefix == known for known, _ in families):
            raise ValueError(f"{path}, line {line}: prefix {prefix} repeats")
        families.append((prefix, row["family"]))
    return families


# The shipped tables are read once per process; a city that edits them restarts the service.
@cache
def _default_criteria() -> tuple[Criterion, ...]:
    return tuple(load_criteria())


@cache
def _default_families() -> tuple[tuple[str, str], ...]:
    return tuple(load_families())


def family_for(code: str, families: Sequence[tuple[str, str]] | None = None) -> str | None:
    """The grading family of a GB/T 35561 code: the longest matching prefix wins; None for an unknown code."""
    code = code.strip().upper()
    table = _default_families() if families is None else families
    matches = [(prefix, family) for prefix, family in table if code.startswith(prefix)]
    if not code or not matches:
        return None
    return max(matches, key=lambda match: len(match[0]))[1]


def _figures(figures: Mapping[str, int | Decimal | None]) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for metric, raw in figures.items():
        # An unknown key is most likely a typo, and ignoring it would grade too low.
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; give one of {', '.join(METRICS)}")
        if raw is None:
            continue
        # bool is an int and float is inexact money: both are caller mistakes.
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
            raise TypeError(f"{metric} must be an int or Decimal, not {type(raw).__name__}")
        value = Decimal(raw)
        if not value.is_finite() or value < 0:
            raise ValueError(f"{metric} must be a number >= 0, not {raw}")
        values[metric] = value
    if "deaths" in values or "missing" in values:
        values["deaths_missing"] = values.get("deaths", Decimal(0)) + values.get("missing", Decimal(0))
    return values


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _amount(value: Decimal, unit: str) -> str:
    """'1000 万元', '1.5 亿元', '5 万人', '49999 人': exact, never rounded, so the text never overstates a figure."""
    # Whole 元 always fit 万元 with 4 places; people read better in 万人 only for whole hundreds.
    places = 4 if unit == "元" else 2
    for size, prefix in ((Decimal(100_000_000), "亿"), (Decimal(10_000), "万")):
        scaled = (value / size).normalize()
        if value >= size and -int(scaled.as_tuple().exponent) <= places:
            return f"{_plain(scaled)} {prefix}{unit}"
    return f"{_plain(value)} {unit}"


def _threshold(criterion: Criterion) -> str:
    label, unit = METRIC_LABELS[criterion.metric]
    return f"{label}≥{_amount(criterion.minimum, unit)}"


def _reached(criterion: Criterion, value: Decimal) -> str:
    """E.g. '死亡 3 人，达到较大（≥3 人）'."""
    label, unit = METRIC_LABELS[criterion.metric]
    return f"{label} {_amount(value, unit)}，达到{LEVEL_NAMES[criterion.level]}（≥{_amount(criterion.minimum, unit)}）"


def _sorted(criteria: Sequence[Criterion]) -> list[Criterion]:
    # A fixed order makes the result independent of the order of the table's rows.
    return sorted(criteria, key=lambda c: (_METRIC_ORDER[c.metric], c.minimum, c.source, c.mark, c.note))


def _sources(criteria: Sequence[Criterion]) -> str:
    return "；".join(dict.fromkeys(c.source for c in criteria))


def grade(
    family: str | None,
    figures: Mapping[str, int | Decimal | None],
    criteria: Sequence[Criterion] | None = None,
) -> Grade:
    """Grade an event of ``family`` from ``figures`` (None = not known yet, ignored).

    ``criteria`` defaults to the shipped table; pass rows from ``load_criteria`` to use a city's own table.
    """
    values = _figures(figures)
    rows = [c for c in (_default_criteria() if criteria is None else criteria) if c.family == family]
    if family is None or not rows:
        return Grade(None, None, family, (MANUAL_BASIS,), "", manual=True)
    for level in sorted({c.level for c in rows}):
        met = _sorted(
            [c for c in rows if c.level == level and c.metric in values and values[c.metric] >= c.minimum]
        )
        if met:
            basis = tuple(_reached(c, values[c.metric]) for c in met)
            return Grade(level, LEVEL_NAMES[level], family, basis, _sources(met), manual=False)
    # Nothing reached: say which thresholds of the mildest band were missed, so the officer can check them.
    mildest = max(c.level for c in rows)
    band = _sorted([c for c in rows if c.level == mildest])
    thresholds = f"（{FAMILY_NAMES.get(family, family)}：{'、'.join(_threshold(c) for c in band)}）"
    if family in FLOOR_FAMILIES:
        basis_text = f"未达到{LEVEL_NAMES[mildest]}标准{thresholds}，定为一般"
        return Grade(4, LEVEL_NAMES[4], family, (basis_text,), _sources(band), manual=False)
    no_band = "未达到救助响应标准" if family == "natural_relief" else f"未达到{LEVEL_NAMES[mildest]}标准"
    return Grade(None, None, family, (no_band + thresholds,), _sources(band), manual=False)


def upgrade(old: int | None, new: int | None) -> bool:
    """True when ``new`` is more severe than ``old`` (a lower number; None, no level, is the least severe)."""
    return new is not None and (old is None or new < old)
