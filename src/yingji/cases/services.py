"""Use cases of the case library. Every write to a case goes through a function here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.cases.models import Case, CaseAttachment
from yingji.core import services as core_services
from yingji.core.scoping import can, in_scope, scoped
from yingji.incidents.models import CASUALTY_FIELDS, Incident, IncidentStatus
from yingji.incidents.services import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES

# An incident becomes a case once its response is over.
CASE_STATUSES = (IncidentStatus.CLOSED, IncidentStatus.EVALUATED)
# Log entries that say nothing about the event itself (which fields were edited, which file was attached).
CLERICAL_LOG_KINDS = frozenset({"update", "attachment", "report_drafted"})


def may_change(user, case: Case, action: str = "change") -> bool:
    return scoped(Case.objects.filter(pk=case.pk), user, action).exists()


@transaction.atomic
def save(user, case: Case) -> Case:
    """Create or change a case for `user`: valid, and owned within the user's reach (published or not)."""
    if not case._state.adding and not may_change(user, case):
        raise PermissionDenied(_("This case belongs to another organisation: only its owner may change it."))
    core_services.save_scoped(user, case)
    if not may_change(user, case):
        raise PermissionDenied(_("The case would belong to an organisation outside your reach."))
    return case


@transaction.atomic
def delete(user, case: Case) -> None:
    if not may_change(user, case, "delete"):
        raise PermissionDenied(_("This case belongs to another organisation: only its owner may delete it."))
    files = [attachment.file for attachment in case.attachments.all()]
    core_services.delete_scoped(user, case)
    _delete_on_commit(files)


def source_incident(user, pk) -> Incident:
    """The incident a case is to be written from: within the user's scope (else Incident.DoesNotExist)."""
    return scoped(Incident.objects.select_related("event_type", "division", "owner"), user, "view").get(pk=pk)


def check_closed(incident: Incident) -> None:
    if incident.status not in CASE_STATUSES:
        raise ValidationError(
            _(
                "Only a closed or evaluated incident can become a typical case; "
                "this one is still in state “%(status)s”."
            )
            % {"status": incident.get_status_display()}
        )


def existing_case(incident: Incident) -> Case | None:
    return Case.objects.filter(incident=incident).select_related("owner").first()


def chronology(incident: Incident) -> str:
    """The incident's event log as dated lines, oldest first, without clerical entries."""
    lines = []
    for entry in incident.log.exclude(kind__in=CLERICAL_LOG_KINDS).order_by("time", "pk"):
        lines.append(f"{timezone.localtime(entry.time):%Y-%m-%d %H:%M} {entry.text}")
    return "\n".join(lines)


def _rectification_items(incident: Incident) -> str:
    lines = []
    for item in incident.rectifications.select_related("unit").order_by("deadline", "pk"):
        lines.append(
            _("%(unit)s, by %(deadline)s (%(status)s): %(measure)s")
            % {
                "unit": item.unit,
                "deadline": item.deadline.isoformat(),
                "status": item.get_status_display(),
                "measure": item.measure,
            }
        )
    return "\n".join(lines)


def prefill(incident: Incident) -> dict:
    """The case's fields as the incident and its event log give them; the officer adds lessons and edits."""
    log = chronology(incident)
    course = [incident.cause.strip(), incident.course.strip()]
    if log:
        course.append(_("Chronology (from the event log):") + "\n" + log)
    response = [incident.measures_taken.strip()]
    if incident.response_level:
        response.insert(0, _("Response level: %(level)s.") % {"level": incident.get_response_level_display()})
    return {
        "title": incident.title,
        "event_type": incident.event_type,
        "date": timezone.localtime(incident.occurred_at).date(),
        "division": incident.division,
        "address": incident.address,
        "level": incident.level,
        **{name: getattr(incident, name) for name in CASUALTY_FIELDS},
        "course": "\n\n".join(part for part in course if part),
        "response": "\n\n".join(part for part in response if part),
        "rectification": _rectification_items(incident),
        "sources": _("Incident %(number)s “%(title)s”: its reports and event log.")
        % {"number": incident.number, "title": incident.title},
    }


@transaction.atomic
def create_from_incident(user, incident: Incident, values: dict | None = None) -> Case:
    """Write a closed incident up as a case: its figures and log, with `values` (the officer's form) on top."""
    if not can(user, "add", Case):
        raise PermissionDenied(_("Your role may not add typical cases."))
    if not in_scope(user, incident):
        raise PermissionDenied(_("This incident is outside your organisation."))
    # Lock the incident: two officers writing it up at once make one case, and the second gets a clear answer.
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    check_closed(incident)
    found = existing_case(incident)
    if found is not None:
        raise ValidationError(
            _("A typical case was already written from this incident: “%(case)s” (%(owner)s).")
            % {"case": found, "owner": found.owner}
        )
    data = {**prefill(incident), "owner": user.organisation, **(values or {})}
    case = Case(**data)
    case.incident = incident
    return save(user, case)


@transaction.atomic
def attach(user, case: Case, upload) -> CaseAttachment:
    """Keep a photo or document with the case; the same types and size as an incident's attachments."""
    if not may_change(user, case):
        raise PermissionDenied(_("This case belongs to another organisation: only its owner may change it."))
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
    return CaseAttachment.objects.create(
        case=case, file=upload, name=upload.name[:200], size=upload.size, uploaded_by=user
    )


@transaction.atomic
def remove_attachment(user, attachment: CaseAttachment) -> None:
    if not may_change(user, attachment.case):
        raise PermissionDenied(_("This case belongs to another organisation: only its owner may change it."))
    attachment.delete()
    _delete_on_commit([attachment.file])


def _delete_on_commit(files) -> None:
    """Remove stored files once the deletion is committed: a rollback must not leave records without files."""
    for file in files:
        if file.name:
            transaction.on_commit(lambda f=file: f.storage.delete(f.name))
