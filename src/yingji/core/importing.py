"""Bulk import from CSV or XLSX for any library: every row checked by the model's form first, then all rows
saved or none, with a report naming every rejected row, column and reason. A row whose natural key matches a
record already in the user's reach updates it instead of adding a duplicate.

A module declares what to import:

    class ExpertImportView(ImportView):
        spec = ImportSpec(
            model=Expert,
            form_class=ExpertForm,             # a ScopedModelForm: choices limited to what the user may see
            columns=["name", "employer", "division", "fields", "phone"],
            key=("name", "employer"),
            example=["张三", "梅州市人民医院", "梅江区", "医学;传染病", "13700000000"],
        )

Cells name related records the way people write them: a division or organisation by its name (or code), a
user by username, several values separated by ";" or "、". `lookups` overrides that per column with a
function (user, text) -> value for the form (a primary key, or a list of them), raising ValidationError for
text it cannot place.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook, load_workbook

from yingji.core import services
from yingji.core.scoping import can, scoped

TRUE = {"1", "true", "yes", "y", "是", "有", "√", "✓"}
FALSE = {"", "0", "false", "no", "n", "否", "无", "×"}
NATURAL_FIELDS = ("code", "username", "name", "title")  # how a cell names a related record, in order
SEPARATORS = (";", "；", "、")


@dataclass
class ImportSpec:
    model: type[Model]
    form_class: type[forms.ModelForm]
    columns: list[str]
    key: tuple[str, ...]
    lookups: dict[str, Callable[[Any, str], Any]] = field(default_factory=dict)
    example: list[str] = field(default_factory=list)


@dataclass
class Report:
    errors: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (row, column, reason); row 1 is the header
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, row: int, column: str, reason) -> None:
        self.errors.append((row, column, str(reason)))


class TableError(ValueError):
    pass


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def read_table(upload) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file as dicts keyed by the header."""
    data = upload.read()
    try:
        if upload.name.lower().endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    except (UnicodeDecodeError, ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise TableError(
            _("The file cannot be read as CSV (UTF-8) or XLSX: %(error)s") % {"error": exc}
        ) from exc
    if not table:
        raise TableError(_("The file is empty."))
    header = table[0]
    return [dict(zip(header, row, strict=False)) for row in table[1:] if any(row)]


def _header_names(spec: ImportSpec, form: forms.ModelForm) -> dict[str, str]:
    """Header text -> column: the field name, or its label in the user's language."""
    names = {c: c for c in spec.columns}
    for column in spec.columns:
        if column in form.fields:
            names[str(form.fields[column].label)] = column
    return names


def _resolve(field_obj: forms.ModelChoiceField, text: str):
    queryset = field_obj.queryset
    fields = {f.name for f in queryset.model._meta.get_fields()}
    for name in NATURAL_FIELDS:
        if name in fields:
            found = list(queryset.filter(**{name: text})[:2])
            if len(found) == 1:
                return found[0].pk
            if len(found) > 1:
                raise ValidationError(_("%(text)s names more than one record.") % {"text": text})
    if text.isdigit() and queryset.filter(pk=int(text)).exists():
        return int(text)
    raise ValidationError(_("%(text)s is unknown, or outside your organisation.") % {"text": text})


def _value(spec: ImportSpec, user, form: forms.ModelForm, column: str, text: str):
    if column in spec.lookups:
        return spec.lookups[column](user, text)
    field_obj = form.fields.get(column)
    if isinstance(field_obj, forms.ModelMultipleChoiceField):
        parts = [text]
        for separator in SEPARATORS:
            parts = [p for part in parts for p in part.split(separator)]
        return [_resolve(field_obj, p.strip()) for p in parts if p.strip()]
    if isinstance(field_obj, forms.ModelChoiceField):
        return _resolve(field_obj, text) if text else ""
    if isinstance(field_obj, forms.BooleanField | forms.NullBooleanField):
        lowered = text.lower()
        if lowered in TRUE:
            return "true"
        if lowered in FALSE:
            return "false" if isinstance(field_obj, forms.BooleanField) or text else ""
        raise ValidationError(_("Write yes or no (是 / 否)."))
    if isinstance(field_obj, forms.ChoiceField) and text:
        by_label = {str(label): value for value, label in field_obj.choices}
        return by_label.get(text, text)
    return text


def _existing(spec: ImportSpec, user, data: dict):
    """The record the row's natural key names, if any: (record or None, error or None)."""
    lookup = {}
    for name in spec.key:
        value = data.get(name, "")
        lookup[f"{name}_id" if spec.model._meta.get_field(name).is_relation else name] = value or None
    matches = spec.model._default_manager.filter(**lookup)
    found = matches.first()
    if found is None:
        return None, None
    if not scoped(matches, user, "change").exists():
        return None, _("A record with this key exists outside your organisation.")
    return found, None


def import_table(user, spec: ImportSpec, upload) -> Report:
    report = Report()
    if not can(user, "add", spec.model):
        report.add(0, "", _("Your role may not add these records."))
        return report
    try:
        rows = read_table(upload)
    except TableError as exc:
        report.add(0, "", exc)
        return report
    probe = spec.form_class(user=user)
    headers = _header_names(spec, probe)
    missing = [k for k in spec.key if not rows or k not in {headers.get(h) for h in rows[0]}]
    if not rows or missing:
        report.add(
            1,
            ", ".join(missing),
            _("The file needs the columns %(columns)s.") % {"columns": ", ".join(spec.key)},
        )
        return report
    ready: list[tuple[int, forms.ModelForm, bool]] = []
    seen: dict[tuple, int] = {}
    for number, row in enumerate(rows, start=2):
        data: dict[str, Any] = {}
        bad = False
        for header, text in row.items():
            column = headers.get(header)
            if column is None:
                continue
            try:
                data[column] = _value(spec, user, probe, column, text or "")
            except ValidationError as exc:
                for message in exc.messages:
                    report.add(number, header, message)
                bad = True
        if bad:
            continue
        key = tuple(str(data.get(k, "")) for k in spec.key)
        if key in seen:
            report.add(number, ", ".join(spec.key), _("The same key as row %(row)s.") % {"row": seen[key]})
            continue
        seen[key] = number
        instance, problem = _existing(spec, user, data)
        if problem:
            report.add(number, ", ".join(spec.key), problem)
            continue
        form = _bound(spec, user, data, instance)
        if not form.is_valid():
            for column, errors in form.errors.items():
                for message in errors:
                    report.add(number, column if column != "__all__" else "", message)
            continue
        ready.append((number, form, instance is not None))
    if report.errors:
        return report
    failed_at = 0
    try:
        with transaction.atomic():
            for row_number, form, updating in ready:
                failed_at = row_number
                obj = services.save_scoped(user, form.save(commit=False))
                form.instance = obj
                form.save_m2m()
                report.updated += updating
                report.created += not updating
    except (ValidationError, PermissionDenied) as exc:
        report.created = report.updated = 0
        for message in getattr(exc, "messages", [str(exc)]):
            report.add(failed_at, "", message)
    return report


def _bound(spec: ImportSpec, user, data: dict, instance) -> forms.ModelForm:
    """The row's form. On update, columns the file leaves out keep their stored values."""
    if instance is not None:
        initial = forms.models.model_to_dict(instance, fields=list(spec.form_class._meta.fields or []))
        for name, value in initial.items():
            if name not in data:
                data[name] = (
                    [v.pk if hasattr(v, "pk") else v for v in value] if isinstance(value, list) else value
                )
    return spec.form_class(data, instance=instance, user=user)


def template_response(spec: ImportSpec, fmt: str = "xlsx") -> HttpResponse:
    return table_template(spec.columns, spec.example, f"{spec.model._meta.model_name}-template", fmt)


def table_template(columns: list[str], example: list[str], stem: str, fmt: str = "xlsx") -> HttpResponse:
    """An empty table with its header and one example row, as CSV or XLSX."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly only with a BOM
        writer = csv.writer(buffer)
        writer.writerow(columns)
        if example:
            writer.writerow(example)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(columns)
        if example:
            sheet.append(example)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV in UTF-8, or XLSX)"))


class ImportView(LoginRequiredMixin, View):
    """GET: the upload form and the template; POST: check and import, then back to the list or the report.

    A library whose rows are not model-form records (stock counts written through the ledger) overrides the
    hooks: `allowed` (who may import), `run` (check and import the upload, all or nothing, into a Report),
    `template_download`, `succeeded` (where to go after a clean import) and `context`."""

    spec: ImportSpec
    template_name = "core/generic/import.html"

    def allowed(self, user) -> bool:
        return can(user, "add", self.spec.model)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if request.GET.get("template") in ("csv", "xlsx"):
            return self.template_download(request.GET["template"])
        return self.render(ImportForm(), None)

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, None)
        report = self.run(form.cleaned_data["file"])
        if report.ok:
            return self.succeeded(report)
        return self.render(form, report)

    def template_download(self, fmt: str) -> HttpResponse:
        return template_response(self.spec, fmt)

    def run(self, upload) -> Report:
        return import_table(self.request.user, self.spec, upload)

    def succeeded(self, report: Report) -> HttpResponse:
        messages.success(
            self.request,
            _("Imported: %(created)s added, %(updated)s updated.")
            % {"created": report.created, "updated": report.updated},
        )
        meta = self.spec.model._meta
        return HttpResponseRedirect(reverse(f"{meta.app_label}:{meta.model_name}_list"))

    def context(self) -> dict:
        return {
            "title": _("Import %(things)s") % {"things": self.spec.model._meta.verbose_name_plural},
            "columns": self.spec.columns,
            "key": self.spec.key,
        }

    def render(self, form, report):
        return render(self.request, self.template_name, {**self.context(), "form": form, "report": report})
