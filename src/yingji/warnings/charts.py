"""A station's recent observations against its thresholds, as the geometry of an inline SVG chart.

The page draws it on the server (templates/warnings/_station_chart.html): no script, no asset from elsewhere, so
it works on an offline intranet and in print. Times are shown in the platform's time zone.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from yingji.rules import thresholds
from yingji.warnings.models import Colour

WIDTH, HEIGHT = 900, 340
LEFT, RIGHT, TOP, BOTTOM = 60, 18, 42, 44
# Level colours as on the maps (app.css .map-pin-*); yellow text is darkened to stay readable on white.
COLOURS = {"blue": "#1c64d8", "yellow": "#f5c400", "orange": "#f08c00", "red": "#c81e1e", "": "#495057"}
TEXT_COLOURS = {**COLOURS, "yellow": "#9a7b00"}
# The unit a kind of station reports in, for a station without a threshold rule (a rule names its own).
KIND_UNITS = {
    "rain": "mm",
    "river": "m",
    "reservoir": "m",
    "wind": "m/s",
    "displacement": "mm",
    "gas": "%",
    "visibility": "m",
}
TICK_STEPS = [
    datetime.timedelta(hours=h) for h in (1, 2, 3, 6, 12, 24, 48, 72, 168)
]  # x ticks: the first step giving at most 8 ticks


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM
    x_ticks: list[tuple[str, str]] = field(default_factory=list)  # (x, label)
    y_ticks: list[tuple[str, str]] = field(default_factory=list)  # (y, label)
    lines: list[dict] = field(default_factory=list)  # thresholds: y, level, value, colour, text colour
    points: list[dict] = field(default_factory=list)  # x, y, level, colour, time, value
    path: str = ""
    unit: str = ""


def plain(value: Decimal) -> str:
    """12.5000 → 12.5, 1E+2 → 100."""
    return format(value.normalize(), "f")


def threshold_rows(rule: thresholds.Rule | None) -> list[dict]:
    """A rule's levels for a table: level, its label and colour, the comparison that enters it, value, source."""
    if rule is None:
        return []
    rising = rule.direction is thresholds.Direction.RISING
    sign = ("≥" if rule.inclusive else ">") if rising else ("≤" if rule.inclusive else "<")
    return [
        {
            "level": t.level,
            "label": Colour(t.level).label,
            "colour": COLOURS[t.level],
            "sign": sign,
            "value": plain(t.value),
            "unit": rule.unit,
            "source": t.source,
        }
        for t in rule.thresholds
    ]


def _nice_step(span: float, count: int = 5) -> float:
    raw = span / count if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    if step < 1 and round(step * 10**decimals) % 10 == 5:  # 0.25, 2.5 ...
        decimals += 1
    return f"{value:.{decimals}f}"


def _level_of(rule, value: Decimal) -> str:
    """The most severe level whose threshold the value reaches (the colour of its point)."""
    if rule is None:
        return ""
    reached = [t.level for t in rule.thresholds if rule.beyond(value, t.value)]
    return reached[-1] if reached else ""


def station_chart(
    observations: list[tuple[datetime.datetime, Decimal]],
    rule: thresholds.Rule | None,
    start: datetime.datetime,
    end: datetime.datetime,
    unit: str = "",
) -> Chart | None:
    """The chart of `observations` (time order) between `start` and `end`, with one dashed line per threshold of
    `rule`; None without observations. `unit` is the readings' unit when there is no rule."""
    if not observations:
        return None
    chart = Chart(unit=rule.unit if rule else unit)
    levels = list(rule.thresholds) if rule else []
    values = [float(v) for _t, v in observations] + [float(t.value) for t in levels]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    step = _nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if high - low < step * 2:
        high = low + step * 2

    x0, x1, y0, y1 = chart.left, chart.right, chart.bottom, chart.top
    span = max((end - start).total_seconds(), 1.0)

    def x_of(when: datetime.datetime) -> float:
        return x0 + (x1 - x0) * min(max((when - start).total_seconds() / span, 0.0), 1.0)

    def y_of(value: float) -> float:
        return y0 - (y0 - y1) * (value - low) / (high - low)

    n = 0
    while True:
        tick = low + n * step
        if tick > high + step / 1000:
            break
        chart.y_ticks.append((f"{y_of(tick):.1f}", _tick_label(tick, step)))
        n += 1

    local_start = timezone.localtime(start)
    every = next(
        (s for s in TICK_STEPS if (end - start) / s <= 8), TICK_STEPS[-1]
    )  # a day for a week of readings
    if every >= datetime.timedelta(days=1):
        tick = local_start.replace(hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
        label = "%m-%d"
    else:
        hours = int(every.total_seconds() // 3600)
        tick = local_start.replace(minute=0, second=0, microsecond=0)
        tick += datetime.timedelta(hours=(hours - tick.hour % hours) % hours or hours)
        label = "%H:%M"
    while tick <= end:
        if tick >= start:
            chart.x_ticks.append((f"{x_of(tick):.1f}", tick.strftime(label)))
        tick += every

    for threshold in levels:
        chart.lines.append(
            {
                "y": f"{y_of(float(threshold.value)):.1f}",
                "level": threshold.level,
                "label": Colour(threshold.level).label,
                "value": plain(threshold.value),
                "colour": COLOURS[threshold.level],
                "text_colour": TEXT_COLOURS[threshold.level],
            }
        )

    # A gap much longer than the usual interval breaks the line (the station was silent).
    gaps = sorted((b[0] - a[0]).total_seconds() for a, b in zip(observations, observations[1:], strict=False))
    usual = gaps[len(gaps) // 2] if gaps else 0
    parts, previous = [], None
    for when, value in observations:
        x, y = x_of(when), y_of(float(value))
        level = _level_of(rule, value)
        chart.points.append(
            {
                "x": f"{x:.1f}",
                "y": f"{y:.1f}",
                "level": level,
                "colour": COLOURS[level],
                "time": timezone.localtime(when),
                "value": plain(value),
            }
        )
        broken = previous is None or (usual and (when - previous).total_seconds() > 3 * usual)
        parts.append(f"{'M' if broken else 'L'}{x:.1f} {y:.1f}")
        previous = when
    chart.path = " ".join(parts)
    return chart
