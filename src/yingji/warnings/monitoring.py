"""Observations in, threshold crossings out: each station's readings are evaluated in time order against its
rule (rules/thresholds.py, with hysteresis), and a raised level alerts the station owner's and the city's duty
officers."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.models import User
from yingji.core.notify import notify
from yingji.core.scoping import scoped
from yingji.rules import thresholds
from yingji.warnings.models import Observation, Station, StationAlert

MAX_BATCH = 5000
WHOLE_DIGITS = 10  # Observation.value: 14 digits, 4 after the point
VALUE_LIMIT, VALUE_STEP = Decimal(10) ** WHOLE_DIGITS, Decimal("0.0001")
LEVEL_NAMES = {
    "blue": gettext_lazy("blue"),
    "yellow": gettext_lazy("yellow"),
    "orange": gettext_lazy("orange"),
    "red": gettext_lazy("red"),
}


def _parse(rows, stations: dict[str, Station]) -> list[tuple[Station, datetime.datetime, Decimal]]:
    """Every row checked; a ValidationError names each bad row and field (nothing is stored then)."""
    errors: dict[str, list[str]] = {}
    parsed = []
    now = timezone.now()
    if not isinstance(rows, list) or not rows or len(rows) > MAX_BATCH:
        raise ValidationError(
            {"observations": [_("Send a list of 1 to %(n)s observations.") % {"n": MAX_BATCH}]}
        )
    for i, row in enumerate(rows):
        where = f"observations[{i}]"
        if not isinstance(row, dict):
            errors[where] = [_("Each observation is an object with station, time and value.")]
            continue
        station = stations.get(str(row.get("station", "")))
        if station is None:
            errors[f"{where}.station"] = [_("Unknown station, or one outside your organisation.")]
        when = parse_datetime(str(row.get("time", "")))
        if when is None or timezone.is_naive(when):
            errors[f"{where}.time"] = [
                _("Write the time as ISO 8601 with its offset, e.g. 2026-07-01T08:00:00+08:00.")
            ]
        elif when > now + datetime.timedelta(minutes=5):
            errors[f"{where}.time"] = [_("The time lies in the future.")]
        try:
            value = Decimal(str(row.get("value")))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"{where}.value"] = [_("The value must be a number.")]
            continue
        if abs(value) >= VALUE_LIMIT or abs(value.quantize(VALUE_STEP)) >= VALUE_LIMIT:  # the column's size
            errors[f"{where}.value"] = [DecimalValidator.messages["max_whole_digits"] % {"max": WHOLE_DIGITS}]
            continue
        if station is not None and when is not None and not timezone.is_naive(when):
            parsed.append((station, when, value))
    if errors:
        raise ValidationError(errors)
    return parsed


@transaction.atomic
def ingest(user, rows) -> dict:
    """Store new observations (a station and time already held is skipped) and evaluate them; return counts.

    `user` may report for the stations they may change; None is a trusted channel (the stations' MQTT broker,
    warnings/mqtt.py) that reports for every station."""
    codes = (
        {str(r.get("station", "")) for r in rows if isinstance(r, dict)} if isinstance(rows, list) else set()
    )
    candidates = Station.objects.select_for_update()
    if user is not None:
        candidates = scoped(candidates, user, "change")
    stations = {s.code: s for s in candidates.filter(code__in=codes)}
    parsed = _parse(rows, stations)
    keys = {(s.pk, t) for s, t, _v in parsed}
    held = set(
        Observation.objects.filter(
            Q(station_id__in={s.pk for s, _t, _v in parsed}), observed_at__in={t for _s, t, _v in parsed}
        ).values_list("station_id", "observed_at")
    )
    new = {}
    for station, when, value in parsed:
        if (station.pk, when) not in held:
            new[(station.pk, when)] = Observation(station=station, observed_at=when, value=value)
    Observation.objects.bulk_create(new.values(), ignore_conflicts=True)
    by_station: dict[int, list[Observation]] = {}
    for (pk, _t), observation in new.items():
        by_station.setdefault(pk, []).append(observation)
    alerts = []
    for station in {s.pk: s for s, _t, _v in parsed}.values():
        alerts += _evaluate(station, sorted(by_station.get(station.pk, []), key=lambda o: o.observed_at))
    return {"received": len(parsed), "stored": len(new), "duplicates": len(keys) - len(new), "alerts": alerts}


def _evaluate(station: Station, observations: list[Observation]) -> list[dict]:
    """Readings older than the station's last one are stored but do not move its state (it moved on)."""
    rule = station.threshold_rule()
    last = station.last_observed_at
    fresh = [o for o in observations if last is None or o.observed_at > last]
    if not fresh:
        return []
    state = thresholds.State(station.level or None)
    raised = []
    for observation in fresh:
        if rule is None:
            continue
        state, crossing = thresholds.evaluate(rule, state, observation.value)
        if crossing is None:
            continue
        alert = StationAlert.objects.create(
            station=station,
            observed_at=observation.observed_at,
            previous=crossing.previous or "",
            level=crossing.level or "",
            raised=crossing.raised,
            value=crossing.value,
            edge=crossing.edge,
        )
        raised.append(
            {"station": station.code, "level": alert.level, "raised": alert.raised, "value": str(alert.value)}
        )
        if crossing.raised:
            _alert_duty(station, alert)
    station.level = state.level or ""
    station.last_observed_at = fresh[-1].observed_at
    # The station's state follows from its readings: no change-log entry per reading (the crossings are the
    # StationAlerts), one UPDATE instead of five queries a station and batch.
    Station.objects.filter(pk=station.pk).update(
        level=station.level, last_observed_at=station.last_observed_at, updated_at=timezone.now()
    )
    return raised


def _alert_duty(station: Station, alert: StationAlert) -> None:
    officers = User.objects.filter(
        Q(organisation=station.owner)
        | Q(organisation__division=station.division.parent or station.division)
        | Q(organisation__division__level="city"),
        role__in=["duty", "office"],
        is_active=True,
    )
    subject = _("%(station)s reached %(level)s: %(value)s") % {
        "station": station.name,
        "level": LEVEL_NAMES.get(alert.level, alert.level),
        "value": format(alert.value.normalize(), "f"),  # 100, not 1E+2
    }
    from yingji.warnings.proposals import draft_url

    link = draft_url(alert)
    body = "\n".join(
        [
            _("%(station)s (%(code)s) measured %(value)s at %(time)s, past the threshold of %(edge)s.")
            % {
                "station": station.name,
                "code": station.code,
                "value": format(alert.value.normalize(), "f"),
                "time": timezone.localtime(alert.observed_at).strftime("%Y-%m-%d %H:%M"),
                "edge": format(alert.edge.normalize(), "f"),
            },
            _("Consider a warning for the area of this station."),
            _("Draft it from this alert: %(link)s") % {"link": link},
        ]
    )
    notify(officers.distinct(), subject, body, link=link)
