"""Which required plans each jurisdiction has, how many plans of each kind exist, and where county plans
disagree with the city's."""

import io
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.models import Division, DivisionLevel
from yingji.core.scoping import scoped
from yingji.plans.models import Kind, Plan, RequiredPlan, ResponseLevel
from yingji.plans.services import _sector, today


class Cell:
    MISSING = "missing"
    DRAFT = "draft"
    UNFILED = "unfiled"
    EVALUATION_OVERDUE = "evaluation_overdue"
    DRILL_OVERDUE = "drill_overdue"
    FILED = "filed"

    LABELS = {
        MISSING: gettext_lazy("Missing"),
        DRAFT: gettext_lazy("Draft"),
        UNFILED: gettext_lazy("Issued, not filed"),
        EVALUATION_OVERDUE: gettext_lazy("Evaluation overdue"),
        DRILL_OVERDUE: gettext_lazy("Drill overdue"),
        FILED: gettext_lazy("Filed"),
    }
    # Best first: the state a jurisdiction is credited with when it has several plans for one entry.
    ORDER = [FILED, DRILL_OVERDUE, EVALUATION_OVERDUE, UNFILED, DRAFT, MISSING]


def plan_state(plan: Plan, on=None) -> str:
    on = on or today()
    if plan.status == Plan.Status.DRAFT:
        return Cell.DRAFT
    if plan.filing != Plan.Filing.FILED:
        return Cell.UNFILED
    if plan.evaluation_due and plan.evaluation_due < on:
        return Cell.EVALUATION_OVERDUE
    if plan.drill_due and plan.drill_due < on:
        return Cell.DRILL_OVERDUE
    return Cell.FILED


def jurisdictions(user) -> list[Division]:
    """The city and its counties the user reaches."""
    return list(
        scoped(Division.objects.filter(level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]), user).order_by(
            "code"
        )
    )


@dataclass
class Matrix:
    columns: list[Division]
    rows: list[tuple[RequiredPlan, list[tuple[str, Plan | None]]]]
    totals: dict[Division, Counter] = field(default_factory=dict)


def matrix(user) -> Matrix:
    columns = jurisdictions(user)
    plans = (
        scoped(Plan.objects.all(), user)
        .filter(required__isnull=False, owner__division__in=columns)
        .exclude(status=Plan.Status.ABOLISHED)
        .select_related("owner")
    )
    on = today()
    best: dict[tuple[int, int], tuple[str, Plan]] = {}
    for plan in plans:
        key = (plan.required_id, plan.owner.division_id)
        state = plan_state(plan, on)
        if key not in best or Cell.ORDER.index(state) < Cell.ORDER.index(best[key][0]):
            best[key] = (state, plan)
    rows = []
    totals = {d: Counter() for d in columns}
    for required in RequiredPlan.objects.all():
        cells = []
        for division in columns:
            state, plan = best.get((required.pk, division.pk), (Cell.MISSING, None))
            totals[division][state] += 1
            cells.append((state, plan))
        rows.append((required, cells))
    return Matrix(columns, rows, totals)


COUNTED_KINDS = [
    Kind.OVERALL,
    Kind.SPECIAL,
    Kind.DEPARTMENT,
    Kind.TOWN,
    Kind.COMMUNITY,
    Kind.ENTERPRISE,
    Kind.SCHOOL,
]


def counts(user) -> list[tuple[Division, list[int]]]:
    """Plans in force per kind: at city level for the city, in the whole county for each county."""
    result = []
    live = scoped(Plan.objects.all(), user).exclude(status__in=[Plan.Status.DRAFT, Plan.Status.ABOLISHED])
    for division in jurisdictions(user):
        plans = (
            live.filter(owner__division=division)
            if division.level == DivisionLevel.CITY
            else live.filter(owner__division__path__startswith=division.path)
        )
        by_kind = dict(plans.values_list("kind").annotate(n=Count("pk")))
        result.append((division, [by_kind.get(k, 0) for k in COUNTED_KINDS]))
    return result


@dataclass(frozen=True)
class Mismatch:
    county_plan: Plan
    city_plan: Plan
    problem: str


def consistency(user) -> list[Mismatch]:
    """County plans whose response levels or lead bodies differ from the city plan of the same entry."""
    plans = list(
        scoped(Plan.objects.all(), user)
        .filter(required__isnull=False, status__in=[Plan.Status.ISSUED, Plan.Status.REVISING])
        .select_related("owner__division")
        .prefetch_related("response_levels__lead__division")
    )
    city = {
        p.required_id: p
        for p in plans
        if p.owner.division.level == DivisionLevel.CITY and p.response_levels.all()
    }
    found = []
    for plan in plans:
        reference = city.get(plan.required_id)
        if (
            plan.owner.division.level != DivisionLevel.COUNTY
            or reference is None
            or not plan.response_levels.all()
        ):
            continue  # a plan without a structured response section has nothing to compare yet
        for problem in compare(reference, plan):
            found.append(Mismatch(plan, reference, problem))
    return found


def compare(city_plan: Plan, county_plan: Plan) -> list[str]:
    city = {r.level: r for r in city_plan.response_levels.all()}
    county = {r.level: r for r in county_plan.response_levels.all()}
    problems = []
    for level in sorted(set(city) | set(county)):
        name = ResponseLevel(level=level).get_level_display()
        if level not in county:
            problems.append(_("%(level)s is missing.") % {"level": name})
            continue
        if level not in city:
            problems.append(_("%(level)s does not exist in the city plan.") % {"level": name})
            continue
        a, b = city[level], county[level]
        if a.trigger_incident_level != b.trigger_incident_level:
            problems.append(
                _("%(level)s starts from incident level %(county)s, the city's from %(city)s.")
                % {
                    "level": name,
                    "county": b.trigger_incident_level or "-",
                    "city": a.trigger_incident_level or "-",
                }
            )
        if (a.lead.kind, _sector(a.lead)) != (b.lead.kind, _sector(b.lead)):
            problems.append(
                _("%(level)s is led by %(county)s; the city plan has %(city)s lead it.")
                % {"level": name, "county": b.lead, "city": a.lead}
            )
    return problems


def xlsx(matrix: Matrix, counts) -> HttpResponse:
    """The matrix and the counts per kind as a workbook of two sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from yingji.core.export import filename_for

    fills = {
        Cell.MISSING: "F8D7DA",
        Cell.DRAFT: "E2E3E5",
        Cell.UNFILED: "FFF3CD",
        Cell.EVALUATION_OVERDUE: "FFE5B4",
        Cell.DRILL_OVERDUE: "FFE5B4",
        Cell.FILED: "D1E7DD",
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Plan coverage"))[:31]
    sheet.append([str(_("Required plan")), *[d.name for d in matrix.columns]])
    for required, cells in matrix.rows:
        sheet.append([required.name, *[str(Cell.LABELS[state]) for state, _plan in cells]])
        for column, (state, _plan) in enumerate(cells, start=2):
            sheet.cell(row=sheet.max_row, column=column).fill = PatternFill("solid", fgColor=fills[state])
    totals = workbook.create_sheet(str(_("Plans per kind"))[:31])
    totals.append([str(_("Jurisdiction")), *[str(k.label) for k in COUNTED_KINDS]])
    for division, numbers in counts:
        totals.append([division.name, *numbers])
    for ws in (sheet, totals):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename_for("plan-coverage", "xlsx")}"'
    return response
