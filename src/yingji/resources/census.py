"""摸清家底: what the city has, per division (the city as a whole and each county).

Teams and people by kind, experts by field, shelters and their capacity against the population, and, when the
materials app provides it, warehouses and stock by class.

The materials hook: if `yingji.materials.census` is importable and has a function `census(division) -> dict`
(or the package `yingji.materials` has one), each division's column gets its result. The dict maps a row label
to a number, or to a dict of row labels to numbers (one level of grouping, e.g. {"Stock by class": {...}}).
"""

import importlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from yingji.core.models import Division, DivisionLevel
from yingji.core.scoping import scoped
from yingji.resources.coverage import book_response
from yingji.resources.models import Expert, ExpertField, Shelter, Team, TeamKind


@dataclass
class Section:
    title: str
    rows: list[tuple[str, list]] = field(default_factory=list)


@dataclass
class Census:
    divisions: list[Division]
    sections: list[Section]


def materials_census():
    """The materials app's census function, or None while it offers none."""
    if not apps.is_installed("yingji.materials"):
        return None
    for module_name in ("yingji.materials.census", "yingji.materials.services", "yingji.materials"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, "census", None)
        if callable(function):
            return function
    return None


def _columns(divisions, path_values):
    """Sum a {division_path: value} mapping into each division's subtree."""
    return [sum(v for p, v in path_values.items() if p.startswith(d.path)) for d in divisions]


def census(user) -> Census:
    divisions = list(
        Division.objects.filter(level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY]).order_by("path")
    )
    sections = []

    teams = (
        scoped(Team.objects.all(), user)
        .values("division__path", "kind")
        .annotate(n=Count("pk"), people=Sum("headcount"))
        .order_by()
    )
    count, people = defaultdict(dict), defaultdict(dict)
    for t in teams:
        count[t["kind"]][t["division__path"]] = t["n"]
        people[t["kind"]][t["division__path"]] = t["people"] or 0
    section = Section(_("Teams (count / people)"))
    total_n, total_p = defaultdict(int), defaultdict(int)
    for kind, label in TeamKind.choices:
        if kind not in count:
            continue
        ns, ps = _columns(divisions, count[kind]), _columns(divisions, people[kind])
        for i, (n, p) in enumerate(zip(ns, ps, strict=True)):
            total_n[i] += n
            total_p[i] += p
        section.rows.append((str(label), [f"{n} / {p}" for n, p in zip(ns, ps, strict=True)]))
    section.rows.append((_("All teams"), [f"{total_n[i]} / {total_p[i]}" for i in range(len(divisions))]))
    sections.append(section)

    experts = (
        scoped(Expert.objects.all(), user)
        .values("division__path", "fields__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    by_field = defaultdict(dict)
    for e in experts:
        if e["fields__name"]:
            by_field[e["fields__name"]][e["division__path"]] = e["n"]
    all_experts = dict(
        scoped(Expert.objects.all(), user).values_list("division__path").annotate(n=Count("pk")).order_by()
    )
    section = Section(_("Experts by field"))
    for name in ExpertField.objects.values_list("name", flat=True):
        if name in by_field:
            section.rows.append((name, _columns(divisions, by_field[name])))
    section.rows.append((_("All experts"), _columns(divisions, all_experts)))
    sections.append(section)

    shelters = (
        scoped(Shelter.objects.all(), user)
        .values("division__path")
        .annotate(n=Count("pk"), capacity=Sum("capacity"))
        .order_by()
    )
    n = {s["division__path"]: s["n"] for s in shelters}
    capacity = {s["division__path"]: s["capacity"] or 0 for s in shelters}
    caps = _columns(divisions, capacity)
    population = [d.population for d in divisions]
    sections.append(
        Section(
            _("Shelters"),
            [
                (_("Shelters"), _columns(divisions, n)),
                (_("Capacity (people)"), caps),
                (_("Population"), ["" if p is None else p for p in population]),
                (
                    _("Capacity per 100 people"),
                    [round(100 * c / p, 1) if p else "" for c, p in zip(caps, population, strict=True)],
                ),
                (
                    _("Gap (people without a place)"),
                    ["" if p is None else max(0, p - c) for c, p in zip(caps, population, strict=True)],
                ),
            ],
        )
    )

    function = materials_census()
    if function is not None:
        results = [function(d) or {} for d in divisions]
        section = Section(_("Warehouses and stock"))
        labels = []
        for result in results:
            for key, value in result.items():
                if isinstance(value, dict):
                    for sub in value:
                        if (key, sub) not in labels:
                            labels.append((key, sub))
                elif (key, None) not in labels:
                    labels.append((key, None))
        for key, sub in labels:
            values = [(r.get(key) or {}).get(sub, 0) if sub is not None else r.get(key, 0) for r in results]
            section.rows.append((f"{key} · {sub}" if sub is not None else str(key), values))
        sections.append(section)
    return Census(divisions, sections)


def xlsx(data: Census):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Census")[:31]
    sheet.append(["", *[d.name for d in data.divisions]])
    for section in data.sections:
        sheet.append([section.title])
        for label, values in section.rows:
            sheet.append([label, *values])
    return book_response(book, "census.xlsx")
