"""Plan use cases: register and revise plans, file them, drill and evaluate them, and act on them."""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.models import Contact, Division, DivisionLevel, Organisation, OrganisationKind, User
from yingji.core.notify import notify, notify_contacts
from yingji.core.scoping import in_scope, scoped
from yingji.core.services import save_scoped
from yingji.incidents import services as incidents
from yingji.plans.models import (
    Activation,
    CalendarDay,
    Drill,
    FilingStep,
    Kind,
    Level,
    Plan,
    PlanAttachment,
    PlanVersion,
    ResponseLevel,
    Review,
    ReviewCycle,
)
from yingji.rules import plans as rules

DIVISION_TO_PLAN_LEVEL = {
    DivisionLevel.CITY: Level.CITY,
    DivisionLevel.COUNTY: Level.COUNTY,
    DivisionLevel.TOWN: Level.TOWN,
    DivisionLevel.VILLAGE: Level.COMMUNITY,
}
UNIT_KINDS = {
    OrganisationKind.ENTERPRISE,
    OrganisationKind.SCHOOL,
    OrganisationKind.TEAM,
    OrganisationKind.OTHER,
}


def today() -> datetime.date:
    return timezone.localdate(incidents.clock())


def working_calendar() -> rules.Calendar:
    days = CalendarDay.objects.values_list("date", "kind")
    return rules.Calendar(
        holidays=frozenset(d for d, k in days if k == CalendarDay.Kind.HOLIDAY),
        workdays=frozenset(d for d, k in days if k == CalendarDay.Kind.WORKDAY),
    )


def review_cycles() -> list[rules.Cycle]:
    return [
        rules.Cycle(c.kind, c.category, c.high_risk, c.evaluation_months, c.drill_months, c.mark, c.source)
        for c in ReviewCycle.objects.all()
    ]


# Filing ---------------------------------------------------------------------------------------------


def _division_at(division: Division, where: rules.Where) -> Division | None:
    if where is rules.Where.SAME:
        return division
    if where is rules.Where.ABOVE:
        return division.parent
    while division is not None and division.level not in (DivisionLevel.COUNTY, DivisionLevel.CITY):
        division = division.parent
    return division


def _sector(org: Organisation) -> str:
    """A department's sector as its name says it, without the place: 梅州市梅县区水利局 → 水利局."""
    name = org.name
    for division in reversed(_ancestry(org.division)):
        name = name.removeprefix(division.name)
    return name


def _ancestry(division: Division) -> list[Division]:
    chain = []
    while division is not None:
        chain.append(division)
        division = division.parent
    return chain


def _body_in(division: Division, body: rules.Body, owner: Organisation) -> Organisation | None:
    here = Organisation.objects.filter(division=division)
    if body is rules.Body.GOVERNMENT:
        return here.filter(kind=OrganisationKind.GOVERNMENT).order_by("path").first()
    if body is rules.Body.EMERGENCY_OFFICE:
        return here.filter(kind=OrganisationKind.OFFICE).order_by("path").first()
    suffix = "教育局" if body is rules.Body.EDUCATION else _sector(owner)
    found = here.filter(kind=OrganisationKind.DEPARTMENT, name__endswith=suffix).order_by("path").first()
    return found or here.filter(kind=OrganisationKind.OFFICE).order_by("path").first()


BODY_NAMES = {
    rules.Body.GOVERNMENT: "上一级人民政府",
    rules.Body.LEAD_DEPARTMENT: "上一级人民政府相应主管部门",
    rules.Body.EMERGENCY_OFFICE: "上一级应急管理部门",
    rules.Body.EDUCATION: "教育主管部门",
}


def filing_target(plan: Plan) -> tuple[Organisation | None, str]:
    """The organisation a plan is filed with, or None and its description when it is above the platform."""
    route = rules.filing_route(plan.kind)
    division = _division_at(plan.owner.division, route.where)
    body = _body_in(division, route.body, plan.owner) if division is not None else None
    if body is not None:
        return body, body.name
    return None, BODY_NAMES[route.body]


def default_level(owner: Organisation) -> str:
    """A plan's level when none is given: the owner's division's, or "unit" for enterprises and schools."""
    if owner.kind in UNIT_KINDS:
        return Level.UNIT
    return DIVISION_TO_PLAN_LEVEL.get(owner.division.level, Level.UNIT)


def refresh(
    plan: Plan, calendar: rules.Calendar | None = None, cycles: list[rules.Cycle] | None = None
) -> Plan:
    """Recompute what follows from the plan's facts: level, filing body and deadline, review due dates.

    `calendar` and `cycles` default to the stored tables (a bulk caller reads them once)."""
    if not plan.level and plan.owner_id:
        plan.level = default_level(plan.owner)
    if plan.owner_id and plan.kind:
        plan.filing_body, plan.filing_body_name = filing_target(plan)
    plan.filing_due = (
        rules.filing_due(plan.issued_on, calendar or working_calendar()) if plan.issued_on else None
    )
    if plan.kind and plan.category:
        cycle = rules.cycle_for(cycles or review_cycles(), plan.kind, plan.category, plan.high_risk)
        since = plan.effective_on or plan.issued_on
        plan.evaluation_due = rules.next_due(plan.last_evaluated_on, since, cycle.evaluation_months)
        plan.drill_due = rules.next_due(plan.last_drilled_on, since, cycle.drill_months)
    return plan


@transaction.atomic
def save_plan(user, plan: Plan) -> Plan:
    if plan.status != Plan.Status.DRAFT and not plan.issued_on:
        raise ValidationError({"issued_on": _("An issued plan needs the date it was issued.")})
    return save_scoped(user, refresh(plan))


def may_file(user, plan: Plan) -> bool:
    """Office staff whose reach holds the filing body; above the platform, the plan's own emergency office."""
    if user.is_superuser:
        return True
    if user.role not in ("office", "admin"):
        return False
    body = plan.filing_body or _body_in(plan.owner.division, rules.Body.EMERGENCY_OFFICE, plan.owner)
    return body is not None and in_scope(user, body)


def _step(user, plan: Plan, step: str, note: str = "") -> FilingStep:
    return FilingStep.objects.create(plan=plan, step=step, at=incidents.clock(), by=user, note=note)


def _fresh(user, plan: Plan, action: str) -> Plan:
    locked = scoped(Plan.objects.select_for_update(), user, action).filter(pk=plan.pk).first()
    if locked is None:
        raise PermissionDenied(_("This plan is outside your organisation."))
    return locked


@transaction.atomic
def submit(user, plan: Plan) -> Plan:
    """Send an issued plan to its filing body (again, after a return)."""
    plan = _fresh(user, plan, "change")
    if plan.status == Plan.Status.DRAFT or not plan.issued_on:
        raise ValidationError({"status": _("Only an issued plan (with its issue date) can be filed.")})
    if not plan.versions.exists():
        raise ValidationError({"file": _("Upload the plan's text before submitting it for filing.")})
    if plan.filing in (*PENDING, Plan.Filing.FILED):
        raise ValidationError(
            {"filing": _("This plan is already %(state)s.") % {"state": plan.get_filing_display()}}
        )
    refresh(plan)
    plan.filing, plan.submitted_at, plan.filing_note = Plan.Filing.SUBMITTED, incidents.clock(), ""
    save_scoped(user, plan)
    _step(user, plan, Plan.Filing.SUBMITTED)
    recipients = filing_recipients(plan)
    notify(
        recipients,
        _("Plan submitted for filing: %(title)s") % {"title": plan.title},
        _("%(owner)s submitted %(title)s for filing with %(body)s; filing is due by %(due)s.")
        % {"owner": plan.owner, "title": plan.title, "body": plan.filing_body_name, "due": plan.filing_due},
        link=plan.get_absolute_url(),
    )
    return plan


def filing_recipients(plan: Plan):
    body = plan.filing_body or _body_in(plan.owner.division, rules.Body.EMERGENCY_OFFICE, plan.owner)
    if body is None:
        return User.objects.none()
    office = _body_in(body.division, rules.Body.EMERGENCY_OFFICE, body)
    return User.objects.filter(
        Q(organisation=body) | Q(organisation=office), role__in=["office", "admin"], is_active=True
    )


PENDING = (Plan.Filing.SUBMITTED, Plan.Filing.RECEIVED)  # with the filing body, awaiting its decision


def _decide(user, plan: Plan, step: str, note: str) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if not may_file(user, plan):
        raise PermissionDenied(_("Only the body the plan is filed with records the filing."))
    allowed = (Plan.Filing.SUBMITTED,) if step == Plan.Filing.RECEIVED else PENDING
    if plan.filing not in allowed:
        raise ValidationError(
            {
                "filing": _("This plan is %(state)s: that step does not apply.")
                % {"state": plan.get_filing_display()}
            }
        )
    plan.filing, plan.filing_note = step, note
    plan.filed_at = incidents.clock() if step == Plan.Filing.FILED else None
    plan.save()  # the filing body acts on a plan it does not own; the change log records it all the same
    _step(user, plan, step, note)
    return plan


@transaction.atomic
def receive(user, plan: Plan) -> Plan:
    """The filing body acknowledges it has the plan; filing or returning it follows."""
    return _decide(user, plan, Plan.Filing.RECEIVED, "")


@transaction.atomic
def file(user, plan: Plan, note: str = "") -> Plan:
    return _decide(user, plan, Plan.Filing.FILED, note)


@transaction.atomic
def return_for_revision(user, plan: Plan, reason: str) -> Plan:
    if not reason.strip():
        raise ValidationError({"note": _("Say why the plan is returned.")})
    plan = _decide(user, plan, Plan.Filing.RETURNED, reason.strip())
    submitters = plan.filing_steps.filter(step=Plan.Filing.SUBMITTED).values("by")
    owners = User.objects.filter(Q(organisation=plan.owner) | Q(pk__in=submitters), is_active=True)
    notify(
        owners, _("Plan returned: %(title)s") % {"title": plan.title}, reason, link=plan.get_absolute_url()
    )
    return plan


# Versions and their text ----------------------------------------------------------------------------

PLAN_FILE_TYPES = {".pdf", ".docx", ".txt", ".md"}
PLAN_FILE_MAX_BYTES = 50 * 1024 * 1024


def extract_text(name: str, data: bytes) -> str:
    """The searchable text of a plan file (PDF, DOCX or plain text)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        return "\n".join(p.text for p in document.paragraphs)
    if suffix == ".pdf":
        from pdfminer.high_level import extract_text as pdf_text

        return pdf_text(io.BytesIO(data))
    return data.decode("utf-8", errors="replace")


def _read(upload) -> str:
    """The text of an uploaded plan file, after checking its type and size."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in PLAN_FILE_TYPES:
        raise ValidationError(
            {
                "file": _("A plan file must be PDF, DOCX or text (%(types)s).")
                % {"types": ", ".join(sorted(PLAN_FILE_TYPES))}
            }
        )
    if upload.size > PLAN_FILE_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB.")})
    try:
        text = extract_text(upload.name, upload.read())
    except Exception as exc:  # noqa: BLE001  (a broken file is the user's error, not ours)
        raise ValidationError({"file": _("The file cannot be read: %(error)s") % {"error": exc}}) from exc
    upload.seek(0)
    return text


def _changeable(user, plan: Plan) -> None:
    if not in_scope(user, plan, "change"):
        raise PermissionDenied(_("This plan is outside your organisation."))


@transaction.atomic
def add_version(
    user, plan: Plan, upload, *, changes: str = "", approved_by: str = "", approved_on=None
) -> PlanVersion:
    _changeable(user, plan)
    text = _read(upload)
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PlanVersion.objects.create(
        plan=plan,
        number=number,
        file=upload,
        file_name=upload.name[:200],
        changes=changes,
        approved_by=approved_by,
        approved_on=approved_on,
        text=text,
        created_by=user,
    )
    reindex(plan)
    return version


@transaction.atomic
def add_attachment(user, plan: Plan, upload, title: str = "") -> PlanAttachment:
    _changeable(user, plan)
    text = _read(upload)
    attachment = PlanAttachment.objects.create(
        plan=plan,
        title=(title or Path(upload.name).stem)[:200],
        file=upload,
        file_name=upload.name[:200],
        text=text,
        created_by=user,
    )
    reindex(plan)
    return attachment


def reindex(plan: Plan) -> None:
    from yingji.search.registry import reindex as search_reindex

    search_reindex(plan)


# Drills and reviews ---------------------------------------------------------------------------------


@transaction.atomic
def record_drill(user, drill: Drill) -> Drill:
    if drill.date > today():
        raise ValidationError(
            {"date": _("A drill is recorded after it took place: the date is in the future.")}
        )
    save_scoped(user, drill)
    plan = Plan.objects.select_for_update().get(pk=drill.plan_id)
    plan.last_drilled_on = plan.drills.order_by("-date").values_list("date", flat=True).first()
    save_scoped(user, refresh(plan))
    return drill


@transaction.atomic
def record_review(user, review: Review) -> Review:
    if review.date > today():
        raise ValidationError({"date": _("The date is in the future.")})
    save_scoped(user, review)
    if review.trigger == Review.Trigger.EVALUATION:
        plan = Plan.objects.select_for_update().get(pk=review.plan_id)
        plan.last_evaluated_on = max(filter(None, [plan.last_evaluated_on, review.date]))
        if review.revision_needed and plan.status == Plan.Status.ISSUED:
            plan.status = Plan.Status.REVISING
        save_scoped(user, refresh(plan))
    elif review.revision_needed:
        Plan.objects.filter(pk=review.plan_id, status=Plan.Status.ISSUED).update(status=Plan.Status.REVISING)
    return review


# Response: propose and activate -------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    plan: Plan
    response: ResponseLevel


def _matches(prefixes: list[str], code: str) -> bool:
    return any(code.startswith(p) for p in prefixes)


def proposals(user, incident) -> list[Proposal]:
    """Issued plans of the incident's place (its county, then the city) covering its type, with the level."""
    if incident.level is None:
        return []
    places = [
        d.pk for d in _ancestry(incident.division) if d.level in (DivisionLevel.COUNTY, DivisionLevel.CITY)
    ]
    plans = (
        scoped(Plan.objects.filter(status__in=[Plan.Status.ISSUED, Plan.Status.REVISING]), user)
        .filter(owner__division__in=places, response_levels__isnull=False)
        .exclude(kind__in=[Kind.ENTERPRISE, Kind.SCHOOL, Kind.COMMUNITY])
        .select_related("owner__division")
        .prefetch_related("response_levels__lead")
        .distinct()
    )
    found = []
    code = incident.event_type.code
    for plan in plans:
        if not _matches(plan.event_type_prefixes(), code):
            continue
        applicable = [
            r
            for r in plan.response_levels.all()
            if r.trigger_incident_level is not None and incident.level <= r.trigger_incident_level
        ]
        if applicable:
            found.append(Proposal(plan, min(applicable, key=lambda r: r.trigger_incident_level)))
    # The nearest jurisdiction first, then the most specific plan (fewest types covered).
    found.sort(
        key=lambda p: (-len(p.plan.owner.division.path), len(p.plan.event_type_prefixes()), p.plan.title)
    )
    return found


@transaction.atomic
def activate(user, plan: Plan, incident, level: int) -> Activation:
    """Start the plan's response at `level` for the incident: set its response level, task every member unit."""
    if not in_scope(user, incident, "change"):
        raise PermissionDenied(_("This incident is outside your organisation."))
    if not in_scope(user, plan):
        raise PermissionDenied(_("This plan is outside your organisation."))
    response = plan.response_levels.filter(level=level).select_related("lead").first()
    if response is None:
        raise ValidationError({"level": _("The plan has no response level %(level)s.") % {"level": level}})
    now = incidents.clock()
    incidents.advance(
        user,
        incident,
        "responding",
        incident.version,
        response_level=level,
        note=_("Plan %(plan)s activated.") % {"plan": plan.title},
    )
    activation = Activation.objects.create(plan=plan, incident=incident, level=level, at=now, by=user)
    duties = list(response.duties.select_related("unit"))
    subject = _("%(level)s response: %(incident)s") % {
        "level": response.get_level_display(),
        "incident": incident.title,
    }
    for duty in duties:
        due = now + datetime.timedelta(hours=duty.within_hours) if duty.within_hours else None
        incidents.add_task(user, incident, title=duty.duty[:200], unit=duty.unit, due_at=due)
        body = _("%(plan)s, response level %(level)s, for %(incident)s. Your unit's duty: %(duty)s") % {
            "plan": plan.title,
            "level": response.get_level_display(),
            "incident": incident.title,
            "duty": duty.duty,
        }
        notify_contacts(Contact.objects.filter(owner=duty.unit), subject, body)
        notify(
            User.objects.filter(organisation=duty.unit, is_active=True),
            subject,
            body,
            incident.get_absolute_url(),
        )
    activation.tasks_created = len(duties)
    return activation
