"""A raised station alert proposes a draft warning: the event type from the station's kind, the level of the
alert, a text naming the station, its value, the threshold and the time, the station's division as the area.

The duty officer opens the proposal (`/warnings/new/?alert=<id>`), edits it and saves: that is an ordinary draft,
authored by whoever saved it, approved by a second person as every draft. The alert then points to it, and
leaves the list of proposals.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from yingji.core.models import DivisionLevel
from yingji.core.scoping import can
from yingji.incidents.models import EventType
from yingji.warnings import services
from yingji.warnings.models import Colour, Station, StationAlert, Warning

# GB/T 35561 event type of the warning a station's crossing proposes.
EVENT_TYPES = {
    Station.Kind.RAIN: "11B03",  # 暴雨事件
    Station.Kind.RIVER: "11A01",  # 洪水
    Station.Kind.RESERVOIR: "11A03",  # 水库重大险情
    Station.Kind.WIND: "11B06",  # 大风事件
    Station.Kind.DISPLACEMENT: "11D01",  # 滑坡事件
    Station.Kind.GAS: "12A01",  # 煤矿瓦斯事故
    Station.Kind.VISIBILITY: "11B17",  # 大雾事件
}
EXPIRES_AFTER = datetime.timedelta(hours=24)
PROPOSAL_DAYS = 7  # older raised alerts are history, not proposals
# The text of a warning is its CAP message's, whose language is zh-CN: written in the platform's language.
WARNING_LANGUAGE = "zh-hans"


def draft_url(alert: StationAlert) -> str:
    return f"{reverse('warnings:warning_from_alert')}?{urlencode({'alert': alert.pk})}"


def _reaches(user, station: Station) -> bool:
    """The station lies in the user's division or below (the area the user may warn)."""
    if user.is_superuser:
        return True
    org = user.organisation
    return org is not None and station.division.path.startswith(org.division.path)


def may_draft(user, station: Station) -> bool:
    return can(user, "add", Warning) and _reaches(user, station)


def alert_for(user, pk) -> StationAlert:
    """A raised alert the user may draft a warning from; 404 for any other (outside the user's division too)."""
    alert = (
        StationAlert.objects.select_related("station__division__parent", "station__owner", "warning")
        .filter(pk=pk, raised=True)
        .first()
        if str(pk).isdigit()
        else None
    )
    if alert is None or not _reaches(user, alert.station):
        raise Http404
    if not can(user, "add", Warning):
        raise PermissionDenied(_("Your role may not draft warnings."))
    return alert


def open_proposals(user, station: Station | None = None, limit: int = 20) -> list[StationAlert]:
    """Raised alerts of the last days with no warning drafted from them (nor from a later alert of the same
    station), that the user may draft from; newest first. One query."""
    if not can(user, "add", Warning):
        return []
    since = timezone.now() - datetime.timedelta(days=PROPOSAL_DAYS)
    drafted_later = StationAlert.objects.filter(
        station=OuterRef("station"),
        raised=True,
        observed_at__gte=OuterRef("observed_at"),
        warning__isnull=False,
    )
    alerts = (
        StationAlert.objects.filter(raised=True, warning__isnull=True, observed_at__gte=since)
        .exclude(Exists(drafted_later))
        .select_related("station__division")
        .order_by("-observed_at", "-pk")
    )
    if station is not None:
        alerts = alerts.filter(station=station)
    if not user.is_superuser:
        if user.organisation is None:
            return []
        alerts = alerts.filter(station__division__path__startswith=user.organisation.division.path)
    return list(alerts[:limit])


def still_open(alerts: list[StationAlert]) -> list[StationAlert]:
    """Of one station's alerts, newest first (as on its page), those `open_proposals` would list: no query."""
    since = timezone.now() - datetime.timedelta(days=PROPOSAL_DAYS)
    found, drafted = [], False
    for alert in alerts:
        if alert.raised and alert.warning_id is not None:
            drafted = True
        elif alert.raised and not drafted and alert.observed_at >= since:
            found.append(alert)
    return found


def area_of(station: Station) -> tuple[list, str]:
    """The divisions a proposal warns (the station's; a village's town, as warnings name no villages) and the area
    description (the county before a town's name: 梅县区松口镇)."""
    division = station.division
    if division.level == DivisionLevel.VILLAGE and division.parent is not None:
        division = division.parent
    name = division.name
    if division.level == DivisionLevel.TOWN and division.parent is not None:
        name = f"{division.parent.name}{division.name}"
    return [division], name


def issuer_for(user, station: Station):
    """The user's organisation when the station lies in its division, else the station's owner."""
    org = user.organisation
    if org is not None and station.division.path.startswith(org.division.path):
        return org
    return station.owner


def texts(alert: StationAlert, issuer_name: str, area: str, event_type) -> dict:
    station = alert.station
    rule = station.threshold_rule()
    unit = rule.unit if rule else ""
    metric = rule.name if rule else station.get_kind_display()
    with translation.override(WARNING_LANGUAGE):
        level = Colour(alert.level).label if alert.level in Colour.values else alert.level
        values = {
            "time": timezone.localtime(alert.observed_at).strftime("%Y-%m-%d %H:%M"),
            "station": station.name,
            "code": station.code,
            "area": area,
            "metric": metric,
            "value": format(alert.value.normalize(), "f"),
            "threshold": format(alert.edge.normalize(), "f"),
            "unit": unit,
            "level": str(level),
        }
        from yingji.rules import cap

        standard = cap.headline(issuer_name, services.event_word(event_type), alert.level)
        headline = _("%(headline)s (%(station)s)") % {"headline": standard, "station": station.name}
        description = (
            _(
                "At %(time)s the monitoring station %(station)s (%(code)s) in %(area)s measured %(metric)s of "
                "%(value)s %(unit)s, reaching the %(level)s threshold of %(threshold)s %(unit)s."
            )
            % values
        )
    return {"headline": headline[:200], "description": description}


def initial(user, alert: StationAlert) -> dict:
    """The warning form's initial values for a proposal."""
    station = alert.station
    event_type = EventType.objects.filter(code=EVENT_TYPES.get(station.kind, "")).first()
    divisions, area = area_of(station)
    issuer = issuer_for(user, station)
    now = services.now().replace(second=0)
    values = {
        "owner": issuer.pk,
        "level": alert.level,
        "divisions": [d.pk for d in divisions],
        "area_desc": area,
        "effective": timezone.localtime(now),
        "expires": timezone.localtime(now + EXPIRES_AFTER),
    }
    if event_type is not None:
        values["event_type"] = event_type.pk
        values.update(texts(alert, issuer.name, area, event_type))
    return values


@transaction.atomic
def draft_from_alert(user, alert: StationAlert, warning: Warning, divisions) -> Warning:
    """Save the proposal as an ordinary draft authored by `user`, and link the alert to it (once: a second
    proposal from the same alert is refused, naming the first)."""
    locked = StationAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.warning_id is not None:
        raise ValidationError(
            _("A warning was already drafted from this alert: %(warning)s") % {"warning": locked.warning}
        )
    if not may_draft(user, alert.station):
        raise PermissionDenied(_("This station lies outside your division."))
    warning = services.save_draft(user, warning, divisions)
    locked.warning = warning
    locked.save(update_fields=["warning"])
    alert.warning = warning
    return warning
