"""Risk assessment of a hazard (风险评估): the LEC method and a likelihood × severity matrix.

Both give one of the four risk colours (DOMAIN.md section 6: 重大 red, 较大 orange, 一般 yellow, 低 blue), the
score, the band and the inputs, as an ``Assessment`` that is stored with the hazard as JSON (``as_dict`` /
``Assessment.from_dict``), so a result can always be explained and recomputed.

The tables are data (``data/lec_factors.csv``, ``data/lec_bands.csv``, ``data/risk_matrix.csv``), each row with
its source and mark ([V] legal text, [S] secondary sources, [M] unverified or chosen here).

LEC (作业条件危险性评价法, D = L × E × C) [S]. DOMAIN.md gives "D > 320 extreme, 160–320 high, 70–160
significant, 20–70 general, < 20 low". Its two explicit signs fix the edges: 320 is *not* extreme (">"), and 20
is *not* low ("<"), so 20 is general; the other edges follow the house rule "以上含本数" (a band is reached at
its minimum): 160 is high and 70 is significant. So:

=============  ===================  ======
D              band                 colour
=============  ===================  ======
D > 320        极其危险 extreme      red
160 ≤ D ≤ 320  高度危险 high         orange
70 ≤ D < 160   显著危险 significant  yellow
20 ≤ D < 70    一般危险 general      blue
D < 20         稍有危险 low          blue
=============  ===================  ======

LEC has five bands and the four-colour scheme four: both 一般危险 and 稍有危险 are 低风险 (blue), the usual
mapping in 双重预防 practice; ``band`` keeps them apart. With the standard tables D = 160 and D = 320 cannot occur
(no product of the tables gives them); D = 20 (e.g. 0.5 × 1 × 40) and D = 70 (1 × 10 × 7) can.

The matrix (风险矩阵, 5 × 5 by default) [M]: one row per cell, likelihood and severity 1..n, each cell a colour;
the score is likelihood × severity. A city replaces cells to follow its own rules; the loader checks that the grid
is complete and that a cell is never milder than a cell with lower likelihood and severity.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

# The four colours, mildest first (DOMAIN.md sections 2 and 6).
COLOURS: tuple[str, ...] = ("blue", "yellow", "orange", "red")
RISK_LEVEL_NAMES: dict[str, str] = {
    "red": "重大风险",
    "orange": "较大风险",
    "yellow": "一般风险",
    "blue": "低风险",
}
COLOUR_NAMES: dict[str, str] = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}

FACTORS: dict[str, str] = {"L": "likelihood", "E": "exposure", "C": "consequence"}
MARKS = frozenset({"V", "S", "M"})
Number = int | float | Decimal | str

_FACTOR_COLUMNS = ("factor", "value", "meaning", "source", "mark")
_BAND_COLUMNS = ("band", "name", "colour", "minimum", "inclusive", "source", "mark")
_CELL_COLUMNS = ("likelihood", "severity", "colour", "source", "mark")


@dataclass(frozen=True)
class FactorValue:
    """One allowed value of L, E or C, with what it means."""

    factor: str
    value: Decimal
    meaning: str
    source: str
    mark: str


@dataclass(frozen=True)
class Band:
    """An LEC band: D reaches it when D >= minimum (D > minimum when not ``inclusive``)."""

    band: str
    name: str
    colour: str
    minimum: Decimal
    inclusive: bool
    source: str
    mark: str

    def reached(self, score: Decimal) -> bool:
        return score >= self.minimum if self.inclusive else score > self.minimum


@dataclass(frozen=True)
class Cell:
    """One cell of the risk matrix."""

    likelihood: int
    severity: int
    colour: str
    source: str
    mark: str


@dataclass(frozen=True)
class Assessment:
    """A risk assessment: what it found and from what. ``inputs`` keeps the caller's values in a fixed order."""

    method: str  # "lec" or "matrix"
    colour: str  # red / orange / yellow / blue
    level_name: str  # 重大风险 / 较大风险 / 一般风险 / 低风险
    band: str  # LEC: extreme / high / significant / general / low; matrix: the colour
    band_name: str
    score: Decimal
    inputs: tuple[tuple[str, Decimal], ...]
    source: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: numbers as exact decimal strings ("0.5", "180")."""
        return {
            "method": self.method,
            "colour": self.colour,
            "level_name": self.level_name,
            "band": self.band,
            "band_name": self.band_name,
            "score": plain(self.score),
            "inputs": {name: plain(value) for name, value in self.inputs},
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Assessment:
        """The inverse of ``as_dict`` (for a stored result; it is not re-evaluated)."""
        raw_inputs = data["inputs"]
        if not isinstance(raw_inputs, Mapping):
            raise ValueError("inputs must be a mapping of name to number")
        return cls(
            method=str(data["method"]),
            colour=str(data["colour"]),
            level_name=str(data["level_name"]),
            band=str(data["band"]),
            band_name=str(data["band_name"]),
            score=Decimal(str(data["score"])),
            inputs=tuple((str(name), Decimal(str(value))) for name, value in raw_inputs.items()),
            source=str(data["source"]),
        )


def plain(number: Decimal) -> str:
    """'0.5', '180', '10000': never an exponent, never trailing zeros."""
    return format(number.normalize(), "f")


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with exactly these columns, with their line numbers (utf-8-sig: Excel adds a BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path}, line 1: columns must be {','.join(columns)}")
        rows = []
        for record in reader:
            if None in record or any(value is None for value in record.values()):
                raise ValueError(f"{path}, line {reader.line_num}: expected {len(columns)} fields")
            rows.append((reader.line_num, {key: value.strip() for key, value in record.items()}))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def _source_and_mark(row: dict[str, str], where: str) -> None:
    if not row["source"]:
        raise ValueError(f"{where}: source is empty")
    if row["mark"] not in MARKS:
        raise ValueError(f"{where}: mark must be V, S or M, not {row['mark']!r}")


def _colour(text: str, where: str) -> str:
    if text not in COLOURS:
        raise ValueError(f"{where}: colour must be one of {', '.join(COLOURS)}, not {text!r}")
    return text


def _decimal(text: str, where: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{where}: {name} {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{where}: {name} must be a number >= 0, not {text!r}")
    return value


def load_factors(path: Path | None = None) -> tuple[FactorValue, ...]:
    """The allowed values of L, E and C; a ValueError names the file and line of the first bad row."""
    path = path or DATA_DIR / "lec_factors.csv"
    values: list[FactorValue] = []
    for line, row in _read(path, _FACTOR_COLUMNS):
        where = f"{path}, line {line}"
        if row["factor"] not in FACTORS:
            raise ValueError(f"{where}: factor must be L, E or C, not {row['factor']!r}")
        value = _decimal(row["value"], where, "value")
        if value == 0:
            raise ValueError(f"{where}: value must be above 0")
        if any(v.factor == row["factor"] and v.value == value for v in values):
            raise ValueError(f"{where}: {row['factor']} = {row['value']} repeats")
        _source_and_mark(row, where)
        values.append(FactorValue(row["factor"], value, row["meaning"], row["source"], row["mark"]))
    missing = [f for f in FACTORS if not any(v.factor == f for v in values)]
    if missing:
        raise ValueError(f"{path}: no values for {', '.join(missing)}")
    return tuple(values)


def load_bands(path: Path | None = None) -> tuple[Band, ...]:
    """LEC bands, most severe first; minimums must fall strictly and the last band must start at 0."""
    path = path or DATA_DIR / "lec_bands.csv"
    bands: list[Band] = []
    for line, row in _read(path, _BAND_COLUMNS):
        where = f"{path}, line {line}"
        if not row["band"] or not row["name"]:
            raise ValueError(f"{where}: band and name are required")
        if any(b.band == row["band"] for b in bands):
            raise ValueError(f"{where}: band {row['band']} repeats")
        minimum = _decimal(row["minimum"], where, "minimum")
        if bands and minimum >= bands[-1].minimum:
            raise ValueError(
                f"{where}: minimum {row['minimum']} must be below the band above ({bands[-1].minimum})"
            )
        if row["inclusive"] not in {"yes", "no"}:
            raise ValueError(f"{where}: inclusive must be yes or no, not {row['inclusive']!r}")
        colour = _colour(row["colour"], where)
        if bands and COLOURS.index(colour) > COLOURS.index(bands[-1].colour):
            raise ValueError(
                f"{where}: colour {colour} is more severe than the band above ({bands[-1].colour})"
            )
        _source_and_mark(row, where)
        bands.append(
            Band(
                row["band"],
                row["name"],
                colour,
                minimum,
                row["inclusive"] == "yes",
                row["source"],
                row["mark"],
            )
        )
    if bands[-1].minimum != 0 or not bands[-1].inclusive:
        raise ValueError(f"{path}: the last band must start at 0 inclusive, so that every D has a band")
    return tuple(bands)


def load_matrix(path: Path | None = None) -> tuple[Cell, ...]:
    """The matrix cells; the grid must be complete (1..n × 1..m) and never milder up and to the right."""
    path = path or DATA_DIR / "risk_matrix.csv"
    cells: dict[tuple[int, int], Cell] = {}
    for line, row in _read(path, _CELL_COLUMNS):
        where = f"{path}, line {line}"
        axes = []
        for axis in ("likelihood", "severity"):
            if not row[axis].isdigit() or int(row[axis]) < 1:
                raise ValueError(f"{where}: {axis} must be a whole number from 1, not {row[axis]!r}")
            axes.append(int(row[axis]))
        key = (axes[0], axes[1])
        if key in cells:
            raise ValueError(f"{where}: cell likelihood {key[0]} × severity {key[1]} repeats")
        _source_and_mark(row, where)
        cells[key] = Cell(key[0], key[1], _colour(row["colour"], where), row["source"], row["mark"])
    rows = max(k[0] for k in cells)
    columns = max(k[1] for k in cells)
    for likelihood in range(1, rows + 1):
        for severity in range(1, columns + 1):
            cell = cells.get((likelihood, severity))
            if cell is None:
                raise ValueError(f"{path}: cell likelihood {likelihood} × severity {severity} is missing")
            for lower in (cells.get((likelihood - 1, severity)), cells.get((likelihood, severity - 1))):
                if lower is not None and COLOURS.index(lower.colour) > COLOURS.index(cell.colour):
                    raise ValueError(
                        f"{path}: cell {likelihood} × {severity} ({cell.colour}) is milder than cell "
                        f"{lower.likelihood} × {lower.severity} ({lower.colour})"
                    )
    return tuple(sorted(cells.values(), key=lambda c: (c.likelihood, c.severity)))


@cache
def _default_factors() -> tuple[FactorValue, ...]:
    return load_factors()


@cache
def _default_bands() -> tuple[Band, ...]:
    return load_bands()


@cache
def _default_matrix() -> tuple[Cell, ...]:
    return load_matrix()


def _number(raw: Number, name: str) -> Decimal:
    # bool is an int, and True as "1" would be a silent mistake.
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise TypeError(f"{name} must be a number, not {type(raw).__name__}")
    try:
        # repr() of a float is its shortest exact decimal: 0.1 stays 0.1, not 0.1000000000000000055...
        value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, not {raw!r}")
    return value


def factor_values(factor: str, factors: Sequence[FactorValue] | None = None) -> tuple[Decimal, ...]:
    """The allowed values of one factor ("L", "E" or "C"), highest first."""
    table = _default_factors() if factors is None else factors
    return tuple(sorted((v.value for v in table if v.factor == factor), reverse=True))


def lec_band(score: Decimal, bands: Sequence[Band] | None = None) -> Band:
    """The band of a D value (any D >= 0, not only products of the tables)."""
    if not score.is_finite() or score < 0:
        raise ValueError(f"D must be a number >= 0, not {score}")
    for band in _default_bands() if bands is None else bands:
        if band.reached(score):
            return band
    raise ValueError(f"no band for D = {score}")  # unreachable with a checked table: the last starts at 0


def lec(
    likelihood: Number,
    exposure: Number,
    consequence: Number,
    *,
    factors: Sequence[FactorValue] | None = None,
    bands: Sequence[Band] | None = None,
) -> Assessment:
    """D = L × E × C and its band; each input must be a value of its table (ValueError names the input)."""
    table = _default_factors() if factors is None else factors
    inputs: list[tuple[str, Decimal]] = []
    for factor, raw in (("L", likelihood), ("E", exposure), ("C", consequence)):
        name = f"{FACTORS[factor]} ({factor})"
        value = _number(raw, name)
        allowed = factor_values(factor, table)
        match = next((v for v in allowed if v == value), None)
        if match is None:
            raise ValueError(f"{name} must be one of {', '.join(plain(v) for v in allowed)}, not {raw}")
        inputs.append((FACTORS[factor], match))
    score = inputs[0][1] * inputs[1][1] * inputs[2][1]
    band = lec_band(score, bands)
    sources = dict.fromkeys(
        [v.source for v in table if (FACTORS[v.factor], v.value) in inputs] + [band.source]
    )
    return Assessment(
        method="lec",
        colour=band.colour,
        level_name=RISK_LEVEL_NAMES[band.colour],
        band=band.band,
        band_name=band.name,
        score=Decimal(plain(score)),
        inputs=tuple(inputs),
        source="；".join(sources),
    )


def matrix(likelihood: int, severity: int, *, cells: Sequence[Cell] | None = None) -> Assessment:
    """The colour of the matrix cell likelihood × severity; the score is their product."""
    grid = _default_matrix() if cells is None else cells
    for name, value, axis in (
        ("likelihood", likelihood, [c.likelihood for c in grid]),
        ("severity", severity, [c.severity for c in grid]),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be a whole number, not {type(value).__name__}")
        if value not in axis:
            raise ValueError(f"{name} must be a whole number from 1 to {max(axis)}, not {value}")
    cell = next(c for c in grid if c.likelihood == likelihood and c.severity == severity)
    return Assessment(
        method="matrix",
        colour=cell.colour,
        level_name=RISK_LEVEL_NAMES[cell.colour],
        band=cell.colour,
        band_name=RISK_LEVEL_NAMES[cell.colour],
        score=Decimal(likelihood * severity),
        inputs=(("likelihood", Decimal(likelihood)), ("severity", Decimal(severity))),
        source=cell.source,
    )
