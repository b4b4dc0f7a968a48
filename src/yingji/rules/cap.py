"""CAP (Common Alerting Protocol, OASIS) messages: a typed model, building CAP 1.2 XML, and reading CAP 1.1 and 1.2.

``to_xml(alert)`` gives CAP 1.2 that validates against the OASIS schema (``data/cap12.xsd``, a copy of
``shared/standards/cap12.xsd``) and passes the rules beyond the schema that validators check (DOMAIN.md
section 7); ``parse(xml)`` reads a message from elsewhere and raises ``CapError`` listing every problem, each
naming the element (``alert/info[1]/area[2]/polygon[1]``), the line and the rule broken. A parsed message is
either whole or refused: nothing is returned half-read.

Rules enforced by ``check`` (on every built message and every parsed one):

- times (``sent``, ``effective``, ``onset``, ``expires``, the times in ``references``) are
  ``YYYY-MM-DDThh:mm:ss±hh:mm``: an explicit offset, no ``Z``, no fractional seconds. UTC is written
  ``-00:00`` as CAP 1.2 (3.3.2) asks; ``+00:00`` is accepted when reading.
- ``identifier`` and ``sender`` hold no whitespace, commas, ``<`` or ``&``.
- ``references``: space-separated ``sender,identifier,sent``; an Update or a Cancel must have at least one.
- ``scope`` Restricted needs ``restriction``; Private needs ``addresses`` (CAP 1.2, 3.2.1).
- ``polygon``: at least 4 ``lat,lon`` pairs separated by whitespace, the first equal to the last; latitudes
  in −90..90, longitudes in −180..180. ``circle``: ``lat,lon radius`` with the radius in km, ≥ 0.
- ``areaDesc``, ``event``, at least one ``category``, ``resourceDesc`` and (CAP 1.2) ``mimeType`` are required;
  ``ceiling`` needs ``altitude``.

Reading: the root must be ``alert`` in the 1.1 or the 1.2 namespace; a DOCTYPE is refused (no entity can
expand); elements must be known, in the schema's order and of the schema's counts; text values are trimmed,
and an empty optional element counts as absent; an XML signature (``ds:Signature``) is allowed and ignored (it
is not verified). A 1.2 message is checked against the XSD as well, after our own checks.

The model holds what CAP holds: a parsed 1.1 alert becomes the same ``Alert`` and is written back as 1.2. Text
values are kept as given; ``to_xml`` trims them and leaves out empty optional ones, so
``parse(to_xml(alert)) == alert`` for an alert whose texts have no surrounding whitespace.

China's profile, GB/T 35965.1-2018 [S] (DOMAIN.md section 7): identifiers
``ZZZZZZDDDEEEEE_YYYYMMDDhhmmss_N`` (``make_identifier`` / ``parse_identifier``) and titles
"…发布暴雨橙色预警[Ⅱ级/严重]" (``headline``); the colour to CAP severity table is data
(``data/cap_levels.csv``).
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

# lxml ships no type hints and lxml-stubs is not a dependency: the few calls made are typed by hand below.
from lxml import etree  # type: ignore[import-untyped]

DATA_DIR = Path(__file__).with_name("data")
XSD_PATH = DATA_DIR / "cap12.xsd"
BEIJING = ZoneInfo("Asia/Shanghai")

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP11 = "urn:oasis:names:tc:emergency:cap:1.1"
VERSIONS: dict[str, str] = {CAP12: "1.2", CAP11: "1.1"}
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
# Message types that must say which earlier messages they refer to (DOMAIN.md section 7).
NEEDS_REFERENCES = frozenset({"Update", "Cancel"})
DEFAULT_LANGUAGE = "en-US"  # the schema's default when <language> is absent

_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})")
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"({_NUMBER}),({_NUMBER})")
_CIRCLE = re.compile(rf"({_NUMBER}),({_NUMBER})\s+({_NUMBER})")
_DECIMAL = re.compile(_NUMBER)
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
_FORBIDDEN_ID = re.compile(r"[\s,<&]")
# Characters XML 1.0 cannot carry at all (lxml refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_GB_IDENTIFIER = re.compile(r"(\d{6})(\d{3})(\d{5})_(\d{14})_(\d)")
MAX_OFFSET = timedelta(hours=14)  # xs:dateTime allows −14:00..+14:00


# ------------------------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (an element path), what, and the source line when reading XML."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line else ""
        return f"{self.where}{at}: {self.message}"


class CapError(ValueError):
    """A message that is not valid CAP; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid CAP message")


# ------------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class NamedValue:
    """A valueName / value pair: eventCode, parameter, geocode."""

    value_name: str
    value: str


@dataclass(frozen=True)
class Reference:
    """An earlier message: ``sender,identifier,sent``."""

    sender: str
    identifier: str
    sent: datetime

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{format_time(self.sent)}"


@dataclass(frozen=True)
class Polygon:
    """Points as (lat, lon), the first equal to the last."""

    points: tuple[tuple[Decimal, Decimal], ...]

    def text(self) -> str:
        return " ".join(f"{_plain(lat)},{_plain(lon)}" for lat, lon in self.points)


@dataclass(frozen=True)
class Circle:
    lat: Decimal
    lon: Decimal
    radius_km: Decimal

    def text(self) -> str:
        return f"{_plain(self.lat)},{_plain(self.lon)} {_plain(self.radius_km)}"


@dataclass(frozen=True)
class Area:
    area_desc: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()
    altitude: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True)
class Resource:
    resource_desc: str
    mime_type: str | None  # required by CAP 1.2, optional in 1.1
    size: int | None = None
    uri: str | None = None
    deref_uri: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class Info:
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    language: str = "zh-CN"
    response_types: tuple[str, ...] = ()
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[NamedValue, ...] = ()
    resources: tuple[Resource, ...] = ()
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    codes: tuple[str, ...] = ()
    note: str | None = None
    references: tuple[Reference, ...] = ()
    incidents: str | None = None
    infos: tuple[Info, ...] = ()

    def reference(self) -> Reference:
        """How a later Update or Cancel refers to this message."""
        return Reference(self.sender, self.identifier, self.sent)


# ------------------------------------------------------------------------------------------------------------
# Times and numbers


def _plain(number: Decimal) -> str:
    """A decimal as CAP writes it: no exponent ('1E+1' would not parse back)."""
    return format(number, "f")


def _offset_problem(value: datetime) -> str | None:
    offset = value.utcoffset()
    if offset is None:
        return "has no time zone; CAP times need an explicit UTC offset"
    if offset % timedelta(minutes=1):
        return f"has a UTC offset of {offset}, which is not whole minutes"
    if abs(offset) > MAX_OFFSET:
        return f"has a UTC offset of {offset}, beyond ±14:00"
    if value.microsecond:
        return "has fractional seconds; CAP allows whole seconds only (use .replace(microsecond=0))"
    return None


def format_time(value: datetime) -> str:
    """'2026-07-01T08:00:00+08:00' in the datetime's own offset; UTC as '-00:00' (CAP 1.2, 3.3.2)."""
    problem = _offset_problem(value)
    if problem:
        raise CapError([Problem("time", f"{value.isoformat()} {problem}")])
    offset = cast(timedelta, value.utcoffset())
    sign = "-" if offset <= timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )


def parse_time(text: str, where: str = "time", line: int | None = None) -> datetime:
    """A CAP time as an aware datetime in its own offset; CapError says what is wrong with the text."""

    def fail(message: str) -> CapError:
        return CapError([Problem(where, f"{text!r} {message}", line)])

    match = _TIME.fullmatch(text)
    if match is None:
        if text.endswith(("Z", "z")):
            raise fail("ends in 'Z'; CAP needs a numeric offset such as +08:00 (UTC is -00:00)")
        if re.fullmatch(r".*T\d\d:\d\d:\d\d[.,]\d+.*", text):
            raise fail("has fractional seconds; CAP allows whole seconds only")
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", text):
            raise fail("has no UTC offset; CAP needs one, such as +08:00")
        raise fail("is not a CAP time; write it as 2026-07-01T08:00:00+08:00")
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    if int(off_m) >= 60:
        raise fail("has an offset with more than 59 minutes")
    offset = timedelta(hours=int(off_h), minutes=int(off_m))
    if offset > MAX_OFFSET:
        raise fail("has an offset beyond ±14:00")
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )
    except ValueError:
        raise fail("is not a real date and time") from None


# ------------------------------------------------------------------------------------------------------------
# Checks of the model (the rules beyond the schema)


class _Checker:
    def __init__(self, version: str) -> None:
        self.version = version
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def text(self, where: str, value: str | None, required: bool = False) -> None:
        if value is None or not value.strip():
            if required:
                self.add(where, "is required and must not be empty")
            return
        bad = _NOT_XML.search(value)
        if bad:
            self.add(where, f"holds the character U+{ord(bad.group()):04X}, which XML cannot carry")

    def identifier(self, where: str, value: str) -> None:
        self.text(where, value, required=True)
        bad = _FORBIDDEN_ID.search(value)
        if bad:
            shown = "whitespace" if bad.group().isspace() else repr(bad.group())
            self.add(where, f"{value!r} holds {shown}; CAP forbids spaces, commas, '<' and '&' here")

    def choice(self, where: str, value: str, allowed: Sequence[str]) -> None:
        if value not in allowed:
            self.add(where, f"{value!r} is not one of {', '.join(allowed)}")

    def time(self, where: str, value: datetime | None) -> None:
        if value is None:
            return
        problem = _offset_problem(value)
        if problem:
            self.add(where, problem)

    def lat_lon(self, where: str, lat: Decimal, lon: Decimal) -> None:
        if not lat.is_finite() or not -90 <= lat <= 90:
            self.add(where, f"latitude {lat} is outside -90..90 (CAP writes lat,lon: latitude first)")
        if not lon.is_finite() or not -180 <= lon <= 180:
            self.add(where, f"longitude {lon} is outside -180..180")

    def pairs(self, where: str, pairs: Sequence[NamedValue]) -> None:
        for i, pair in enumerate(pairs, 1):
            self.text(f"{where}[{i}]/valueName", pair.value_name, required=True)
            self.text(f"{where}[{i}]/value", pair.value)

    def alert(self, alert: Alert) -> None:
        self.identifier("alert/identifier", alert.identifier)
        self.identifier("alert/sender", alert.sender)
        self.time("alert/sent", alert.sent)
        self.choice("alert/status", alert.status, STATUSES)
        self.choice("alert/msgType", alert.msg_type, MSG_TYPES)
        self.choice("alert/scope", alert.scope, SCOPES)
        for name, value in (
            ("source", alert.source),
            ("restriction", alert.restriction),
            ("addresses", alert.addresses),
            ("note", alert.note),
            ("incidents", alert.incidents),
        ):
            self.text(f"alert/{name}", value)
        if alert.scope == "Restricted" and not (alert.restriction or "").strip():
            self.add("alert/restriction", "is required when scope is Restricted")
        if alert.scope == "Private" and not (alert.addresses or "").strip():
            self.add("alert/addresses", "is required when scope is Private")
        for i, code in enumerate(alert.codes, 1):
            self.text(f"alert/code[{i}]", code, required=True)
        if alert.msg_type in NEEDS_REFERENCES and not alert.references:
            self.add(
                "alert/references",
                f"a{'n' if alert.msg_type == 'Update' else ''} {alert.msg_type} must reference the message(s) it "
                "updates or cancels, as 'sender,identifier,sent'",
            )
        for i, reference in enumerate(alert.references, 1):
            where = f"alert/references[{i}]"
            self.identifier(f"{where}/sender", reference.sender)
            self.identifier(f"{where}/identifier", reference.identifier)
            self.time(f"{where}/sent", reference.sent)
        for i, info in enumerate(alert.infos, 1):
            self.info(f"alert/info[{i}]", info)

    def info(self, where: str, info: Info) -> None:
        if not _LANGUAGE.fullmatch(info.language):
            self.add(f"{where}/language", f"{info.language!r} is not a language tag such as zh-CN")
        if not info.categories:
            self.add(f"{where}/category", "at least one category is required")
        for category in info.categories:
            self.choice(f"{where}/category", category, CATEGORIES)
        self.text(f"{where}/event", info.event, required=True)
        for response in info.response_types:
            self.choice(f"{where}/responseType", response, RESPONSE_TYPES)
        self.choice(f"{where}/urgency", info.urgency, URGENCIES)
        self.choice(f"{where}/severity", info.severity, SEVERITIES)
        self.choice(f"{where}/certainty", info.certainty, CERTAINTIES)
        self.pairs(f"{where}/eventCode", info.event_codes)
        for name in ("effective", "onset", "expires"):
            self.time(f"{where}/{name}", getattr(info, name))
        for name, value in (
            ("audience", info.audience),
            ("senderName", info.sender_name),
            ("headline", info.headline),
            ("description", info.description),
            ("instruction", info.instruction),
            ("web", info.web),
            ("contact", info.contact),
        ):
            self.text(f"{where}/{name}", value)
        if info.web and re.search(r"\s", info.web.strip()):
            self.add(f"{where}/web", "a URL must not contain whitespace")
        self.pairs(f"{where}/parameter", info.parameters)
        for i, resource in enumerate(info.resources, 1):
            self.resource(f"{where}/resource[{i}]", resource)
        for i, area in enumerate(info.areas, 1):
            self.area(f"{where}/area[{i}]", area)

    def resource(self, where: str, resource: Resource) -> None:
        self.text(f"{where}/resourceDesc", resource.resource_desc, required=True)
        self.text(f"{where}/mimeType", resource.mime_type, required=self.version == "1.2")
        if resource.size is not None and resource.size < 0:
            self.add(f"{where}/size", f"{resource.size} is negative")
        for name, value in (
            ("uri", resource.uri),
            ("derefUri", resource.deref_uri),
            ("digest", resource.digest),
        ):
            self.text(f"{where}/{name}", value)

    def area(self, where: str, area: Area) -> None:
        self.text(f"{where}/areaDesc", area.area_desc, required=True)
        for i, polygon in enumerate(area.polygons, 1):
            path = f"{where}/polygon[{i}]"
            if len(polygon.points) < 4:
                self.add(
                    path,
                    f"has {len(polygon.points)} points; a polygon needs at least 4, the first repeated last",
                )
            elif polygon.points[0] != polygon.points[-1]:
                first, last = polygon.points[0], polygon.points[-1]
                self.add(
                    path,
                    f"is not closed: the first point {_plain(first[0])},{_plain(first[1])} must equal the last "
                    f"{_plain(last[0])},{_plain(last[1])}",
                )
            for lat, lon in polygon.points:
                self.lat_lon(path, lat, lon)
        for i, circle in enumerate(area.circles, 1):
            path = f"{where}/circle[{i}]"
            self.lat_lon(path, circle.lat, circle.lon)
            if not circle.radius_km.is_finite() or circle.radius_km < 0:
                self.add(path, f"radius {circle.radius_km} km must be a number >= 0")
        self.pairs(f"{where}/geocode", area.geocodes)
        if area.ceiling is not None and area.altitude is None:
            self.add(f"{where}/ceiling", "needs altitude (CAP: ceiling is used only with altitude)")
        for name, value in (("altitude", area.altitude), ("ceiling", area.ceiling)):
            if value is not None and not value.is_finite():
                self.add(f"{where}/{name}", f"{value} is not a number")


def check(alert: Alert, version: str = "1.2") -> list[Problem]:
    """Every way ``alert`` breaks the CAP rules (for ``version`` "1.2" or "1.1"); empty when it is valid."""
    checker = _Checker(version)
    checker.alert(alert)
    return checker.problems


# ------------------------------------------------------------------------------------------------------------
# Building XML


def _sub(parent: Any, name: str, text: str | None = None) -> Any:
    node = etree.SubElement(parent, f"{{{CAP12}}}{name}")
    if text is not None:
        node.text = text
    return node


def _optional(parent: Any, name: str, text: str | None) -> None:
    if text is not None and text.strip():
        _sub(parent, name, text.strip())


def _pairs(parent: Any, name: str, pairs: Sequence[NamedValue]) -> None:
    for pair in pairs:
        node = _sub(parent, name)
        _sub(node, "valueName", pair.value_name.strip())
        _sub(node, "value", pair.value.strip())


def to_xml(alert: Alert) -> bytes:
    """The alert as CAP 1.2 XML (UTF-8, with declaration); CapError lists every rule the alert breaks."""
    problems = check(alert, "1.2")
    if problems:
        raise CapError(problems)
    root = etree.Element(f"{{{CAP12}}}alert", nsmap={None: CAP12})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", format_time(alert.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    _optional(root, "source", alert.source)
    _sub(root, "scope", alert.scope)
    _optional(root, "restriction", alert.restriction)
    _optional(root, "addresses", alert.addresses)
    for code in alert.codes:
        _sub(root, "code", code.strip())
    _optional(root, "note", alert.note)
    if alert.references:
        _sub(root, "references", " ".join(r.text() for r in alert.references))
    _optional(root, "incidents", alert.incidents)
    for info in alert.infos:
        _info_xml(_sub(root, "info"), info)
    return cast(bytes, etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _info_xml(node: Any, info: Info) -> None:
    _sub(node, "language", info.language)
    for category in info.categories:
        _sub(node, "category", category)
    _sub(node, "event", info.event.strip())
    for response in info.response_types:
        _sub(node, "responseType", response)
    _sub(node, "urgency", info.urgency)
    _sub(node, "severity", info.severity)
    _sub(node, "certainty", info.certainty)
    _optional(node, "audience", info.audience)
    _pairs(node, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        value: datetime | None = getattr(info, name)
        if value is not None:
            _sub(node, name, format_time(value))
    _optional(node, "senderName", info.sender_name)
    _optional(node, "headline", info.headline)
    _optional(node, "description", info.description)
    _optional(node, "instruction", info.instruction)
    _optional(node, "web", info.web)
    _optional(node, "contact", info.contact)
    _pairs(node, "parameter", info.parameters)
    for resource in info.resources:
        child = _sub(node, "resource")
        _sub(child, "resourceDesc", resource.resource_desc.strip())
        _sub(child, "mimeType", (resource.mime_type or "").strip())
        if resource.size is not None:
            _sub(child, "size", str(resource.size))
        _optional(child, "uri", resource.uri)
        _optional(child, "derefUri", resource.deref_uri)
        _optional(child, "digest", resource.digest)
    for area in info.areas:
        child = _sub(node, "area")
        _sub(child, "areaDesc", area.area_desc.strip())
        for polygon in area.polygons:
            _sub(child, "polygon", polygon.text())
        for circle in area.circles:
            _sub(child, "circle", circle.text())
        _pairs(child, "geocode", area.geocodes)
        if area.altitude is not None:
            _sub(child, "altitude", _plain(area.altitude))
        if area.ceiling is not None:
            _sub(child, "ceiling", _plain(area.ceiling))


# ------------------------------------------------------------------------------------------------------------
# Reading XML


class _Node(Protocol):
    """The part of lxml's element that the reader uses."""

    @property
    def tag(self) -> object: ...  # a str for elements; a function for comments and processing instructions

    @property
    def text(self) -> str | None: ...

    @property
    def sourceline(self) -> int | None: ...

    def __iter__(self) -> Iterator[_Node]: ...

    def __len__(self) -> int: ...


# (name, minimum, maximum or None for unbounded), in the schema's order.
Spec = tuple[tuple[str, int, int | None], ...]
_ALERT: Spec = (
    ("identifier", 1, 1),
    ("sender", 1, 1),
    ("sent", 1, 1),
    ("status", 1, 1),
    ("msgType", 1, 1),
    ("source", 0, 1),
    ("scope", 1, 1),
    ("restriction", 0, 1),
    ("addresses", 0, 1),
    ("code", 0, None),
    ("note", 0, 1),
    ("references", 0, 1),
    ("incidents", 0, 1),
    ("info", 0, None),
)
_INFO: Spec = (
    ("language", 0, 1),
    ("category", 1, None),
    ("event", 1, 1),
    ("responseType", 0, None),
    ("urgency", 1, 1),
    ("severity", 1, 1),
    ("certainty", 1, 1),
    ("audience", 0, 1),
    ("eventCode", 0, None),
    ("effective", 0, 1),
    ("onset", 0, 1),
    ("expires", 0, 1),
    ("senderName", 0, 1),
    ("headline", 0, 1),
    ("description", 0, 1),
    ("instruction", 0, 1),
    ("web", 0, 1),
    ("contact", 0, 1),
    ("parameter", 0, None),
    ("resource", 0, None),
    ("area", 0, None),
)
_RESOURCE: Spec = (
    ("resourceDesc", 1, 1),
    ("mimeType", 0, 1),  # required in 1.2: checked by ``check`` with the version
    ("size", 0, 1),
    ("uri", 0, 1),
    ("derefUri", 0, 1),
    ("digest", 0, 1),
)
_AREA: Spec = (
    ("areaDesc", 1, 1),
    ("polygon", 0, None),
    ("circle", 0, None),
    ("geocode", 0, None),
    ("altitude", 0, 1),
    ("ceiling", 0, 1),
)
_PAIR_SPEC: Spec = (("valueName", 1, 1), ("value", 1, 1))


class _Invalid(Exception):
    """A value that could not be read; its problem is already recorded."""


class _Children:
    """The children of one element, by local name, after checking names, order and counts."""

    def __init__(self, reader: _Reader, node: _Node, where: str, spec: Spec, allow_signature: bool = False):
        self.reader = reader
        self.where = where
        reader.lines[where] = node.sourceline
        self.by_name: dict[str, list[_Node]] = {name: [] for name, _, _ in spec}
        self.repeatable = {name for name, _, maximum in spec if maximum != 1}
        order = {name: i for i, (name, _, _) in enumerate(spec)}
        last: tuple[int, str] | None = None
        for child in node:
            if not isinstance(child.tag, str):
                continue  # a comment or processing instruction
            namespace, _, local = (
                child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
            )
            if namespace == XMLDSIG and allow_signature:
                continue
            if namespace != reader.namespace:
                shown = f"{{{namespace}}}{local}" if namespace else local
                reader.add(where, f"element {shown} is not in the CAP namespace {reader.namespace}", child)
                continue
            if local not in order:
                reader.add(where, f"unknown element <{local}>", child)
                continue
            if last is not None and order[local] < last[0]:
                reader.add(
                    f"{where}/{local}", f"must come before <{last[1]}> (the schema fixes the order)", child
                )
            last = (order[local], local)
            self.by_name[local].append(child)
        for name, minimum, maximum in spec:
            count = len(self.by_name[name])
            if count < minimum:
                reader.add(f"{where}/{name}", "is required but missing", node)
            if maximum is not None and count > maximum:
                reader.add(f"{where}/{name}", f"may appear at most {maximum} time(s), found {count}", node)

    def nodes(self, name: str) -> list[tuple[str, _Node]]:
        found = self.by_name[name]
        if name not in self.repeatable:
            result = [(f"{self.where}/{name}", node) for node in found]
        else:
            result = [(f"{self.where}/{name}[{i}]", node) for i, node in enumerate(found, 1)]
        for where, node in result:
            self.reader.lines.setdefault(where, node.sourceline)
        return result

    def texts(self, name: str) -> list[tuple[str, _Node, str]]:
        result = []
        for where, node in self.nodes(name):
            if len(node):
                self.reader.add(where, "must hold text, not elements", node)
                continue
            result.append((where, node, (node.text or "").strip()))
        return result

    def optional(self, name: str) -> str | None:
        values = [text for _, _, text in self.texts(name) if text]
        return values[0] if values else None

    def required(self, name: str) -> str:
        """The text; a missing element was reported already, an empty one is reported here."""
        found = self.texts(name)
        if not found:
            return ""
        where, node, text = found[0]
        if not text:
            self.reader.add(where, "must not be empty", node)
        return text

    def many(self, name: str) -> list[str]:
        result = []
        for where, node, text in self.texts(name):
            if not text:
                self.reader.add(where, "must not be empty", node)
            result.append(text)
        return result

    def time(self, name: str, required: bool = False) -> datetime | None:
        text = self.required(name) if required else self.optional(name)
        if not text:
            return None
        where, node = self.nodes(name)[0]
        try:
            return parse_time(text, where, node.sourceline)
        except CapError as exc:
            self.reader.problems.extend(exc.problems)
            return None

    def decimal(self, name: str) -> Decimal | None:
        text = self.optional(name)
        if text is None:
            return None
        if not _DECIMAL.fullmatch(text):
            where, node = self.nodes(name)[0]
            self.reader.add(where, f"{text!r} is not a decimal number", node)
            return None
        return Decimal(text)

    def pairs(self, name: str) -> tuple[NamedValue, ...]:
        result = []
        for where, node in self.nodes(name):
            children = _Children(self.reader, node, where, _PAIR_SPEC)
            result.append(NamedValue(children.required("valueName"), children.optional("value") or ""))
        return tuple(result)


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.problems: list[Problem] = []
        self.lines: dict[str, int | None] = {}  # element path → source line, for the problems check() finds

    def line(self, where: str) -> int | None:
        """The line of the element at ``where``, or of its nearest ancestor that was read."""
        path = where
        while path:
            if self.lines.get(path):
                return self.lines[path]
            path = path.rpartition("/")[0]
        return None

    def add(self, where: str, message: str, node: _Node | None = None) -> None:
        self.problems.append(Problem(where, message, node.sourceline if node is not None else None))

    def choice(self, children: _Children, name: str, allowed: Sequence[str]) -> str:
        value = children.required(name)
        if value and value not in allowed:
            where, node = children.nodes(name)[0]
            self.add(where, f"{value!r} is not one of {', '.join(allowed)}", node)
        return value

    def choices(self, children: _Children, name: str, allowed: Sequence[str]) -> tuple[str, ...]:
        values = children.many(name)
        for (where, node), value in zip(children.nodes(name), values, strict=True):
            if value and value not in allowed:
                self.add(where, f"{value!r} is not one of {', '.join(allowed)}", node)
        return tuple(values)

    def alert(self, node: _Node) -> Alert:
        c = _Children(self, node, "alert", _ALERT, allow_signature=True)
        sent = c.time("sent", required=True)
        return Alert(
            identifier=c.required("identifier"),
            sender=c.required("sender"),
            sent=sent or datetime.min.replace(tzinfo=UTC),
            status=self.choice(c, "status", STATUSES),
            msg_type=self.choice(c, "msgType", MSG_TYPES),
            scope=self.choice(c, "scope", SCOPES),
            source=c.optional("source"),
            restriction=c.optional("restriction"),
            addresses=c.optional("addresses"),
            codes=tuple(c.many("code")),
            note=c.optional("note"),
            references=self.references(c),
            incidents=c.optional("incidents"),
            infos=tuple(self.info(where, child) for where, child in c.nodes("info")),
        )

    def references(self, c: _Children) -> tuple[Reference, ...]:
        text = c.optional("references")
        if text is None:
            return ()
        where, node = c.nodes("references")[0]
        result = []
        for i, item in enumerate(text.split(), 1):
            parts = item.split(",")
            if len(parts) != 3 or not all(parts):
                self.add(where, f"reference {i} {item!r} must be 'sender,identifier,sent'", node)
                continue
            try:
                sent = parse_time(parts[2], f"{where}[{i}]/sent", node.sourceline)
            except CapError as exc:
                self.problems.extend(exc.problems)
                continue
            result.append(Reference(parts[0], parts[1], sent))
        return tuple(result)

    def info(self, where: str, node: _Node) -> Info:
        c = _Children(self, node, where, _INFO)
        return Info(
            language=c.optional("language") or DEFAULT_LANGUAGE,
            categories=self.choices(c, "category", CATEGORIES),
            event=c.required("event"),
            response_types=self.choices(c, "responseType", RESPONSE_TYPES),
            urgency=self.choice(c, "urgency", URGENCIES),
            severity=self.choice(c, "severity", SEVERITIES),
            certainty=self.choice(c, "certainty", CERTAINTIES),
            audience=c.optional("audience"),
            event_codes=c.pairs("eventCode"),
            effective=c.time("effective"),
            onset=c.time("onset"),
            expires=c.time("expires"),
            sender_name=c.optional("senderName"),
            headline=c.optional("headline"),
            description=c.optional("description"),
            instruction=c.optional("instruction"),
            web=c.optional("web"),
            contact=c.optional("contact"),
            parameters=c.pairs("parameter"),
            resources=tuple(self.resource(w, child) for w, child in c.nodes("resource")),
            areas=tuple(self.area(w, child) for w, child in c.nodes("area")),
        )

    def resource(self, where: str, node: _Node) -> Resource:
        c = _Children(self, node, where, _RESOURCE)
        size_text = c.optional("size")
        size = None
        if size_text is not None:
            if re.fullmatch(r"[+-]?\d+", size_text):
                size = int(size_text)
            else:
                w, n = c.nodes("size")[0]
                self.add(w, f"{size_text!r} is not a whole number of bytes", n)
        return Resource(
            resource_desc=c.required("resourceDesc"),
            mime_type=c.optional("mimeType"),
            size=size,
            uri=c.optional("uri"),
            deref_uri=c.optional("derefUri"),
            digest=c.optional("digest"),
        )

    def area(self, where: str, node: _Node) -> Area:
        c = _Children(self, node, where, _AREA)
        return Area(
            area_desc=c.required("areaDesc"),
            polygons=tuple(self._each(c, "polygon", self.polygon)),
            circles=tuple(self._each(c, "circle", self.circle)),
            geocodes=c.pairs("geocode"),
            altitude=c.decimal("altitude"),
            ceiling=c.decimal("ceiling"),
        )

    def _each(self, c: _Children, name: str, read: Callable[[str], Any]) -> Iterator[Any]:
        for where, node, text in c.texts(name):
            try:
                yield read(text)
            except _Invalid as exc:
                self.add(where, str(exc), node)

    @staticmethod
    def polygon(text: str) -> Polygon:
        points = []
        for i, pair in enumerate(text.split(), 1):
            match = _PAIR.fullmatch(pair)
            if match is None:
                raise _Invalid(
                    f"point {i} {pair!r} is not 'lat,lon' (decimal degrees, points separated by spaces)"
                )
            points.append((Decimal(match.group(1)), Decimal(match.group(2))))
        return Polygon(tuple(points))

    @staticmethod
    def circle(text: str) -> Circle:
        match = _CIRCLE.fullmatch(text)
        if match is None:
            raise _Invalid(f"{text!r} is not 'lat,lon radius' (decimal degrees, a space, the radius in km)")
        return Circle(Decimal(match.group(1)), Decimal(match.group(2)), Decimal(match.group(3)))


def _parser() -> Any:
    # No DTD, no entities, no network: a message from outside cannot make us fetch or expand anything.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
    )


def _document(data: bytes) -> _Node:
    if not isinstance(data, bytes):
        raise TypeError(f"CAP XML must be bytes, not {type(data).__name__}")
    if not data.strip():
        raise CapError([Problem("document", "is empty; expected a CAP <alert>")])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapError([Problem("document", f"is not well-formed XML: {exc.msg}", exc.lineno)]) from None
    if root.getroottree().docinfo.doctype:
        raise CapError(
            [Problem("document", "has a DOCTYPE; CAP messages must not declare a DTD or entities", 1)]
        )
    return cast(_Node, root)


def parse(data: bytes) -> Alert:
    """Read a CAP 1.1 or 1.2 message; CapError lists every problem, each with its element, line and rule."""
    root = _document(data)
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local != "alert":
        raise CapError(
            [Problem("document", f"the root element is <{local}>, not a CAP <alert>", root.sourceline)]
        )
    if namespace not in VERSIONS:
        found = f"namespace {namespace!r}" if namespace else "no namespace"
        raise CapError(
            [
                Problem(
                    "alert",
                    f"has {found}; expected {CAP12} (CAP 1.2) or {CAP11} (CAP 1.1)",
                    root.sourceline,
                )
            ]
        )
    version = VERSIONS[namespace]
    reader = _Reader(namespace)
    alert = reader.alert(root)
    if reader.problems:
        raise CapError(reader.problems)
    problems = check(alert, version)
    if problems:
        raise CapError([Problem(p.where, p.message, reader.line(p.where)) for p in problems])
    if version == "1.2":
        validate(data)
    return alert


# ------------------------------------------------------------------------------------------------------------
# The XSD


_local = threading.local()


def _schema() -> Any:
    # One compiled schema per thread: lxml's validators keep their error log on the object.
    schema = getattr(_local, "schema", None)
    if schema is None:
        schema = etree.XMLSchema(etree.parse(str(XSD_PATH), _parser()))
        _local.schema = schema
    return schema


def validate(data: bytes) -> None:
    """Validate CAP 1.2 XML against the OASIS schema (``data/cap12.xsd``); CapError lists the schema's errors."""
    root = _document(data)
    schema = _schema()
    if not schema.validate(root):
        problems = [Problem("schema", str(error.message), int(error.line)) for error in schema.error_log]
        raise CapError(problems or [Problem("schema", "the message does not validate against CAP 1.2")])


# ------------------------------------------------------------------------------------------------------------
# GB/T 35965.1 identifiers, levels and titles


@dataclass(frozen=True)
class GbIdentifier:
    """``ZZZZZZDDDEEEEE_YYYYMMDDhhmmss_N``: division (GB/T 2260, 6 digits), agency (3), extension (3 + 2, kept as
    5), issue time in Beijing time, sequence 0–9."""

    division: str
    agency: str
    extension: str
    issued: datetime
    sequence: int

    def __str__(self) -> str:
        return (
            f"{self.division}{self.agency}{self.extension}_{self.issued.astimezone(BEIJING):%Y%m%d%H%M%S}_"
            f"{self.sequence}"
        )


def make_identifier(
    division: str, agency: str, issued: datetime, sequence: int = 0, extension: str = "00000"
) -> str:
    """A GB/T 35965.1 identifier; ``issued`` (aware) is written in Beijing time. ValueError names the part."""
    for name, value, size in (("division", division, 6), ("agency", agency, 3), ("extension", extension, 5)):
        if not re.fullmatch(rf"\d{{{size}}}", value):
            raise ValueError(f"{name} must be {size} digits, not {value!r}")
    if issued.utcoffset() is None:
        raise ValueError("issued must be an aware datetime")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 9:
        raise ValueError(f"sequence must be a whole number from 0 to 9, not {sequence!r}")
    return str(
        GbIdentifier(division, agency, extension, issued.astimezone(BEIJING).replace(microsecond=0), sequence)
    )


def parse_identifier(identifier: str) -> GbIdentifier:
    """Read a GB/T 35965.1 identifier; CapError says which part is wrong."""

    def fail(message: str) -> CapError:
        return CapError([Problem("alert/identifier", f"{identifier!r} {message}")])

    match = _GB_IDENTIFIER.fullmatch(identifier)
    if match is None:
        raise fail(
            "is not a GB/T 35965.1 identifier: 14 digits (division 6, agency 3, extension 5), '_', the issue time "
            "YYYYMMDDhhmmss, '_', a sequence digit 0-9"
        )
    division, agency, extension, stamp, sequence = match.groups()
    try:
        issued = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    except ValueError:
        raise fail(f"has the issue time {stamp}, which is not a real date and time") from None
    return GbIdentifier(division, agency, extension, issued, int(sequence))


def is_gb_identifier(identifier: str) -> bool:
    try:
        parse_identifier(identifier)
    except CapError:
        return False
    return True


@dataclass(frozen=True)
class Level:
    """A warning level: colour, names, and its CAP severity."""

    colour: str
    colour_name: str  # 橙色
    level: int  # 2
    level_name: str  # Ⅱ级
    grade_name: str  # 严重
    severity: str  # Severe
    source: str
    mark: str


_LEVEL_COLUMNS = ("colour", "colour_name", "level", "level_name", "grade_name", "severity", "source", "mark")


def load_levels(path: Path | None = None) -> tuple[Level, ...]:
    """The colour / level / CAP severity table; a ValueError names the file and line."""
    path = path or DATA_DIR / "cap_levels.csv"
    levels: list[Level] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != _LEVEL_COLUMNS:
            raise ValueError(f"{path}, line 1: columns must be {','.join(_LEVEL_COLUMNS)}")
        for record in reader:
            where = f"{path}, line {reader.line_num}"
            if None in record or any(value is None for value in record.values()):
                raise ValueError(f"{where}: expected {len(_LEVEL_COLUMNS)} fields")
            row = {key: value.strip() for key, value in record.items()}
            if row["severity"] not in SEVERITIES:
                raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
            if not row["level"].isdigit():
                raise ValueError(f"{where}: level must be a whole number")
            if any(level.colour == row["colour"] for level in levels):
                raise ValueError(f"{where}: colour {row['colour']} repeats")
            if not row["source"] or row["mark"] not in {"V", "S", "M"}:
                raise ValueError(f"{where}: source is required and mark must be V, S or M")
            levels.append(
                Level(
                    row["colour"],
                    row["colour_name"],
                    int(row["level"]),
                    row["level_name"],
                    row["grade_name"],
                    row["severity"],
                    row["source"],
                    row["mark"],
                )
            )
    return tuple(levels)


@cache
def levels() -> tuple[Level, ...]:
    """The shipped table, read once."""
    return load_levels()


def level_for(colour: str) -> Level:
    for level in levels():
        if level.colour == colour:
            return level
    raise ValueError(f"colour must be one of {', '.join(level.colour for level in levels())}, not {colour!r}")


def severity_for(colour: str) -> str:
    """red → Extreme, orange → Severe, yellow → Moderate, blue → Minor (common practice [S])."""
    return level_for(colour).severity


def colour_for(severity: str) -> str | None:
    """The colour of an incoming CAP severity; None for Unknown (or a severity no colour maps to)."""
    return next((level.colour for level in levels() if level.severity == severity), None)


def headline(issuer: str, event: str, colour: str) -> str:
    """'梅州市气象台发布暴雨橙色预警[Ⅱ级/严重]' (GB/T 35965.1 style title)."""
    level = level_for(colour)
    return f"{issuer}发布{event}{level.colour_name}预警[{level.level_name}/{level.grade_name}]"
