"""Bulk import of existing plans: a CSV or XLSX list plus the files it names; all rows or none."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from yingji.core.importing import Report, TableError, read_table, table_template
from yingji.core.models import Organisation
from yingji.core.scoping import scoped
from yingji.core.services import validate
from yingji.plans import services
from yingji.plans.models import Category, Kind, Plan, RequiredPlan

COLUMNS = [
    "title",
    "number",
    "kind",
    "category",
    "required",
    "event_types",
    "owner",
    "approved_by",
    "issued_on",
    "effective_on",
    "status",
    "file",
]
REQUIRED_COLUMNS = ["title", "kind", "category", "owner"]
EXAMPLE = [
    "梅州市防汛防旱防风应急预案",
    "梅府办函〔2024〕12号",
    "special",
    "natural",
    "防汛防旱防风应急预案",
    "11A 11B01",
    "梅州市水利局",
    "梅州市人民政府",
    "2024-05-10",
    "2024-05-10",
    "issued",
    "防汛防旱防风应急预案.pdf",
]


def template_response() -> HttpResponse:
    return table_template(COLUMNS, EXAMPLE, "plan-template", "csv")


def _date(value: str) -> datetime.date | None:
    value = value.strip()[:10]
    return datetime.date.fromisoformat(value) if value else None


def import_plans(user, table, files) -> Report:
    report = Report()
    try:
        rows = read_table(table)
    except TableError as exc:
        report.add(0, "", exc)
        return report
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        report.add(
            1,
            ", ".join(missing),
            _("The list needs the columns %(columns)s.") % {"columns": ", ".join(REQUIRED_COLUMNS)},
        )
        return report
    by_name = {f.name: f for f in files}
    owners = {o.name: o for o in scoped(Organisation.objects.select_related("division"), user)}
    required = {r.name: r for r in RequiredPlan.objects.all()}
    planned: list[tuple[Plan, object]] = []
    seen: set[tuple[int, str]] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        name = row.get("file", "").strip()
        upload = by_name.get(name) if name else None
        if name and upload is None:
            report.add(
                number, "file", _("The file %(name)s was not uploaded with the list.") % {"name": name}
            )
        plan = _plan_from(row, number, owners, required, report)
        if plan is None:
            continue
        key = (plan.owner_id, plan.title)
        if key in seen:
            report.add(number, "title", _("The same plan appears twice in the list."))
            continue
        seen.add(key)
        planned.append((plan, upload))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for plan, upload in planned:
                if plan.pk:
                    report.updated += 1
                else:
                    report.created += 1
                services.save_plan(user, plan)
                if upload is not None:
                    services.add_version(user, plan, upload, changes=_("Imported."))
    except (ValidationError, PermissionDenied) as exc:
        report.created = report.updated = 0
        report.add(0, "", " ".join(getattr(exc, "messages", [str(exc)])))
    return report


def _plan_from(row, number, owners, required, report) -> Plan | None:
    errors_before = len(report.errors)
    owner = owners.get(row.get("owner", "").strip())
    if owner is None:
        report.add(
            number,
            "owner",
            _("Unknown organisation, or one outside your reach: %(name)s") % {"name": row.get("owner", "")},
        )
        return None
    title = row.get("title", "").strip()
    plan = Plan.objects.filter(owner=owner, title=title).first() or Plan(owner=owner, title=title)
    choices = {"kind": Kind, "category": Category, "status": Plan.Status}
    for column, enum in choices.items():
        value = row.get(column, "").strip() or ("draft" if column == "status" else "")
        accepted = {c.value: c.value for c in enum} | {str(c.label): c.value for c in enum}
        if value not in accepted:
            report.add(
                number,
                column,
                _("%(value)s is not one of: %(allowed)s")
                % {"value": value, "allowed": ", ".join(enum.values)},
            )
            continue
        setattr(plan, column, accepted[value])
    name = row.get("required", "").strip()
    if name:
        if name not in required:
            report.add(
                number, "required", _("Not in the catalogue of required plans: %(name)s") % {"name": name}
            )
        else:
            plan.required = required[name]
    for column in ("issued_on", "effective_on"):
        try:
            setattr(plan, column, _date(row.get(column, "")))
        except ValueError:
            report.add(number, column, _("Write dates as YYYY-MM-DD."))
    plan.number = row.get("number", "").strip()
    plan.event_types = row.get("event_types", "").strip()
    plan.approved_by = row.get("approved_by", "").strip()
    if len(report.errors) > errors_before:
        return None
    services.refresh(plan)
    try:
        validate(plan)
        if plan.status != Plan.Status.DRAFT and not plan.issued_on:
            raise ValidationError({"issued_on": _("An issued plan needs the date it was issued.")})
    except ValidationError as exc:
        for column, messages in exc.message_dict.items():
            for message in messages:
                report.add(number, column, message)
        return None
    return plan
