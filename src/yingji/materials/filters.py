import datetime

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.incidents.models import Incident
from yingji.materials.alerts import expiry_warning_days
from yingji.materials.models import Balance, Item, MaterialClass, Movement, MovementKind, Warehouse


class WarehouseFilterSet(SearchFilterSet):
    search_fields = ("name", "address", "owner__name", "division__name")
    division = WithinDivisionFilter(label=_("Division (and below)"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Warehouse.Kind.choices)
    item = django_filters.ModelChoiceFilter(
        label=_("Holding item"), queryset=Item.objects.all(), method="holding"
    )

    class Meta:
        model = Warehouse
        fields = ["q", "division", "kind", "item", "owner"]

    def holding(self, queryset, name, value):
        if not value:
            return queryset
        held = Balance.objects.filter(warehouse=OuterRef("pk"), item=value, quantity__gt=0)
        return queryset.filter(Exists(held))


class ItemFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "specification")
    material_class = django_filters.ModelChoiceFilter(
        label=_("GB/T 38565 class"), queryset=MaterialClass.objects.all()
    )

    class Meta:
        model = Item
        fields = ["q", "material_class"]


class MaterialClassFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "name_en")

    class Meta:
        model = MaterialClass
        fields = ["q"]


class BalanceFilterSet(SearchFilterSet):
    search_fields = ("item__name", "item__code", "batch_number", "warehouse__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="warehouse__division")
    item = django_filters.ModelChoiceFilter(label=_("Item"), queryset=Item.objects.all())
    material_class = django_filters.ModelChoiceFilter(
        label=_("GB/T 38565 class"), field_name="item__material_class", queryset=MaterialClass.objects.all()
    )
    state = django_filters.ChoiceFilter(
        label=_("Stock"),
        method="by_state",
        empty_label=_("Holding stock"),
        choices=[("all", _("All batches, also empty")), ("expiring", _("Near expiry or expired"))],
    )

    class Meta:
        model = Balance
        fields = ["q", "division", "item", "material_class", "warehouse", "state"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("state"):
            queryset = queryset.filter(quantity__gt=0)
        return queryset

    def by_state(self, queryset, name, value):
        if value == "expiring":
            until = timezone.localdate() + datetime.timedelta(days=expiry_warning_days())
            return queryset.filter(quantity__gt=0, expires_on__lte=until)
        return queryset


class MovementFilterSet(SearchFilterSet):
    search_fields = ("item__name", "batch_number", "reason", "reference", "warehouse__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="warehouse__division")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=MovementKind.choices)
    item = django_filters.ModelChoiceFilter(label=_("Item"), queryset=Item.objects.all())
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")
    incident = django_filters.ModelChoiceFilter(label=_("Incident"), queryset=Incident.objects.all())

    class Meta:
        model = Movement
        fields = ["q", "division", "warehouse", "item", "kind", "since", "until", "incident", "batch_number"]
