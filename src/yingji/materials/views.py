from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    model_url,
)
from yingji.core.importing import ImportSpec, ImportView, Report, TableError, read_table, table_template
from yingji.core.roles import Role
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.tables import Column
from yingji.materials import alerts, filters, forms, services
from yingji.materials.models import Balance, Item, MaterialClass, Movement, MovementKind, Warehouse

WAREHOUSE_COLUMNS = [
    Column("name", gettext_lazy("Name"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("owner.name", gettext_lazy("Owner")),
    Column("division.name", gettext_lazy("Division")),
    Column("address", gettext_lazy("Address")),
    Column("capacity", gettext_lazy("Capacity")),
    Column("capacity_unit", gettext_lazy("Capacity unit")),
    Column("manager", gettext_lazy("Manager")),
    Column("latitude", gettext_lazy("Latitude")),
    Column("longitude", gettext_lazy("Longitude")),
]


class WarehouseListView(ObjectListView):
    model = Warehouse
    queryset = Warehouse.objects.select_related("owner", "division", "manager")
    filterset_class = filters.WarehouseFilterSet
    columns = WAREHOUSE_COLUMNS
    hidden_filters = ("owner",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["import_url"] = model_url(self.request.user, "add", Warehouse, "import")
        return context


class WarehouseDetailView(ObjectDetailView):
    model = Warehouse
    queryset = Warehouse.objects.select_related("owner__division", "division", "manager")
    template_name = "materials/warehouse_detail.html"
    fields = [
        Column("kind", gettext_lazy("Kind")),
        Column("owner.name", gettext_lazy("Owner")),
        Column("division.name", gettext_lazy("Division")),
        Column("address", gettext_lazy("Address")),
        Column("latitude", gettext_lazy("Latitude")),
        Column("longitude", gettext_lazy("Longitude")),
        Column("manager", gettext_lazy("Manager")),
        Column("manager.mobile", gettext_lazy("Manager's mobile")),
        Column("capacity", gettext_lazy("Capacity")),
        Column("capacity_unit", gettext_lazy("Capacity unit")),
        Column("notes", gettext_lazy("Notes")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warehouse, user = self.object, self.request.user
        editable = can(user, "add", Movement) and in_scope(user, warehouse, "change")
        balances = list(
            warehouse.balances.filter(Q(quantity__gt=0) | Q(item__in=warehouse.minimums.values("item")))
            .select_related("item__material_class")
            .distinct()
        )
        here = Warehouse.objects.filter(pk=warehouse.pk)
        context.update(
            editable=editable,
            balances=balances,
            totals=services_totals(balances),
            movements=warehouse.movements.select_related("item", "by", "incident", "counterpart")[:30],
            movement_list_url=model_url(user, "view", Movement, "list"),
            low=alerts.low_stock(here),
            expiring=alerts.near_expiry(here),
            expiry_days=alerts.expiry_warning_days(),
            minimums=warehouse.minimums.select_related("item"),
            movement_forms=[
                (kind, f(user=user, warehouse=warehouse), label) for kind, f, label in _movement_forms()
            ]
            if editable
            else [],
            minimum_form=forms.MinimumForm() if editable else None,
        )
        return context


def _movement_forms():
    return [
        ("receipt", forms.ReceiptForm, _("Receipt")),
        ("issue", forms.IssueForm, _("Issue")),
        ("transfer", forms.TransferForm, _("Transfer to another warehouse")),
        ("dispatch", forms.DispatchForm, _("Dispatch to an incident")),
        ("adjustment", forms.AdjustmentForm, _("Stock-taking adjustment")),
    ]


def services_totals(balances: list[Balance]) -> list[dict]:
    """Per item, all batches together, in the order of the balances."""
    totals: dict[int, dict] = {}
    for b in balances:
        row = totals.setdefault(b.item_id, {"item": b.item, "quantity": 0, "batches": 0})
        row["quantity"] += b.quantity  # Python Decimals: exact
        row["batches"] += 1 if b.quantity > 0 else 0
    return list(totals.values())


class WarehouseEditView(ObjectEditView):
    model = Warehouse
    form_class = forms.WarehouseForm

    def initial_values(self):
        org = self.request.user.organisation
        return {"owner": org, "division": org.division if org else None}


class WarehouseDeleteView(ObjectDeleteView):
    model = Warehouse


def _error_lines(exc: ValidationError | PermissionDenied, form=None) -> str:
    """'Quantity: Not enough 救生衣 …': each message with the label of the field it names."""
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You may not do this here.")
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    lines = []
    for field, errors in exc.message_dict.items():
        label = form.fields[field].label if form is not None and field in form.fields else field
        lines.extend(f"{label}: {e}" if field != "__all__" else e for e in errors)
    return " ".join(lines)


@login_required
@require_POST
def record_movement(request, pk, kind):
    warehouse = get_object_or_404(scoped(Warehouse.objects.all(), request.user, "change"), pk=pk)
    if kind not in forms.MOVEMENT_FORMS:
        raise PermissionDenied
    form = forms.MOVEMENT_FORMS[kind](request.POST, user=request.user, warehouse=warehouse)
    if not form.is_valid():
        lines = [
            f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
            for f, e in form.errors.items()
        ]
        messages.error(request, " ".join(lines))
        return HttpResponseRedirect(warehouse.get_absolute_url() + f"#form-{kind}")
    try:
        entry = services.record(request.user, kind, **form.service_data())
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_lines(exc, form))
        return HttpResponseRedirect(warehouse.get_absolute_url() + f"#form-{kind}")
    if entry.movements:
        messages.success(
            request,
            _("Recorded: %(movements)s")
            % {"movements": "; ".join(str(m) for m in entry.movements if m.warehouse_id == warehouse.pk)},
        )
    else:
        messages.info(request, _("The count agrees with the stock: nothing to adjust."))
    return HttpResponseRedirect(warehouse.get_absolute_url() + "#movements")


@login_required
@require_POST
def set_minimum(request, pk):
    warehouse = get_object_or_404(scoped(Warehouse.objects.all(), request.user, "change"), pk=pk)
    form = forms.MinimumForm(request.POST)
    if form.is_valid():
        try:
            services.set_minimum(
                request.user, warehouse, form.cleaned_data["item"], form.cleaned_data["minimum"]
            )
            messages.success(request, _("Minimum saved."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_lines(exc, form))
    else:
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
    return HttpResponseRedirect(warehouse.get_absolute_url() + "#minimums")


class BalanceListView(ObjectListView):
    model = Balance
    queryset = Balance.objects.select_related("warehouse__owner", "item__material_class")
    filterset_class = filters.BalanceFilterSet
    default_filters = {"state": ""}
    hidden_filters = ("warehouse",)
    columns = [
        Column("item.name", gettext_lazy("Item"), link=True),
        Column("item.material_class.name", gettext_lazy("GB/T 38565 class")),
        Column("batch_number", gettext_lazy("Batch")),
        Column("expires_on", gettext_lazy("Expires on")),
        Column("amount", gettext_lazy("Quantity")),
        Column("item.unit", gettext_lazy("Unit")),
        Column("warehouse.name", gettext_lazy("Warehouse")),
        Column("warehouse.owner.name", gettext_lazy("Owner")),
    ]


class MovementListView(ObjectListView):
    model = Movement
    queryset = Movement.objects.select_related("warehouse", "item", "by", "incident", "counterpart")
    filterset_class = filters.MovementFilterSet
    hidden_filters = ("incident", "batch_number")
    columns = [
        Column("at", gettext_lazy("At")),
        Column("kind", gettext_lazy("Kind")),
        Column("warehouse.name", gettext_lazy("Warehouse")),
        Column("item.name", gettext_lazy("Item"), link=True),
        Column("batch_number", gettext_lazy("Batch")),
        Column("amount", gettext_lazy("Quantity")),
        Column("item.unit", gettext_lazy("Unit")),
        Column("amount_after", gettext_lazy("Batch balance after")),
        Column("counterpart.name", gettext_lazy("From / to warehouse")),
        Column("incident.title", gettext_lazy("Incident")),
        Column("reason", gettext_lazy("Reason")),
        Column("reference", gettext_lazy("Document number")),
        Column("by", gettext_lazy("By")),
    ]


def reference_views(model, form_class, filterset_class, columns, detail_template=None):
    """List, detail, edit and delete views of a catalogue table."""
    detail_fields = [c for c in columns if not c.link]
    detail_attrs = {"model": model, "fields": detail_fields}
    if detail_template:
        detail_attrs["template_name"] = detail_template
    views = (
        type(
            f"{model.__name__}List",
            (ObjectListView,),
            {"model": model, "filterset_class": filterset_class, "columns": columns},
        ),
        type(f"{model.__name__}Detail", (ObjectDetailView,), detail_attrs),
        type(f"{model.__name__}Edit", (ObjectEditView,), {"model": model, "form_class": form_class}),
        type(f"{model.__name__}Delete", (ObjectDeleteView,), {"model": model}),
    )
    return dict(zip(("list_view", "detail_view", "edit_view", "delete_view"), views, strict=True))


ITEM_COLUMNS = [
    Column("code", gettext_lazy("Code")),
    Column("name", gettext_lazy("Name"), link=True),
    Column("material_class", gettext_lazy("GB/T 38565 class")),
    Column("specification", gettext_lazy("Specification")),
    Column("unit", gettext_lazy("Unit")),
    Column("minimum_stock", gettext_lazy("Minimum stock per warehouse")),
    Column("shelf_life_days", gettext_lazy("Shelf life (days)")),
    Column("source", gettext_lazy("Source")),
]


class ItemListView(ObjectListView):
    model = Item
    queryset = Item.objects.select_related("material_class")
    filterset_class = filters.ItemFilterSet
    columns = ITEM_COLUMNS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["import_url"] = model_url(self.request.user, "add", Item, "import")
        return context


class ItemDetailView(ObjectDetailView):
    model = Item
    queryset = Item.objects.select_related("material_class")
    template_name = "materials/item_detail.html"
    fields = [c for c in ITEM_COLUMNS if not c.link]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        held = (
            scoped(Warehouse.objects.all(), self.request.user)
            .filter(balances__item=self.object, balances__quantity__gt=0)
            .annotate(quantity=Sum("balances__quantity"), batches=Count("balances"))
            .select_related("owner", "division")
            .order_by("-quantity")
        )
        context["held"] = held
        return context


ITEM_VIEWS = {
    "list_view": ItemListView,
    "detail_view": ItemDetailView,
    "edit_view": type("ItemEdit", (ObjectEditView,), {"model": Item, "form_class": forms.ItemForm}),
    "delete_view": type("ItemDelete", (ObjectDeleteView,), {"model": Item}),
}
CLASS_VIEWS = reference_views(
    MaterialClass,
    forms.MaterialClassForm,
    filters.MaterialClassFilterSet,
    [
        Column("code", gettext_lazy("Code")),
        Column("name", gettext_lazy("Name"), link=True),
        Column("name_en", gettext_lazy("English name")),
        Column("mark", gettext_lazy("Mark")),
        Column("source", gettext_lazy("Source")),
    ],
)


@login_required
def alerts_view(request):
    if not can(request.user, "view", Balance):
        raise PermissionDenied
    warehouses = scoped(Warehouse.objects.all(), request.user)
    found = alerts.alerts_for(warehouses)
    return render(
        request,
        "materials/alerts.html",
        {
            "title": _("Stock alerts"),
            "low": found["low"],
            "expiring": found["expiry"],
            "expiry_days": alerts.expiry_warning_days(),
        },
    )


def alert_panel(request):
    """On the home page of office staff: how many stock alerts, and the first few of each."""
    user = request.user
    if not (user.is_superuser or user.role in (Role.OFFICE, Role.ADMIN)) or not can(user, "view", Balance):
        return None
    found = alerts.alerts_for(scoped(Warehouse.objects.all(), user))
    return {
        "low": found["low"][:5],
        "expiring": found["expiry"][:5],
        "counts": {k: len(v) for k, v in found.items()},
    }


def incident_panel(request, incident):
    """On an incident's page: the materials dispatched to it."""
    if not can(request.user, "view", Movement):
        return None
    movements = list(
        scoped(incident.material_movements.select_related("warehouse", "item"), request.user).order_by("at")
    )
    if not movements:
        return None
    return {"movements": movements, "kind": MovementKind.DISPATCH}


class WarehouseImportView(ImportView):
    """Warehouses from CSV / XLSX; a row names its owner and division by name (or code). Re-importing the same
    file updates the warehouses (matched on owner and name)."""

    spec = ImportSpec(
        model=Warehouse,
        form_class=forms.WarehouseForm,
        columns=[
            "name",
            "kind",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "manager",
            "capacity",
            "capacity_unit",
            "notes",
        ],
        key=("owner", "name"),
        example=[
            "梅县区防汛物资仓库",
            "government",
            "梅州市梅县区水利局",
            "梅县区",
            "梅州市梅县区新城街道宪梓大道9号",
            "24.267",
            "116.083",
            "",
            "800",
            "m2",
            "",
        ],
    )


class ItemImportView(ImportView):
    """Catalogue items (administrators): matched on their code, so a second import updates them."""

    spec = ImportSpec(
        model=Item,
        form_class=forms.ItemForm,
        columns=[
            "code",
            "name",
            "material_class",
            "specification",
            "unit",
            "minimum_stock",
            "shelf_life_days",
            "source",
        ],
        key=("code",),
        example=["2-LIFEJ", "救生衣", "2", "成人救生衣", "件", "100", "1825", ""],
    )


@dataclass
class CountReport(Report):
    rows: int = 0
    written: int = 0


class StockCountImportView(ImportView):
    """A stock count (stocktake, opening balances) from CSV / XLSX: each row is the quantity counted on hand of
    a batch; the ledger records the difference from the balance as an adjustment (services.apply_counts), so
    importing the same file again writes nothing and a corrected file moves the balances to the new count."""

    template_name = "materials/stock_import.html"

    def allowed(self, user) -> bool:
        return can(user, "add", Movement)

    def template_download(self, fmt: str) -> HttpResponse:
        return table_template(services.COUNT_COLUMNS, services.COUNT_EXAMPLE, "stock-count-template", fmt)

    def run(self, upload) -> CountReport:
        report = CountReport()
        try:
            rows = read_table(upload)
        except TableError as exc:
            report.add(0, "", exc)
            return report
        counts, errors = services.check_counts(self.request.user, rows)
        for row, column, reason in errors:
            report.add(row, column, reason)
        if report.errors:
            return report
        try:
            movements = services.apply_counts(self.request.user, counts, source=upload.name)
        except (ValidationError, PermissionDenied) as exc:
            report.add(getattr(exc, "row", 0), "", _error_lines(exc))
            return report
        report.rows, report.written = len(rows), len(movements)
        return report

    def succeeded(self, report: CountReport) -> HttpResponse:
        messages.success(
            self.request,
            _(
                "Stock count imported. Rows read: %(rows)s; adjustments written: %(written)s; "
                "rows unchanged: %(unchanged)s."
            )
            % {"rows": report.rows, "written": report.written, "unchanged": report.rows - report.written},
        )
        return HttpResponseRedirect(reverse("materials:balance_list"))

    def context(self) -> dict:
        return {
            "title": _("Import a stock count"),
            "columns": services.COUNT_COLUMNS,
            "key": ("warehouse", "item", "batch_number"),
        }
