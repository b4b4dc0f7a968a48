"""Threshold rules for monitoring stations (监测阈值), with hysteresis so that a value hovering round a threshold
raises one alert, not one per observation.

A rule has levels, mildest first, each with a threshold (e.g. 1-hour rainfall: yellow at 50 mm, orange at
100 mm), a direction and one hysteresis (回差) for all its levels:

- ``rising`` (higher is worse: rainfall, wind, river or reservoir level, gas concentration, displacement): a level
  is *entered* when the value reaches its threshold, ``value >= threshold`` ("以上含本数"), and *held* while
  ``value >= threshold - hysteresis``: it is left only when the value falls below ``threshold - hysteresis``.
- ``falling`` (lower is worse: visibility, dissolved oxygen, a reservoir below its dead storage level): the mirror
  image, entered at ``value <= threshold``, held while ``value <= threshold + hysteresis``.
- ``inclusive = False`` makes the comparisons strict (">" / "<"), for sources that say "超过" or "小于" (大雾:
  能见度小于 500 m); hold then means ``value > threshold - hysteresis`` (``<`` for falling).

A rate of change (水位涨幅 per hour, 24-hour displacement) is a rising rule on a value the caller derives.

Levels are nested: being orange implies being past yellow. After a value, the state is the most severe level that
is either entered, or held and not more severe than the level before (a fall from orange past orange's exit point
lands on yellow if yellow is still held, else lower). ``evaluate`` returns the new state and a ``Crossing`` when the
level changed: ``raised`` for a more severe level (the duty officer's alert), not raised for a milder one (the
all-clear, or a downgrade). Consequences, by construction and checked by property tests:

- values that stay within a level's hold band never change it, so a value oscillating around a threshold,
  never falling below threshold − hysteresis, raises one alert at the first reach and nothing after;
- a monotone rise raises each level it passes at most once, in order of severity (a jump straight past a level
  raises only the level reached: one event, not a burst);
- hysteresis 0 means no hysteresis.

The shipped rules are data (``data/thresholds.csv``), one row per level with its source and mark; a station's own
rules (its reservoir's 汛限水位) are built as ``Rule`` objects by the caller.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path

from yingji.rules.risk import COLOURS

DATA_DIR = Path(__file__).with_name("data")
MARKS = frozenset({"V", "S", "M"})
COLUMNS = (
    "key",
    "name",
    "metric",
    "unit",
    "direction",
    "inclusive",
    "hysteresis",
    "level",
    "threshold",
    "source",
    "mark",
)
# Columns that describe the rule, not the level: every row of a rule must repeat the same values.
_RULE_COLUMNS = ("name", "metric", "unit", "direction", "inclusive", "hysteresis")

Value = int | float | Decimal


class Direction(StrEnum):
    RISING = "rising"  # higher is worse
    FALLING = "falling"  # lower is worse


@dataclass(frozen=True)
class Threshold:
    """A level and the value that enters it."""

    level: str
    value: Decimal
    source: str = ""
    mark: str = "M"


@dataclass(frozen=True)
class Rule:
    """A threshold rule; ``thresholds`` mildest first. Construction checks the rule (ValueError names the rule)."""

    key: str
    thresholds: tuple[Threshold, ...]
    direction: Direction = Direction.RISING
    hysteresis: Decimal = Decimal(0)
    inclusive: bool = True
    name: str = ""
    metric: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        where = f"rule {self.key!r}"
        if not self.key:
            raise ValueError("rule key is empty")
        if not self.thresholds:
            raise ValueError(f"{where}: needs at least one threshold")
        if not isinstance(self.direction, Direction) and self.direction in {d.value for d in Direction}:
            object.__setattr__(self, "direction", Direction(self.direction))  # "rising" as given by a form
        if not isinstance(self.direction, Direction):
            raise ValueError(f"{where}: direction must be rising or falling, not {self.direction!r}")
        if not isinstance(self.hysteresis, Decimal) or not self.hysteresis.is_finite() or self.hysteresis < 0:
            raise ValueError(f"{where}: hysteresis must be a Decimal >= 0, not {self.hysteresis!r}")
        previous: Threshold | None = None
        for threshold in self.thresholds:
            if threshold.level not in COLOURS:
                raise ValueError(
                    f"{where}: level must be one of {', '.join(COLOURS)}, not {threshold.level!r}"
                )
            if not isinstance(threshold.value, Decimal) or not threshold.value.is_finite():
                raise ValueError(f"{where}: threshold of {threshold.level} must be a finite Decimal")
            if previous is not None:
                if COLOURS.index(threshold.level) <= COLOURS.index(previous.level):
                    raise ValueError(
                        f"{where}: levels must go from mildest to most severe; {threshold.level} follows "
                        f"{previous.level}"
                    )
                worse = (
                    threshold.value > previous.value
                    if self.direction is Direction.RISING
                    else threshold.value < previous.value
                )
                if not worse:
                    word = "above" if self.direction is Direction.RISING else "below"
                    raise ValueError(
                        f"{where}: threshold of {threshold.level} ({threshold.value}) must be {word} that of "
                        f"{previous.level} ({previous.value})"
                    )
            previous = threshold

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(t.level for t in self.thresholds)

    def exit_point(self, level: str) -> Decimal:
        """The value past which ``level`` is left: threshold − hysteresis (+ for a falling rule)."""
        threshold = self._threshold(level)
        if self.direction is Direction.RISING:
            return threshold.value - self.hysteresis
        return threshold.value + self.hysteresis

    def _threshold(self, level: str) -> Threshold:
        for threshold in self.thresholds:
            if threshold.level == level:
                return threshold
        raise ValueError(f"rule {self.key!r} has no level {level!r}; its levels are {', '.join(self.levels)}")

    def beyond(self, value: Decimal, edge: Decimal) -> bool:
        """True when ``value`` is at or past ``edge`` in the worse direction (strictly past if not inclusive)."""
        if self.direction is Direction.RISING:
            return value >= edge if self.inclusive else value > edge
        return value <= edge if self.inclusive else value < edge


@dataclass(frozen=True)
class State:
    """Where a station stands on a rule: ``level`` None is normal (no level reached)."""

    level: str | None = None


NORMAL = State()


@dataclass(frozen=True)
class Crossing:
    """A change of level. ``edge`` is the value crossed: the threshold of the level entered when raised, the exit
    point of the mildest level left when lowered."""

    rule: str
    previous: str | None
    level: str | None
    raised: bool
    value: Decimal
    edge: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "previous": self.previous,
            "level": self.level,
            "raised": self.raised,
            "value": str(self.value),
            "edge": str(self.edge),
        }


def _value(raw: Value) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise TypeError(f"value must be a number, not {type(raw).__name__}")
    # repr() of a float is its shortest decimal: 49.99 stays 49.99.
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if not value.is_finite():
        raise ValueError(f"value must be a finite number, not {raw!r}")
    return value


def _rank(rule: Rule, state: State) -> int:
    """0 for normal, 1 for the mildest level, ..."""
    if state.level is None:
        return 0
    return rule.levels.index(rule._threshold(state.level).level) + 1


def evaluate(rule: Rule, previous: State, value: Value) -> tuple[State, Crossing | None]:
    """The state after ``value``, and the crossing if the level changed (None if it did not)."""
    number = _value(value)
    current = _rank(rule, previous)
    entered = sum(1 for t in rule.thresholds if rule.beyond(number, t.value))
    held = sum(1 for t in rule.thresholds if rule.beyond(number, rule.exit_point(t.level)))
    rank = max(entered, min(current, held))
    if rank == current:
        return previous, None
    level = rule.levels[rank - 1] if rank else None
    # Raised: the threshold of the level entered. Lowered: the exit point of the mildest level left.
    edge = rule.thresholds[rank - 1].value if rank > current else rule.exit_point(rule.levels[rank])
    return State(level), Crossing(rule.key, previous.level, level, rank > current, number, edge)


def evaluate_all(rule: Rule, values: Iterable[Value], state: State = NORMAL) -> tuple[State, list[Crossing]]:
    """Feed values in order (a station's observations by time); the final state and every crossing."""
    crossings: list[Crossing] = []
    for value in values:
        state, crossing = evaluate(rule, state, value)
        if crossing is not None:
            crossings.append(crossing)
    return state, crossings


def load_rules(path: Path | None = None) -> dict[str, Rule]:
    """Rules from a CSV, one row per level, mildest first; a ValueError names the file and line."""
    path = path or DATA_DIR / "thresholds.csv"
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}, line 1: columns must be {','.join(COLUMNS)}")
        for record in reader:
            if None in record or any(value is None for value in record.values()):
                raise ValueError(f"{path}, line {reader.line_num}: expected {len(COLUMNS)} fields")
            row = {key: value.strip() for key, value in record.items()}
            if not row["key"]:
                raise ValueError(f"{path}, line {reader.line_num}: key is empty")
            grouped.setdefault(row["key"], []).append((reader.line_num, row))
    if not grouped:
        raise ValueError(f"{path}: no rows")
    rules: dict[str, Rule] = {}
    for key, rows in grouped.items():
        first_line, first = rows[0]
        thresholds: list[Threshold] = []
        for line, row in rows:
            where = f"{path}, line {line}"
            for column in _RULE_COLUMNS:
                if row[column] != first[column]:
                    raise ValueError(
                        f"{where}: {column} of rule {key} is {row[column]!r}, but {first[column]!r} on line "
                        f"{first_line}"
                    )
            try:
                value = Decimal(row["threshold"])
            except InvalidOperation:
                raise ValueError(f"{where}: threshold {row['threshold']!r} is not a number") from None
            if not row["source"]:
                raise ValueError(f"{where}: source is empty")
            if row["mark"] not in MARKS:
                raise ValueError(f"{where}: mark must be V, S or M, not {row['mark']!r}")
            thresholds.append(Threshold(row["level"], value, row["source"], row["mark"]))
        where = f"{path}, line {first_line}"
        if first["direction"] not in {d.value for d in Direction}:
            raise ValueError(f"{where}: direction must be rising or falling, not {first['direction']!r}")
        if first["inclusive"] not in {"yes", "no"}:
            raise ValueError(f"{where}: inclusive must be yes or no, not {first['inclusive']!r}")
        try:
            hysteresis = Decimal(first["hysteresis"])
        except InvalidOperation:
            raise ValueError(f"{where}: hysteresis {first['hysteresis']!r} is not a number") from None
        try:
            rules[key] = Rule(
                key=key,
                thresholds=tuple(thresholds),
                direction=Direction(first["direction"]),
                hysteresis=hysteresis,
                inclusive=first["inclusive"] == "yes",
                name=first["name"],
                metric=first["metric"],
                unit=first["unit"],
            )
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return rules


@cache
def _default_rules() -> dict[str, Rule]:
    return load_rules()


def default_rules() -> dict[str, Rule]:
    """The shipped rules by key (a copy: callers may add a station's own)."""
    return dict(_default_rules())
