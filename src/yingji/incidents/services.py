"""Use cases of information reporting. Every write to an incident goes through a function here."""

import contextlib
import datetime
import functools
import logging
import math
import tempfile
import uuid
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import changelog
from yingji.core.changelog import history
from yingji.core.context import acting_as as changelog_context
from yingji.core.models import User
from yingji.core.notify import notify
from yingji.core.roles import Role
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.services import save_scoped
from yingji.incidents import documents
from yingji.incidents.models import (
    CASUALTY_FIELDS,
    Attachment,
    EventLogEntry,
    Incident,
    IncidentStatus,
    IncidentTask,
    Intake,
    IntakeState,
    Obligation,
    Rectification,
    ReportDocument,
    RuleTable,
)
from yingji.rules import deadlines, grading

logger = logging.getLogger(__name__)

_as_of: ContextVar[datetime.datetime | None] = ContextVar("yingji_incidents_as_of", default=None)


def clock() -> datetime.datetime:
    """Now, or the moment a historical record is being replayed at (see `as_of`)."""
    return _as_of.get() or timezone.now()


@contextlib.contextmanager
def as_of(moment: datetime.datetime):
    """Replay past events (an import of last year's incidents): logs and deadlines use `moment` as now."""
    token = _as_of.set(moment)
    try:
        yield
    finally:
        _as_of.reset(token)


DUPLICATE_WINDOW = datetime.timedelta(hours=6)
DUPLICATE_RADIUS_KM = 5.0


def policy() -> list[deadlines.PolicyRow]:
    """The newest policy uploaded in the browser, else the file named by settings, else the shipped defaults."""
    return _rules("policy", deadlines.load_policy, settings.REPORTING_POLICY_FILE)


def criteria() -> list[grading.Criterion]:
    return _rules("grading", grading.load_criteria, settings.GRADING_CRITERIA_FILE)


def _rules(kind: str, loader, configured_file: str):
    version = RuleTable.objects.filter(kind=kind).values_list("pk", flat=True).first()
    return _parsed(kind, version, loader, configured_file)


@functools.lru_cache(maxsize=8)
def _parsed(kind: str, version: int | None, loader, configured_file: str):
    if version is None:
        return loader(Path(configured_file) if configured_file else None)
    return parse_table(loader, RuleTable.objects.get(pk=version).content)


def parse_table(loader, content: str):
    """Check a CSV table with the rules' own loader; a ValueError names the line and column at fault."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_text(content, encoding="utf-8")
        try:
            return loader(path)
        except ValueError as exc:
            raise ValidationError({"content": str(exc).replace(str(path), _("the table"))}) from exc


LOADERS = {"policy": deadlines.load_policy, "grading": grading.load_criteria}


@transaction.atomic
def upload_rules(user, kind: str, content: str, note: str) -> RuleTable:
    """A new version of a rule table: checked whole first; nothing changes if any row is wrong."""
    if not can(user, "change", RuleTable):
        raise PermissionDenied(_("Only the system administrator changes the rule tables."))
    if not note.strip():
        raise ValidationError({"note": _("Say what changed and on what authority.")})
    parse_table(LOADERS[kind], content)
    return RuleTable.objects.create(kind=kind, content=content, note=note.strip()[:200], created_by=user)


class StaleVersion(Exception):
    """The incident changed since the caller read it; `changed` names the fields that differ now."""

    def __init__(self, current: Incident, changed: list[str]):
        super().__init__(_("Someone else saved this incident in the meantime."))
        self.current = current
        self.changed = changed


def log(incident: Incident, actor, kind: str, text: str, **data) -> EventLogEntry:
    return EventLogEntry.objects.create(
        time=clock(),
        incident=incident,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
        kind=kind,
        text=text,
        data=data,
    )


def grade_for(event_type, values) -> grading.Grade:
    """Grade the figures in `values` (a mapping; missing ones are unknown) by the city's table."""
    figures = {metric: values.get(metric) for metric in grading.METRICS}
    return grading.grade(event_type.family, figures, criteria())


def grade_of(incident: Incident) -> grading.Grade:
    return grade_for(incident.event_type, {metric: getattr(incident, metric) for metric in grading.METRICS})


def apply_grade(incident: Incident) -> grading.Grade:
    """Grade from the figures unless an officer set the level; the computed basis is kept either way."""
    result = grade_of(incident)
    if not incident.level_overridden:
        incident.level = result.level
        incident.level_basis = list(result.basis)
        incident.level_source = result.source[:300]
    return result


def facts(incident: Incident, *, fresh: bool = False) -> deadlines.IncidentFacts:
    first_done = (
        incident.obligations.filter(kind="first", done_at__isnull=False)
        .order_by("done_at")
        .values_list("done_at", flat=True)
        .first()
        if incident.pk and not fresh
        else None
    )
    return deadlines.IncidentFacts(
        type_code=incident.event_type.code,
        family=incident.event_type.family,
        level=incident.level,
        occurred_at=incident.occurred_at,
        received_at=incident.received_at,
        reporting_level=_reporting_level(incident),
        first_report_done_at=first_done,
        closed_at=incident.closed_at,
    )


def _reporting_level(incident: Incident) -> str:
    level = incident.owner.division.level
    return {"city": "city", "province": "city", "county": "county"}.get(level, "unit")


def sync_obligations(
    incident: Incident, now: datetime.datetime | None = None, *, fresh: bool = False
) -> None:
    """Bring the stored obligations in line with the policy: add, re-date, withdraw; never touch done ones.
    Follow-ups are generated a day ahead while the incident is open, and all the way to its closure once closed."""
    now = now or clock()
    wanted = {
        (o.key, o.sequence): o
        for o in deadlines.obligations(
            facts(incident, fresh=fresh),
            policy(),
            horizon=incident.closed_at or now + datetime.timedelta(days=1),
        )
    }
    existing = {(o.key, o.sequence): o for o in incident.obligations.all()} if not fresh else {}
    new = []
    for key, want in wanted.items():
        have = existing.get(key)
        if have is None:
            new.append(
                Obligation(
                    incident=incident,
                    key=want.key,
                    kind=want.kind,
                    sequence=want.sequence,
                    owed_by=want.owed_by,
                    owed_to=want.owed_to,
                    due_at=want.due_at,
                    source=want.source[:300],
                )
            )
        elif have.done_at is None and (have.due_at != want.due_at or have.withdrawn_at is not None):
            have.due_at, have.withdrawn_at = want.due_at, None
            have.save()
    # One insert for the new ones and one for their change-log rows: intake creates several at once.
    changelog.record_created(Obligation.objects.bulk_create(new))
    for key, have in existing.items():
        if key not in wanted and have.done_at is None and have.withdrawn_at is None:
            have.withdrawn_at = now
            have.save()


def responsible_users(incident: Incident):
    """Office staff, duty officers and leaders whose jurisdiction covers where the incident happened."""
    path = incident.division.path
    candidates = User.objects.filter(
        is_active=True, role__in=[Role.OFFICE, Role.DUTY, Role.LEADER], organisation__isnull=False
    ).select_related("organisation__division")
    return [u for u in candidates if path.startswith(u.organisation.division.path)]


def _notify_upgrade(incident: Incident, old_level, actor) -> None:
    names = grading.LEVEL_NAMES
    subject = _("Upgraded to %(level)s: %(title)s") % {
        "level": names.get(incident.level, "?"),
        "title": incident.title,
    }
    body = "\n".join(incident.level_basis)
    notify(responsible_users(incident), subject, body, link=incident.get_absolute_url())
    log(
        incident,
        actor,
        "upgrade",
        _("Level raised from %(old)s to %(new)s.")
        % {"old": names.get(old_level, "—"), "new": names.get(incident.level, "—")},
    )


@transaction.atomic
def receive(
    user,
    data: dict,
    *,
    channel: str,
    client_uuid: uuid.UUID | None = None,
    caller: dict | None = None,
    intake: Intake | None = None,
) -> tuple[Incident, bool]:
    """Take in a report. The same client id twice returns the first incident (retries, double clicks).
    `intake`: the report as stored by the asynchronous endpoint, linked to the incident instead of a new one."""
    if client_uuid is not None:
        existing = Incident.objects.filter(uuid=client_uuid).first()
        if existing is not None:
            if not in_scope(user, existing):
                raise PermissionDenied(_("This id belongs to a record outside your organisation."))
            _link(intake, existing)
            return existing, False
    incident = Incident(**data)
    incident.uuid = client_uuid or uuid.uuid4()
    incident.channel = channel
    if not getattr(incident, "owner_id", None):
        incident.owner = user.organisation
    apply_grade(incident)
    try:
        with transaction.atomic():
            save_scoped(user, incident)
    except IntegrityError:
        # Another request with the same client id won the race: answer with its incident.
        existing = Incident.objects.filter(uuid=incident.uuid).first()
        if existing is None:
            raise
        _link(intake, existing)
        return existing, False
    if intake is not None:
        _link(intake, incident)
    else:
        caller = caller or {}
        Intake.objects.create(
            owner=incident.owner,
            incident=incident,
            channel=channel,
            received_at=incident.received_at,
            caller_name=caller.get("name", incident.reporter_name),
            caller_phone=caller.get("phone", incident.reporter_phone),
            caller_unit=caller.get("unit", incident.reporter_unit),
            content=_as_received(data),
            state=IntakeState.PROCESSED,
            processed_at=incident.received_at,
        )
    log(
        incident,
        user,
        "received",
        _("Received (%(channel)s): %(title)s")
        % {"channel": incident.get_channel_display(), "title": incident.title},
    )
    sync_obligations(incident, fresh=True)  # a new incident has none yet
    return incident, True


def _link(intake: Intake | None, incident: Incident) -> None:
    if intake is not None:
        intake.incident, intake.state, intake.processed_at = incident, IntakeState.PROCESSED, timezone.now()
        intake.save()


def accept(user, content: dict, *, owner, client_uuid: uuid.UUID | None, channel: str) -> tuple[Intake, bool]:
    """Store a report as received for the worker (asynchronous intake); the caller has checked it with the
    API's rules. One INSERT and nothing else: the intake row is the queue (`process_queued`), and its change-log
    entry is written when it is processed. The same client id twice returns the first intake (also when two
    requests race: the unique constraint decides)."""
    if not can(user, "add", Intake):
        raise PermissionDenied(_("Your role may not make this change."))
    intake = Intake(
        uuid=client_uuid or uuid.uuid4(),
        owner=owner,
        channel=channel,
        caller_name=str(content.get("reporter_name") or "")[:60],
        caller_phone=str(content.get("reporter_phone") or "")[:40],
        caller_unit=str(content.get("reporter_unit") or "")[:200],
        content=content,
        created_by=user,
    )
    try:
        with transaction.atomic():
            Intake.objects.bulk_create([intake])  # no save signals: the change log is the worker's
    except IntegrityError:
        existing = Intake.objects.filter(uuid=intake.uuid).first()
        if existing is None:
            raise
        if not in_scope(user, existing):
            raise PermissionDenied(_("This id belongs to a record outside your organisation.")) from None
        return existing, False
    return intake, True


def process_queued(parse, limit: int = 200) -> int:
    """The worker's loop body: process queued intakes, oldest first; returns how many it took. Several workers
    may run it at once (an intake another one holds is skipped). An intake whose processing fails for a reason
    other than its content stays queued for the next pass, and the others go on."""
    done = 0
    for intake_id in (
        Intake.objects.filter(state=IntakeState.QUEUED).order_by("pk").values_list("pk", flat=True)[:limit]
    ):
        try:
            if process_intake(intake_id, parse) != "busy":
                done += 1
        except Exception:
            logger.exception("Processing intake %s failed; it stays queued", intake_id)
    return done


def process_intake(intake_id: int, parse) -> str:
    """Turn a queued intake into an incident through `receive` (grading, obligations, event log as for any
    report), or reject it with the reason. `parse(content, user)` checks the stored content again and returns
    the values `receive` takes; it raises ValidationError. Returns the intake's state ("busy" when another
    worker holds it)."""
    with transaction.atomic():
        intake = (
            Intake.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("owner__division", "created_by__organisation__division")
            .filter(pk=intake_id)
            .first()
        )
        if intake is None:
            return "busy" if Intake.objects.filter(pk=intake_id).exists() else "missing"
        if intake.state != IntakeState.QUEUED:
            return intake.state
        user = intake.created_by
        with changelog_context(user):
            changelog.record_created([intake])  # as received; its processing is logged by the saves below
            try:
                if user is None or not user.is_active:
                    raise PermissionDenied(_("The account that sent this report is no longer active."))
                with transaction.atomic():  # a refusal undoes everything but the rejection
                    data = parse(intake.content, user)
                    data.setdefault("received_at", intake.received_at)
                    data.setdefault("owner", intake.owner)
                    receive(user, data, channel=intake.channel, client_uuid=intake.uuid, intake=intake)
            except ValidationError as exc:
                _reject(intake, exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
            except PermissionDenied as exc:
                _reject(intake, {"detail": [str(exc)]})
    return intake.state


def _reject(intake: Intake, reason: dict) -> None:
    intake.refresh_from_db()  # the rolled-back attempt may have changed the instance
    intake.state, intake.processed_at, intake.reason = IntakeState.REJECTED, timezone.now(), reason
    intake.save()


def _as_received(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        out[key] = (
            str(value.pk)
            if hasattr(value, "pk")
            else (
                value.isoformat()
                if hasattr(value, "isoformat")
                else (str(value) if value is not None else None)
            )
        )
    return out


def changed_since(incident: Incident, version: int) -> list[str]:
    """The fields others changed after `version`, read from the change log."""
    names: list[str] = []
    for change in history(incident).order_by("time", "pk"):
        if (change.after or {}).get("version", 0) > version:
            for attname, _old, _new in change.changed_fields():
                name = attname.removesuffix("_id")
                if name not in names and name not in ("version", "level_basis", "level_source", "created_by"):
                    names.append(name)
    return names


@transaction.atomic
def update(user, incident: Incident, changes: dict, expected_version: int) -> Incident:
    """Apply `changes` if nobody saved in between; re-grade, recompute obligations, announce an upgrade."""
    current = scoped(Incident.objects.select_for_update(), user, "change").filter(pk=incident.pk).first()
    if current is None:
        raise PermissionDenied(_("This incident is outside your organisation."))
    if current.version != expected_version:
        raise StaleVersion(current, changed_since(current, expected_version))
    old_level, old_type = current.level, current.event_type_id
    for name, value in changes.items():
        setattr(current, name, value)
    if any(name in CASUALTY_FIELDS or name in ("event_type", "level_overridden") for name in changes):
        apply_grade(current)
    current.version += 1
    save_scoped(user, current)
    changed_names = ", ".join(str(Incident._meta.get_field(n).verbose_name) for n in changes)
    if changed_names:
        log(current, user, "update", _("Updated: %(fields)s") % {"fields": changed_names})
    if current.level != old_level or current.event_type_id != old_type:
        sync_obligations(current)
    if grading.upgrade(old_level, current.level):
        _notify_upgrade(current, old_level, user)
    return current


@transaction.atomic
def set_level(user, incident: Incident, level: int | None, reason: str, expected_version: int) -> Incident:
    """An officer sets another level than the computed one; the reason is required and logged."""
    if not reason.strip():
        raise ValidationError({"level_reason": _("Give the reason for setting the level by hand.")})
    changes = {"level_overridden": level is not None, "level_reason": reason.strip()}
    if level is not None:
        changes["level"] = level
    updated = update(user, incident, changes, expected_version)
    log(
        updated,
        user,
        "level",
        _("Level set by hand to %(level)s: %(reason)s")
        % {"level": grading.LEVEL_NAMES.get(level, _("computed")), "reason": reason},
    )
    return updated


@transaction.atomic
def complete_obligation(
    user,
    obligation: Obligation,
    done_at: datetime.datetime | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Obligation:
    """Record a report as made. After its deadline it is late (迟报) and needs the reason."""
    now = now or clock()
    done_at = done_at or now
    if not in_scope(user, obligation.incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    if obligation.done_at is not None:
        raise ValidationError(_("This report was already recorded as made."))
    if done_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"done_at": _("A report cannot be made in the future.")})
    if done_at > obligation.due_at and not reason.strip():
        raise ValidationError({"late_reason": _("The report is late: give the reason for the delay.")})
    obligation.done_at, obligation.done_by, obligation.late_reason = done_at, user, reason.strip()
    obligation.save()
    late = done_at > obligation.due_at
    log(
        obligation.incident,
        user,
        "report",
        _("%(kind)s to %(to)s made%(late)s.")
        % {
            "kind": obligation.get_kind_label(),
            "to": obligation.owed_to_label,
            "late": _(" late") if late else "",
        },
    )
    if obligation.kind == "first":
        sync_obligations(obligation.incident, now)  # follow-ups count from the first report
    return obligation


def suggest_duplicates(
    user, *, event_type, occurred_at, division=None, latitude=None, longitude=None, exclude_pk=None, limit=5
) -> list[Incident]:
    """Open incidents of the same sub-type, within hours and kilometres (or the same division) of this one."""
    candidates = scoped(Incident.objects.select_related("event_type", "division"), user).filter(
        event_type__code__startswith=event_type.code[:3],
        occurred_at__range=(occurred_at - DUPLICATE_WINDOW, occurred_at + DUPLICATE_WINDOW),
        closed_at__isnull=True,
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    found = []
    for other in candidates[:200]:
        if latitude is not None and other.latitude is not None:
            near = distance_km(latitude, longitude, other.latitude, other.longitude) <= DUPLICATE_RADIUS_KM
        else:
            near = division is not None and other.division_id == division.pk
        if near:
            found.append(other)
    found.sort(key=lambda o: abs((o.occurred_at - occurred_at).total_seconds()))
    return found[:limit]


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance (haversine) on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@transaction.atomic
def draft_report(user, incident: Incident, kind: str) -> ReportDocument:
    """Generate the next numbered report of the incident, frozen as it stands now."""
    if not in_scope(user, incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    Incident.objects.select_for_update().filter(
        pk=incident.pk
    ).first()  # numbers are handed out one at a time
    number = (incident.reports.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    report = ReportDocument.objects.create(
        incident=incident, kind=kind, number=number, created_by=user, content=documents.snapshot(incident)
    )
    log(incident, user, "report_drafted", _("%(report)s generated.") % {"report": report})
    return report


@transaction.atomic
def submit_report(
    user, report: ReportDocument, *, to: str, submitted_at=None, reason: str = ""
) -> ReportDocument:
    """Record that the report went up to `to`; it fulfils the matching open obligation (late ones need a reason)."""
    if report.submitted_at is not None:
        raise ValidationError(_("This report was already submitted."))
    submitted_at = submitted_at or clock()
    obligation = (
        report.incident.obligations.filter(
            kind=report.kind if report.kind != "final" else "final",
            owed_to=to,
            done_at__isnull=True,
            withdrawn_at__isnull=True,
        )
        .order_by("due_at")
        .first()
    )
    if obligation is not None:
        complete_obligation(user, obligation, submitted_at, reason)
    report.submitted_at, report.submitted_to, report.submitted_by, report.obligation = (
        submitted_at,
        to,
        user,
        obligation,
    )
    report.save()
    log(
        report.incident,
        user,
        "report_submitted",
        _("%(report)s submitted to %(to)s.") % {"report": report, "to": report.submitted_to_label},
    )
    return report


# Which states may follow which: the lifecycle moves forward; "responding" may be re-entered to adjust the level.
NEXT_STATES = {
    "received": {"verified", "responding", "closed"},
    "verified": {"responding", "recovery", "closed"},
    "responding": {"responding", "recovery", "closed"},
    "recovery": {"responding", "closed"},
    "closed": {"evaluated", "recovery"},
    "evaluated": set(),
    "merged": set(),
}


@transaction.atomic
def advance(
    user,
    incident: Incident,
    status: str,
    expected_version: int,
    *,
    response_level: int | None = None,
    note: str = "",
) -> Incident:
    """Move the incident along its lifecycle; responding needs a response level, set by whom and when (logged)."""
    if status not in NEXT_STATES.get(incident.status, set()):
        raise ValidationError(
            {
                "status": _("An incident in state %(from)s cannot move to %(to)s.")
                % {
                    "from": incident.get_status_display(),
                    "to": dict(IncidentStatus.choices).get(status, status),
                }
            }
        )
    changes: dict = {"status": status}
    if status == "responding":
        if response_level not in (1, 2, 3, 4):
            raise ValidationError({"response_level": _("Choose the response level (I to IV).")})
        changes["response_level"] = response_level
    if status == "closed":
        changes["closed_at"] = clock()
    if status == "recovery" and incident.closed_at:
        changes["closed_at"] = None
    old_response = incident.response_level
    updated = update(user, incident, changes, expected_version)
    text = _("Status: %(status)s.") % {"status": updated.get_status_display()}
    if status == "responding":
        verb = _("Response level adjusted") if old_response else _("Response level set")
        text = _("%(verb)s to %(level)s.") % {"verb": verb, "level": updated.get_response_level_display()}
    log(updated, user, "status", f"{text} {note}".strip())
    if "closed_at" in changes:
        sync_obligations(updated)  # closing makes the final report due and ends follow-ups
    return updated


ATTACHMENT_TYPES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".txt",
    ".mp4",
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


@transaction.atomic
def attach(user, incident: Incident, upload) -> Attachment:
    """Keep a photo or document with the incident; refuse types and sizes a duty office has no use for."""
    if not in_scope(user, incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    suffix = ("." + upload.name.rsplit(".", 1)[-1].lower()) if "." in upload.name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": _("Files of type %(type)s are not accepted; use photos, PDF, Word, Excel or text.")
                % {"type": suffix or "?"}
            }
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    attachment = Attachment.objects.create(
        incident=incident, file=upload, name=upload.name[:200], size=upload.size, uploaded_by=user
    )
    log(incident, user, "attachment", _("Attached %(name)s.") % {"name": attachment.name})
    return attachment


@transaction.atomic
def merge(user, duplicate: Incident, into: Incident) -> Incident:
    """The same event reported twice: its intakes and attachments join `into`; the duplicate is closed as merged."""
    if duplicate.pk == into.pk or into.merged_into_id:
        raise ValidationError(_("Choose another, open incident to merge into."))
    for incident in (duplicate, into):
        if not in_scope(user, incident, "change"):
            raise PermissionDenied(_("This incident is outside your organisation."))
    for intake in duplicate.intakes.all():
        intake.incident, intake.merged = into, True
        intake.save()
    for attachment in duplicate.attachments.all():
        attachment.incident = into
        attachment.save()
    now = clock()
    for obligation in duplicate.obligations.filter(done_at__isnull=True, withdrawn_at__isnull=True):
        obligation.withdrawn_at = now
        obligation.save()
    merged = update(
        user, duplicate, {"status": "merged", "merged_into": into, "closed_at": now}, duplicate.version
    )
    log(
        into,
        user,
        "merge",
        _("Report %(number)s (%(title)s) merged into this incident.")
        % {"number": duplicate.number, "title": duplicate.title},
    )
    log(
        merged,
        user,
        "merge",
        _("Merged into %(number)s (%(title)s).") % {"number": into.number, "title": into.title},
    )
    return into


@transaction.atomic
def add_task(user, incident: Incident, *, title: str, unit=None, assignee=None, due_at=None) -> IncidentTask:
    if not in_scope(user, incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    if not title.strip():
        raise ValidationError({"title": _("Say what is to be done.")})
    task = IncidentTask(incident=incident, title=title.strip(), unit=unit, assignee=assignee, due_at=due_at)
    task.full_clean()
    task.save()
    who = unit or assignee or _("nobody yet")
    log(incident, user, "task", _("Task for %(who)s: %(title)s") % {"who": who, "title": task.title})
    return task


@transaction.atomic
def finish_task(user, task: IncidentTask, status: str = "done", note: str = "") -> IncidentTask:
    if not in_scope(user, task.incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    task.status, task.note = status, note or task.note
    task.done_at = clock() if status == "done" else None
    task.save()
    log(
        task.incident,
        user,
        "task",
        _("Task %(title)s: %(status)s") % {"title": task.title, "status": task.get_status_display()},
    )
    return task


@transaction.atomic
def add_rectification(user, incident: Incident, *, unit, measure: str, deadline) -> Rectification:
    if not in_scope(user, incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    item = Rectification(
        incident=incident, unit=unit, measure=measure.strip(), deadline=deadline, created_by=user
    )
    item.full_clean()
    item.save()
    log(
        incident,
        user,
        "rectification",
        _("Rectification for %(unit)s by %(deadline)s: %(measure)s")
        % {"unit": unit, "deadline": deadline, "measure": item.measure},
    )
    return item


@transaction.atomic
def report_rectified(user, item: Rectification) -> Rectification:
    if not in_scope(user, item.incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    item.status, item.done_at = Rectification.Status.DONE, clock()
    item.save()
    log(
        item.incident,
        user,
        "rectification",
        _("Rectification reported done: %(measure)s") % {"measure": item.measure},
    )
    return item


@transaction.atomic
def verify_rectification(user, item: Rectification) -> Rectification:
    """A second person confirms the measure was carried out; the one who reported it done may not."""
    if not in_scope(user, item.incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    if item.status != Rectification.Status.DONE:
        raise ValidationError(_("Only a measure reported done can be verified."))
    done_by = history(item).filter(after__status="done").values_list("user_id", flat=True).first()
    if done_by == user.pk:
        raise ValidationError(_("Verification needs a second person: you reported this measure done."))
    item.status, item.verified_by, item.verified_at = Rectification.Status.VERIFIED, user, clock()
    item.save()
    log(
        item.incident,
        user,
        "rectification",
        _("Rectification verified: %(measure)s") % {"measure": item.measure},
    )
    return item
