"""Every write of the hazards app: views, API, importer, demo loader and jobs all call these."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core import services as core_services
from yingji.core.scoping import can, in_scope
from yingji.hazards.models import Hazard, Inspection, Rectification, RiskAssessment
from yingji.rules import risk


def _now():
    from yingji.incidents.services import clock

    return clock()


def _require(user, obj, action="change"):
    if not can(user, action, type(obj)) or not in_scope(user, obj, action):
        raise PermissionDenied(_("This hazard is outside your organisation."))


def save_hazard(user, hazard: Hazard) -> Hazard:
    return core_services.save_scoped(user, hazard)


def save_inspection(user, inspection: Inspection) -> Inspection:
    return core_services.save_scoped(user, inspection)


# Assessments

LEC_FIELDS = {"likelihood": "L", "exposure": "E", "consequence": "C"}


def evaluate(method: str, inputs: dict) -> risk.Assessment:
    """The rule engine's result for a method and its inputs; ValidationError names the input at fault."""
    try:
        if method == RiskAssessment.Method.LEC:
            missing = [name for name in LEC_FIELDS if inputs.get(name) in (None, "")]
            if missing:
                raise ValidationError({name: _("This field is required.") for name in missing})
            return risk.lec(inputs["likelihood"], inputs["exposure"], inputs["consequence"])
        if method == RiskAssessment.Method.MATRIX:
            values = {}
            for name in ("likelihood", "severity"):
                raw = inputs.get(name)
                if raw in (None, ""):
                    raise ValidationError({name: _("This field is required.")})
                try:
                    values[name] = int(str(raw))
                except ValueError:
                    raise ValidationError({name: _("Enter a whole number.")}) from None
            return risk.matrix(values["likelihood"], values["severity"])
    except (ValueError, TypeError) as exc:
        text = str(exc)
        field = next(
            (name for name in ("likelihood", "exposure", "consequence", "severity") if text.startswith(name)),
            "inputs",
        )
        raise ValidationError({field: text}) from None
    raise ValidationError({"method": _("Choose LEC or the matrix.")})


@transaction.atomic
def assess(user, hazard: Hazard, method: str, inputs: dict, *, assessed_on=None, note="") -> RiskAssessment:
    """Assess a hazard; the result (with method and inputs) is kept and the hazard takes its colour, if this is
    its latest assessment, in the same transaction."""
    _require(user, hazard)
    result = evaluate(method, inputs)
    assessed_on = assessed_on or timezone.localdate(_now())
    record = RiskAssessment(
        hazard=hazard,
        method=result.method,
        inputs=result.as_dict()["inputs"],
        result=result.as_dict(),
        colour=result.colour,
        score=result.score,
        band_name=result.band_name,
        assessed_on=assessed_on,
        assessor=user,
        note=note.strip(),
        created_by=user,
    )
    record.full_clean(exclude=["hazard", "assessor"])
    record.save()
    latest = hazard.assessments.order_by("-assessed_on", "-pk").first()
    if latest.pk == record.pk:
        hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
        hazard.level, hazard.assessed_on = record.colour, record.assessed_on
        hazard.save(update_fields=["level", "assessed_on", "updated_at"])
    return record


# Rectifications


@transaction.atomic
def add_rectification(user, hazard: Hazard, *, measures: str, unit, deadline) -> Rectification:
    _require(user, hazard)
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if hazard.status == Hazard.Status.REMOVED:
        raise ValidationError(_("The hazard has been removed; reopen it before planning measures."))
    item = Rectification(
        hazard=hazard, measures=measures.strip(), unit=unit, deadline=deadline, created_by=user
    )
    item.full_clean(exclude=["hazard", "unit"])
    item.save()
    if hazard.status != Hazard.Status.RECTIFYING:
        hazard.status = Hazard.Status.RECTIFYING
        hazard.save(update_fields=["status", "updated_at"])
    return item


def _note(item: Rectification, user, text: str) -> None:
    stamp = timezone.localtime(_now()).strftime("%Y-%m-%d %H:%M")
    who = user.get_full_name() or user.get_username()
    line = f"{stamp} {who}: {text.strip()}"
    item.progress = f"{item.progress}\n{line}".strip()


def _locked(item: Rectification) -> Rectification:
    return Rectification.objects.select_for_update().select_related("hazard").get(pk=item.pk)


@transaction.atomic
def add_progress(user, item: Rectification, text: str) -> Rectification:
    _require(user, item.hazard)
    if not text.strip():
        raise ValidationError({"text": _("Write what was done.")})
    item = _locked(item)
    if item.status == Rectification.Status.CLOSED:
        raise ValidationError(_("This rectification is closed."))
    _note(item, user, text)
    item.save(update_fields=["progress", "updated_at"])
    return item


@transaction.atomic
def change_deadline(user, item: Rectification, deadline: datetime.date, reason: str) -> Rectification:
    """A new deadline (with its reason in the progress notes); an overdue notice may then be sent again."""
    _require(user, item.hazard)
    item = _locked(item)
    if item.status != Rectification.Status.OPEN:
        raise ValidationError(_("Only a rectification in progress gets a new deadline."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the new deadline.")})
    _note(
        item,
        user,
        _("Deadline %(old)s → %(new)s: %(reason)s")
        % {"old": item.deadline, "new": deadline, "reason": reason},
    )
    item.deadline, item.overdue_notified_at = deadline, None
    item.save(update_fields=["deadline", "overdue_notified_at", "progress", "updated_at"])
    return item


@transaction.atomic
def report_done(user, item: Rectification, note: str = "") -> Rectification:
    _require(user, item.hazard)
    item = _locked(item)
    if item.status != Rectification.Status.OPEN:
        raise ValidationError(_("Only a rectification in progress can be reported done."))
    item.status, item.reported_by, item.reported_at = Rectification.Status.DONE, user, _now()
    _note(item, user, note or _("Reported done."))
    item.save()
    return item


@transaction.atomic
def verify(user, item: Rectification, *, accepted: bool = True, note: str = "", remove_hazard: bool = False):
    """A second person checks the work: accepted closes the rectification (and, when the hazard has no other
    open measure, returns it to monitoring or marks it removed); rejected sends it back in progress."""
    _require(user, item.hazard)
    item = _locked(item)
    if item.status != Rectification.Status.DONE:
        raise ValidationError(_("Only a rectification reported done can be verified."))
    if item.reported_by_id == user.pk:
        raise ValidationError(_("Verification needs a second person: you reported this rectification done."))
    if not accepted:
        if not note.strip():
            raise ValidationError({"note": _("Say why the work is not accepted.")})
        item.status, item.reported_by, item.reported_at = Rectification.Status.OPEN, None, None
        _note(item, user, _("Not accepted: %(note)s") % {"note": note})
        item.save()
        return item
    item.status, item.verified_by, item.verified_at = Rectification.Status.CLOSED, user, _now()
    _note(item, user, note or _("Verified and closed."))
    item.save()
    hazard = Hazard.objects.select_for_update().get(pk=item.hazard_id)
    still_open = hazard.rectifications.exclude(status=Rectification.Status.CLOSED).exists()
    if not still_open:
        hazard.status = Hazard.Status.REMOVED if remove_hazard else Hazard.Status.MONITORED
        hazard.save(update_fields=["status", "updated_at"])
    return item


def overdue_q(today=None):
    from django.db.models import Q

    today = today or timezone.localdate(_now())
    return Q(status=Rectification.Status.OPEN, deadline__lt=today)


# Inspections


@transaction.atomic
def create_hazards_from_findings(user, inspection: Inspection, *, owner=None) -> list[Hazard]:
    """One safety hazard (安全隐患) per finding line of the inspection, placed at the inspection's division and
    position; a finding already turned into a hazard of this inspection is not created twice."""
    _require(user, inspection)
    existing = set(inspection.hazards.values_list("description", flat=True))
    created = []
    for line in inspection.finding_lines():
        if line in existing:
            continue
        hazard = Hazard(
            name=f"{inspection.inspected_unit}：{line}"[:200],
            kind=Hazard.Kind.SAFETY,
            event_types=inspection.event_types,
            division=inspection.division,
            owner=owner or inspection.owner,
            latitude=inspection.latitude,
            longitude=inspection.longitude,
            inspection=inspection,
            description=line,
        )
        created.append(core_services.save_scoped(user, hazard))
        existing.add(line)
    return created
