"""What can be searched by distance: a registry of sources, each a kind of located record.

A module registers a source in its AppConfig.ready():

    from yingji.resources.nearest import register_source

    register_source(
        "warehouse",
        _("Warehouses"),
        queryset=lambda user, filters: ...,  # a QuerySet of a `Located` model, narrowed by `filters`
        describe=lambda obj: {"quantity": ...},  # extra fields for one result (shown in the list and the API)
        filters={"item": _("Item (id)")},  # the query parameters it understands, for forms and docs
    )

`queryset(user, filters)` gets the request's query parameters as a plain dict of strings, applies scoping
(`scoped(..., user)`) and its filters, and raises `django.core.exceptions.ValidationError({"param": message})`
for a bad value: the API answers 400 naming that parameter. `describe(obj)` returns a dict merged into the
result after the common fields (id, kind, name, latitude, longitude, km, url).

`find()` is the one search used by the API, the nearest page and the incident panel.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yingji.resources.geo import GREAT_CIRCLE, Distance, nearest

MAX_K = 100


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    queryset: Callable[[object, dict], QuerySet]
    describe: Callable[[object], dict]
    filters: dict = field(default_factory=dict)


SOURCES: dict[str, Source] = {}


def register_source(
    kind: str,
    label,
    queryset: Callable[[object, dict], QuerySet],
    describe: Callable[[object], dict] | None = None,
    filters: dict | None = None,
) -> None:
    """Make records of `kind` searchable by distance (registering a kind again replaces it)."""
    SOURCES[kind] = Source(kind, label, queryset, describe or (lambda obj: {}), dict(filters or {}))


def sources() -> list[Source]:
    return list(SOURCES.values())


@dataclass
class Point:
    lat: float
    lon: float


def parse_point(params: dict) -> Point:
    """lat and lon from query parameters; a ValidationError names the bad one."""
    errors = {}
    values = {}
    for name, limit in (("lat", 90), ("lon", 180)):
        raw = (params.get(name) or "").strip()
        if not raw:
            errors[name] = _("This parameter is required.")
            continue
        try:
            value = float(raw)
        except ValueError:
            errors[name] = _("Not a number: %(value)s") % {"value": raw[:40]}
            continue
        if not -limit <= value <= limit:
            errors[name] = _("Must lie between -%(limit)s and %(limit)s.") % {"limit": limit}
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return Point(values["lat"], values["lon"])


def parse_k(params: dict, default: int = 10) -> int:
    raw = (params.get("k") or "").strip()
    if not raw:
        return default
    try:
        k = int(raw)
    except ValueError:
        raise ValidationError({"k": _("Not a whole number: %(value)s") % {"value": raw[:40]}}) from None
    if not 1 <= k <= MAX_K:
        raise ValidationError({"k": _("Must lie between 1 and %(max)s.") % {"max": MAX_K}})
    return k


def parse_kind(params: dict) -> Source:
    kind = (params.get("kind") or "").strip()
    if kind not in SOURCES:
        raise ValidationError(
            {
                "kind": _("Unknown kind %(kind)s; one of: %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(SOURCES)}
            }
        )
    return SOURCES[kind]


def parse_max_km(params: dict) -> float | None:
    raw = (params.get("max_km") or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError({"max_km": _("Not a number: %(value)s") % {"value": raw[:40]}}) from None
    if not 0 < value <= 20100:
        raise ValidationError({"max_km": _("Must be more than 0 and at most 20100.")})
    return value


def find(
    user,
    kind: str,
    lat: float,
    lon: float,
    k: int = 10,
    filters: dict | None = None,
    max_km: float | None = None,
    distance: Distance = GREAT_CIRCLE,
) -> list[dict]:
    """The k records of `kind` nearest to (lat, lon) that `user` may see and that pass `filters`."""
    source = SOURCES[kind]
    queryset = source.queryset(user, dict(filters or {}))
    results = []
    for obj, value in nearest(queryset, lat, lon, k, max_km=max_km, distance=distance):
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        results.append(
            {
                "id": obj.pk,
                "kind": kind,
                "name": str(obj),
                "latitude": float(obj.latitude),
                "longitude": float(obj.longitude),
                "km": round(value, 3),
                "url": url,
                **source.describe(obj),
            }
        )
    return results


def search(user, params: dict) -> tuple[Source, Point, int, list[dict]]:
    """Validate query parameters (lat, lon, kind, k, max_km and the kind's filters) and search."""
    errors = {}
    point = source = None
    k = 10
    max_km = None
    for parse in (parse_point, parse_kind, parse_k, parse_max_km):
        try:
            value = parse(params)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if parse is parse_point:
            point = value
        elif parse is parse_kind:
            source = value
        elif parse is parse_k:
            k = value
        else:
            max_km = value
    if errors:
        raise ValidationError(errors)
    filters = {
        key: params[key] for key in params if key not in {"lat", "lon", "kind", "k", "max_km", "format"}
    }
    return source, point, k, find(user, source.kind, point.lat, point.lon, k, filters, max_km=max_km)
