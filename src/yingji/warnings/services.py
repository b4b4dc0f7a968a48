"""Warning use cases: draft, approve (a second person), publish as CAP 1.2, update, cancel, expire; and receive CAP
from elsewhere (upload, push, polled feeds). Every write goes through here, in one transaction."""

import datetime
import math
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.context import acting_as, current
from yingji.core.models import Contact, Division, Organisation, User
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.services import save_scoped, validate
from yingji.rules import cap
from yingji.warnings.models import CapStatus, ExternalWarning, FeedSource, MsgType, Warning

APPROVER_ROLES = ("office", "leader", "admin")
EDITABLE = (Warning.State.DRAFT,)
LIVE = (Warning.State.PUBLISHED,)

# GB/T 35561 top-level codes to CAP categories (11 natural, 12 accidents, 13 public health, 14 social safety).
CATEGORIES = {
    "11A": "Met",
    "11B": "Met",
    "11C": "Geo",
    "11D": "Geo",
    "11E": "Met",
    "11F": "Env",
    "11G": "Fire",
    "12": "Safety",
    "13": "Health",
    "14": "Security",
}


def now():
    """CAP times carry no fractions: the platform's clock to the second."""
    return timezone.now().replace(microsecond=0)


def agency_code() -> str:
    return settings.CAP_AGENCY_CODE


def sender_for(org: Organisation) -> str:
    return settings.CAP_SENDER or f"{org.division.code[:6]}{agency_code()}.yingji"


def _acting(user):
    """Services called outside a request (commands, tests) still log who acted."""
    return acting_as(user) if current().actor() is None else _Null()


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _locked(user, warning: Warning, action: str = "change") -> Warning:
    locked = scoped(Warning.objects.select_for_update(), user, action).filter(pk=warning.pk).first()
    if locked is None:
        raise PermissionDenied(_("This warning is outside your organisation."))
    return locked


# ---- Drafting ----------------------------------------------------------------------------------------------


def event_word(event_type) -> str:
    """暴雨事件 → 暴雨: a warning names the hazard, not the incident class."""
    return event_type.name.removesuffix("事件") or event_type.name


def default_area_desc(divisions) -> str:
    return "、".join(d.name for d in divisions)[:300]


@transaction.atomic
def save_draft(user, warning: Warning, divisions=None) -> Warning:
    """Create or edit a draft. Only drafts change; a published warning is corrected by an Update or a Cancel."""
    with _acting(user):
        if not warning._state.adding:
            stored = _locked(user, warning)
            if stored.state not in EDITABLE:
                raise ValidationError(
                    {
                        "state": _("Only a draft can be edited; this warning is %(state)s.")
                        % {"state": stored.get_state_display()}
                    }
                )
        divisions = list(divisions) if divisions is not None else None
        if divisions is not None:
            outside = [d.name for d in divisions if not d.path.startswith(warning.owner.division.path)]
            if outside:
                raise ValidationError(
                    {
                        "divisions": _("These lie outside the issuing body's division: %(list)s")
                        % {"list": "、".join(outside)}
                    }
                )
        if divisions is not None and not divisions and not warning.polygons and not warning.circles:
            raise ValidationError({"divisions": _("Give the area: divisions, polygons or circles.")})
        if not warning.area_desc and divisions:
            warning.area_desc = default_area_desc(divisions)
        if not warning.headline and warning.event_type_id and warning.level and warning.owner_id:
            warning.headline = cap.headline(
                warning.owner.name, event_word(warning.event_type), warning.level
            )[:200]
        for name in ("effective", "onset", "expires"):
            value = getattr(warning, name)
            if value is not None:
                setattr(warning, name, value.replace(microsecond=0))
        warning.state = Warning.State.DRAFT
        save_scoped(user, warning)
        if divisions is not None:
            warning.divisions.set(divisions)
        if not warning.area_desc:
            raise ValidationError({"area_desc": _("Describe the area (or choose divisions).")})
        return warning


# ---- Approval and publication ------------------------------------------------------------------------------


def may_approve(user, warning: Warning) -> bool:
    return (
        warning.state == Warning.State.DRAFT
        and (user.is_superuser or user.role in APPROVER_ROLES)
        and warning.created_by_id != user.pk
        and in_scope(user, warning, "change")
    )


@transaction.atomic
def approve(user, warning: Warning) -> Warning:
    """A second person approves a draft; the author never approves their own."""
    with _acting(user):
        warning = _locked(user, warning)
        if warning.state != Warning.State.DRAFT:
            raise ValidationError(
                {
                    "state": _("Only a draft is approved; this warning is %(state)s.")
                    % {"state": warning.get_state_display()}
                }
            )
        if warning.created_by_id == user.pk:
            raise PermissionDenied(_("You drafted this warning: a second person must approve it."))
        if not (user.is_superuser or user.role in APPROVER_ROLES):
            raise PermissionDenied(_("Your role may not approve warnings."))
        warning.state, warning.approved_by, warning.approved_at = Warning.State.APPROVED, user, now()
        warning.save()
        return warning


def _chain(warning: Warning) -> list[Warning]:
    """The warnings this one replaces, nearest first."""
    found, seen = [], set()
    earlier = warning.replaces
    while earlier is not None and earlier.pk not in seen:
        seen.add(earlier.pk)
        found.append(earlier)
        earlier = earlier.replaces
    return found


def _categories(code: str) -> tuple[str, ...]:
    return (CATEGORIES.get(code[:3]) or CATEGORIES.get(code[:2]) or "Other",)


def _bj(value):
    return value.astimezone(cap.BEIJING).replace(microsecond=0) if value else None


def build_alert(warning: Warning, public_url: str = "") -> cap.Alert:
    """The CAP 1.2 message of a warning being published (identifier, sender and sent already set)."""
    divisions = list(warning.divisions.all())
    polygons = tuple(
        cap.Polygon(tuple((Decimal(str(lat)), Decimal(str(lon))) for lat, lon in ring))
        for ring in warning.polygons
    )
    circles = tuple(
        cap.Circle(Decimal(str(c["lat"])), Decimal(str(c["lon"])), Decimal(str(c["radius_km"])))
        for c in warning.circles
    )
    area = cap.Area(
        area_desc=warning.area_desc,
        polygons=polygons,
        circles=circles,
        geocodes=tuple(cap.NamedValue("GB/T 2260", d.code) for d in divisions),
    )
    sent = _bj(warning.sent)
    onset = _bj(warning.onset)
    info = cap.Info(
        categories=_categories(warning.event_type.code),
        event=event_word(warning.event_type),
        urgency="Immediate" if onset is None or onset <= sent else "Expected",
        severity=cap.severity_for(warning.level),
        certainty="Likely",
        language="zh-CN",
        response_types=("None",) if warning.msg_type == MsgType.CANCEL else ("Prepare",),
        audience=warning.audience or None,
        event_codes=(cap.NamedValue("GB/T 35561", warning.event_type.code),),
        effective=_bj(warning.effective) or sent,
        onset=onset,
        expires=_bj(warning.expires),
        sender_name=warning.owner.name,
        headline=warning.headline,
        description=warning.description,
        instruction=warning.instruction or None,
        web=public_url or None,
        areas=(area,),
    )
    references = tuple(cap.Reference(w.sender, w.identifier, _bj(w.sent)) for w in reversed(_chain(warning)))
    return cap.Alert(
        identifier=warning.identifier,
        sender=warning.sender,
        sent=sent,
        status=warning.status,
        msg_type=warning.msg_type,
        scope="Public",
        source=warning.owner.name,
        note=_exercise_note(warning),
        references=references,
        infos=(info,),
    )


def _exercise_note(warning: Warning) -> str | None:
    if warning.status == CapStatus.ACTUAL:
        return None
    return "演练信息，非真实预警" if warning.status == CapStatus.EXERCISE else "测试信息，非真实预警"


def _allocate_identifier(warning: Warning, sent) -> str:
    division = warning.owner.division.code[:6]
    for sequence in range(10):
        identifier = cap.make_identifier(division, agency_code(), sent, sequence)
        if not Warning.objects.filter(identifier=identifier).exists():
            return identifier
    raise ValidationError(
        {"identifier": _("Ten messages were issued this second; publish again in a moment.")}
    )


@transaction.atomic
def publish(user, warning: Warning) -> Warning:
    """Send an approved warning: identifier, sent time, the CAP 1.2 XML (checked against the schema), the warning
    it replaces closed, and the area's organisations notified by the worker."""
    with _acting(user):
        warning = _locked(user, warning)
        if warning.state != Warning.State.APPROVED:
            raise ValidationError(
                {
                    "state": _("Only an approved warning is published; this one is %(state)s.")
                    % {"state": warning.get_state_display()}
                }
            )
        if not (user.is_superuser or user.role in APPROVER_ROLES):
            raise PermissionDenied(_("Your role may not publish warnings."))
        return _send(user, warning)


def _send(user, warning: Warning) -> Warning:
    previous = warning.replaces
    if previous is not None:
        previous = Warning.objects.select_for_update().get(pk=previous.pk)
        if previous.state != Warning.State.PUBLISHED:
            raise ValidationError(
                {
                    "replaces": _("%(warning)s is %(state)s: it can no longer be updated or cancelled.")
                    % {"warning": previous, "state": previous.get_state_display()}
                }
            )
    sent = now()
    if warning.expires <= sent:
        raise ValidationError({"expires": _("The warning would expire before it is sent.")})
    warning.sent, warning.sender = sent, sender_for(warning.owner)
    warning.identifier = _allocate_identifier(warning, sent)
    try:
        xml = cap.to_xml(build_alert(warning))
        cap.validate(xml)
    except cap.CapError as exc:
        raise ValidationError({"cap_xml": [str(p) for p in exc.problems]}) from exc
    warning.cap_xml = xml.decode("utf-8")
    warning.state, warning.published_by = Warning.State.PUBLISHED, user
    if warning.effective is None:
        warning.effective = sent
    warning.save()
    if previous is not None:
        previous.state = (
            Warning.State.CANCELLED if warning.msg_type == MsgType.CANCEL else Warning.State.UPDATED
        )
        previous.save()
    from yingji.warnings.tasks import notify_area

    notify_area.enqueue(warning.pk)
    return warning


def _follower(user, warning: Warning, msg_type: str) -> Warning:
    if warning.state != Warning.State.PUBLISHED:
        raise ValidationError(
            {
                "state": _("Only a published warning is updated or cancelled; this one is %(state)s.")
                % {"state": warning.get_state_display()}
            }
        )
    if (
        warning.followers.filter(state__in=[Warning.State.DRAFT, Warning.State.APPROVED]).exists()
        and msg_type == MsgType.UPDATE
    ):
        raise ValidationError({"state": _("An update of this warning is already being prepared.")})
    copy = Warning(
        owner=warning.owner,
        event_type=warning.event_type,
        level=warning.level,
        headline=warning.headline,
        description=warning.description,
        instruction=warning.instruction,
        polygons=warning.polygons,
        circles=warning.circles,
        area_desc=warning.area_desc,
        effective=None,
        onset=warning.onset,
        expires=warning.expires,
        audience=warning.audience,
        status=warning.status,
        msg_type=msg_type,
        replaces=warning,
    )
    return copy


@transaction.atomic
def start_update(user, warning: Warning) -> Warning:
    """A new draft (msgType Update) referring to the published warning; it is approved and published like any
    draft, and then the earlier one reads 'superseded'."""
    with _acting(user):
        warning = _locked(user, warning)
        update = _follower(user, warning, MsgType.UPDATE)
        update.expires = max(warning.expires, now() + datetime.timedelta(hours=1))
        return save_draft(user, update, list(warning.divisions.all()))


@transaction.atomic
def cancel(user, warning: Warning, reason: str = "") -> Warning:
    """One step: a Cancel message referring to the warning is published at once (a cancellation must be fast;
    it is in the change log with who did it)."""
    with _acting(user):
        warning = _locked(user, warning)
        if not may_cancel_as(user):
            raise PermissionDenied(_("Your role may not cancel warnings."))
        message = _follower(user, warning, MsgType.CANCEL)
        message.headline = (_("Cancelled: %(headline)s") % {"headline": warning.headline})[:200]
        message.description = reason.strip() or _("The warning is cancelled.")
        message.instruction = ""
        message.expires = max(warning.expires, now() + datetime.timedelta(hours=1))
        save_draft(user, message, list(warning.divisions.all()))
        message.state, message.approved_by, message.approved_at = Warning.State.APPROVED, user, now()
        message.save()
        return _send(user, message)


def may_cancel_as(user) -> bool:
    """Cancelling publishes a new message at once: office staff and administrators (who may add warnings)."""
    return user.is_superuser or (user.role in APPROVER_ROLES and can(user, "add", Warning))


def expire_due() -> int:
    """Published warnings past their expiry read 'expired' (the public page filters by time already)."""
    count = 0
    for warning in Warning.objects.filter(state=Warning.State.PUBLISHED, expires__lte=timezone.now()):
        with transaction.atomic():
            locked = (
                Warning.objects.select_for_update()
                .filter(pk=warning.pk, state=Warning.State.PUBLISHED)
                .first()
            )
            if locked is not None:
                locked.state = Warning.State.EXPIRED
                locked.save()
                count += 1
    return count


def published_in_force():
    """Published warnings (Actual, Exercise and Test) in force, not Cancel messages."""
    return Warning.objects.filter(state=Warning.State.PUBLISHED, expires__gt=timezone.now()).exclude(
        msg_type=MsgType.CANCEL
    )


def in_force():
    """Actual warnings in force: published, not a Cancel, not expired."""
    return Warning.objects.filter(
        state=Warning.State.PUBLISHED, status=CapStatus.ACTUAL, expires__gt=timezone.now()
    ).exclude(msg_type=MsgType.CANCEL)


def exercises_in_force():
    return (
        Warning.objects.filter(state=Warning.State.PUBLISHED, expires__gt=timezone.now())
        .exclude(status=CapStatus.ACTUAL)
        .exclude(msg_type=MsgType.CANCEL)
    )


# ---- Who is told -------------------------------------------------------------------------------------------


def _inside(lat: float, lon: float, ring) -> bool:
    inside = False
    points = [(float(a), float(b)) for a, b in ring]
    for (y1, x1), (y2, x2) in zip(points, points[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _km(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def area_organisations(warning: Warning):
    """Organisations whose division lies in the warning's divisions, or whose location lies in its shapes."""
    condition = Q(pk__in=[])
    for division in warning.divisions.all():
        condition |= Q(division__path__startswith=division.path)
    pks = set(Organisation.objects.filter(condition).values_list("pk", flat=True))
    if warning.polygons or warning.circles:
        for pk, lat, lon in Organisation.objects.filter(
            latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "latitude", "longitude"):
            lat, lon = float(lat), float(lon)
            if any(_inside(lat, lon, ring) for ring in warning.polygons) or any(
                _km(lat, lon, float(c["lat"]), float(c["lon"])) <= float(c["radius_km"])
                for c in warning.circles
            ):
                pks.add(pk)
    return Organisation.objects.filter(pk__in=pks)


def message_text(warning: Warning) -> tuple[str, str]:
    prefix = "" if warning.is_actual else f"【{warning.get_status_display()}】"
    subject = f"{prefix}{warning.headline}"
    body = "\n\n".join(
        filter(
            None,
            [
                warning.headline,
                warning.description,
                warning.instruction,
                _("Area: %(area)s") % {"area": warning.area_desc},
                _("Expires: %(time)s")
                % {"time": timezone.localtime(warning.expires).strftime("%Y-%m-%d %H:%M")},
                _exercise_note(warning) or "",
            ],
        )
    )
    return subject, body


def notify_area(warning: Warning) -> tuple[int, int]:
    """In-app (and each user's channels) to the users, email to the contacts, of the area's organisations."""
    from yingji.core.notify import notify, notify_contacts

    organisations = area_organisations(warning)
    subject, body = message_text(warning)
    users = User.objects.filter(organisation__in=organisations, is_active=True)
    contacts = Contact.objects.filter(owner__in=organisations)
    sent_to = notify(users, subject, body, link=warning.get_absolute_url())
    deliveries = notify_contacts(contacts, subject, body)
    return len(sent_to), len(deliveries)


# ---- Receiving ---------------------------------------------------------------------------------------------

MAX_CAP_BYTES = 2 * 1024 * 1024


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (where, [problems])

    def summary(self) -> str:
        text = _("%(created)s new, %(duplicates)s already held, %(errors)s rejected") % {
            "created": len(self.created),
            "duplicates": len(self.duplicates),
            "errors": len(self.errors),
        }
        details = "; ".join(f"{where}: {' / '.join(problems)}" for where, problems in self.errors)
        return f"{text}. {details}".strip()


def _cap_version(data: bytes) -> str:
    return "1.1" if b"urn:oasis:names:tc:emergency:cap:1.1" in data else "1.2"


def _pick_info(alert: cap.Alert) -> cap.Info | None:
    if not alert.infos:
        return None
    for info in alert.infos:
        if info.language.lower().startswith("zh"):
            return info
    return alert.infos[0]


def _fields(alert: cap.Alert, data: bytes) -> dict:
    info = _pick_info(alert)
    areas = info.areas if info else ()
    return {
        "status": alert.status,
        "msg_type": alert.msg_type,
        "references": " ".join(r.text() for r in alert.references),
        "cap_version": _cap_version(data),
        "event": (info.event if info else "")[:200],
        "headline": ((info.headline or "") if info else "")[:300],
        "sender_name": ((info.sender_name or "") if info else "")[:200],
        "severity": info.severity if info else "",
        "level": (cap.colour_for(info.severity) or "") if info else "",
        "urgency": info.urgency if info else "",
        "certainty": info.certainty if info else "",
        "description": (info.description or "") if info else "",
        "instruction": (info.instruction or "") if info else "",
        "area_desc": "；".join(a.area_desc for a in areas),
        "polygons": [[[str(lat), str(lon)] for lat, lon in p.points] for a in areas for p in a.polygons],
        "circles": [
            {"lat": str(c.lat), "lon": str(c.lon), "radius_km": str(c.radius_km)}
            for a in areas
            for c in a.circles
        ],
        "effective": (info.effective if info else None) or alert.sent,
        "expires": info.expires if info else None,
    }


def import_cap(user, data: bytes, channel: str, feed: FeedSource | None = None, owner=None):
    """Store one CAP 1.1 / 1.2 message; returns (record, created). The same (sender, identifier, sent) is stored
    once. A malformed message raises CapError naming every problem and stores nothing."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_CAP_BYTES:
        raise cap.CapError([cap.Problem("alert", "the message is larger than 2 MB")])
    alert = cap.parse(data)  # CapError lists every problem; nothing is written before this succeeds
    owner = owner or (feed.owner if feed else getattr(user, "organisation", None))
    if owner is None:
        raise PermissionDenied(_("Received warnings are kept by an organisation; your account has none."))
    if user is not None and not can(user, "add", ExternalWarning):
        raise PermissionDenied(_("Your role may not import warnings."))
    key = {"sender": alert.sender, "identifier": alert.identifier, "sent": alert.sent}
    with _acting(user) if user is not None else _Null():
        try:
            with transaction.atomic():
                existing = ExternalWarning.objects.filter(**key).first()
                if existing is not None:
                    return existing, False
                record = ExternalWarning(
                    **key,
                    **_fields(alert, data),
                    channel=channel,
                    feed=feed,
                    owner=owner,
                    xml=data.decode("utf-8"),
                )
                validate(record)
                record.save()
                _replace_earlier(record, alert)
                return record, True
        except IntegrityError:  # the same alert arriving twice at the same moment
            existing = ExternalWarning.objects.filter(**key).first()
            if existing is None:
                raise
            return existing, False


def _replace_earlier(record: ExternalWarning, alert: cap.Alert) -> None:
    """An Update or Cancel closes the earlier messages it references that we hold (they leave the map)."""
    if alert.msg_type not in ("Update", "Cancel"):
        return
    for reference in alert.references:
        for earlier in ExternalWarning.objects.filter(
            sender=reference.sender, identifier=reference.identifier, sent=reference.sent, replaced_by=None
        ):
            earlier.replaced_by = record
            earlier.save()


def import_many(user, items, channel: str, feed=None) -> ImportResult:
    """Several messages, each all or nothing; the result names every rejected one and why."""
    result = ImportResult()
    for where, data in items:
        try:
            record, created = import_cap(user, data, channel, feed=feed)
        except cap.CapError as exc:
            result.errors.append((where, [str(p) for p in exc.problems]))
            continue
        except ValidationError as exc:
            result.errors.append((where, exc.messages))
            continue
        (result.created if created else result.duplicates).append(record)
    return result


# ---- Polled feeds ------------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
CAP_NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
MAX_FEED_BYTES = 5 * 1024 * 1024


def fetch(url: str, timeout: float = 10.0) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(_("Only http and https URLs are fetched."))
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, headers={"User-Agent": "yingji-warnings/1", "Accept": "*/*"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  (scheme checked above)
        data = response.read(MAX_FEED_BYTES + 1)
    if len(data) > MAX_FEED_BYTES:
        raise ValueError(_("The document is larger than 5 MB."))
    return data


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def feed_items(data: bytes, base_url: str = "") -> list[tuple[str, bytes | str]]:
    """The CAP messages a feed holds: ("where", xml bytes) for embedded ones, ("where", url) for linked ones."""
    from urllib.parse import urljoin

    from lxml import etree

    root = etree.fromstring(data, _xml_parser())
    entries = list(root.iter(f"{ATOM}entry")) or list(root.iter("item"))
    items: list[tuple[str, bytes | str]] = []
    for n, entry in enumerate(entries, 1):
        embedded = [e for ns in CAP_NAMESPACES for e in entry.iter(f"{{{ns}}}alert")]
        if embedded:
            items.append((f"entry {n}", etree.tostring(embedded[0], encoding="utf-8", xml_declaration=True)))
            continue
        links = [
            link.get("href")
            for link in entry.iter(f"{ATOM}link")
            if link.get("href")
            and ("cap" in (link.get("type") or "") or link.get("rel") in (None, "alternate"))
        ]
        links += [e.get("url") for e in entry.iter("enclosure") if e.get("url")]
        links += [(e.text or "").strip() for e in entry.findall("link") if (e.text or "").strip()]
        if links:
            items.append((f"entry {n}", urljoin(base_url, links[0])))
        else:
            items.append((f"entry {n}", b""))
    return items


def poll(source: FeedSource) -> ImportResult:
    """Read a feed once and import what it lists; every entry stands alone (a broken one is reported, the others
    are kept). The result is written on the source."""
    result = ImportResult()
    try:
        items = feed_items(fetch(source.url), source.url)
    except Exception as exc:  # noqa: BLE001  (an unreachable or broken feed is recorded, not raised)
        result.errors.append((source.url, [f"{type(exc).__name__}: {exc}"]))
        items = []
    loaded = []
    for where, item in items:
        if isinstance(item, str):
            try:
                item = fetch(item)
            except Exception as exc:  # noqa: BLE001
                result.errors.append((where, [f"{type(exc).__name__}: {exc}"]))
                continue
        if not item:
            result.errors.append((where, [_("the entry neither embeds nor links a CAP message")]))
            continue
        loaded.append((where, item))
    imported = import_many(None, loaded, ExternalWarning.Channel.FEED, feed=source)
    result.created, result.duplicates = imported.created, imported.duplicates
    result.errors += imported.errors
    FeedSource.objects.filter(pk=source.pk).update(
        last_polled_at=timezone.now(), last_result=result.summary()[:4000]
    )
    return result


def poll_due() -> int:
    """Poll each active source whose interval has passed; a source is claimed by a conditional update, so two
    workers never poll it at once."""
    polled = 0
    moment = timezone.now()
    for source in FeedSource.objects.filter(active=True):
        due = source.last_polled_at is None or source.last_polled_at <= moment - datetime.timedelta(
            minutes=source.interval_minutes
        )
        if not due:
            continue
        claimed = FeedSource.objects.filter(pk=source.pk, last_polled_at=source.last_polled_at).update(
            last_polled_at=moment
        )
        if claimed:
            poll(source)
            polled += 1
    return polled


def divisions_in_reach(user):
    return scoped(Division.objects.all(), user)
