"""CSV and XLSX exports of a (scoped, filtered) queryset, with the columns of its list page."""

import csv
import datetime
import decimal
import io

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yingji.core.tables import Column

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).replace(tzinfo=None, microsecond=0)
            if timezone.is_aware(value)
            else value
        )
    if isinstance(value, bool | int | float | decimal.Decimal | datetime.date):
        return value
    return str(value)


def rows(queryset, columns: list[Column]):
    for obj in queryset.iterator(chunk_size=1000):
        yield [_cell(c.value(obj)) for c in columns]


def filename_for(stem: str, ext: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{ext}"


def csv_response(queryset, columns: list[Column], stem: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly only with a BOM
    writer = csv.writer(buffer)
    writer.writerow([str(c.label) for c in columns])
    for row in rows(queryset, columns):
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename_for(stem, "csv")}"'
    return response


def xlsx_response(queryset, columns: list[Column], stem: str, title: str) -> HttpResponse:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = str(title)[:31]
    sheet.append([str(c.label) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(queryset, columns):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(
            10, len(str(column.label)) * 2 + 4
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename_for(stem, "xlsx")}"'
    return response
