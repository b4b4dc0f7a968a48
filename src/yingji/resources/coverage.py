"""Shelter coverage: per division, the places its shelters offer against the people who live there."""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from yingji.core.models import Division, DivisionLevel
from yingji.core.scoping import scoped
from yingji.resources.models import Shelter


@dataclass
class Row:
    division: Division
    depth: int
    population: int | None  # None: not known for the division
    shelters: int = 0
    capacity: int = 0
    occupancy: int = 0
    open_shelters: int = 0

    @property
    def gap(self) -> int | None:
        """People without a place if everyone had to shelter (0 when capacity suffices; None: population unknown)."""
        return None if self.population is None else max(0, self.population - self.capacity)

    @property
    def ratio(self) -> float | None:
        return round(100 * self.capacity / self.population, 1) if self.population else None


def rows(user) -> list[Row]:
    """The city, its counties and their towns, each with the shelters located in it (and below)."""
    divisions = list(
        Division.objects.filter(
            level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY, DivisionLevel.TOWN]
        ).order_by("path")
    )
    if not divisions:
        return []
    top = min(d.path.count("/") for d in divisions)
    result = [Row(d, d.path.count("/") - top, d.population) for d in divisions]
    by_path = {r.division.path: r for r in result}
    shelters = (
        scoped(Shelter.objects.all(), user)
        .values("division__path", "status")
        .annotate(n=Count("pk"), capacity=Sum("capacity"), occupancy=Sum("occupancy"))
        .order_by()
    )
    for s in shelters:
        path = s["division__path"]
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            row = by_path.get("/".join(parts[:i]) + "/")
            if row is None:
                continue
            row.shelters += s["n"]
            row.capacity += s["capacity"] or 0
            row.occupancy += s["occupancy"] or 0
            if s["status"] != Shelter.Status.CLOSED:
                row.open_shelters += s["n"]
    return result


def totals(rows: list[Row]) -> Row | None:
    return rows[0] if rows else None


HEADERS = [
    gettext_noop("Division"),
    gettext_noop("Population"),
    gettext_noop("Shelters"),
    "open",
    gettext_noop("Capacity"),
    gettext_noop("Occupancy"),
    gettext_noop("Capacity per 100 people"),
    gettext_noop("Gap"),
]


def xlsx(rows: list[Row]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Shelter coverage")[:31]
    sheet.append([pgettext("shelter status", "Open") if h == "open" else _(h) for h in HEADERS])
    for r in rows:
        sheet.append(
            [
                "  " * r.depth + r.division.name,
                r.population,
                r.shelters,
                r.open_shelters,
                r.capacity,
                r.occupancy,
                r.ratio,
                r.gap,
            ]
        )
    return book_response(book, "shelter-coverage.xlsx")


def book_response(book, filename: str) -> HttpResponse:
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
