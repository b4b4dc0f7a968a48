import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.hazards import services
from yingji.hazards.models import Colour, Hazard, Inspection, Rectification


class HazardFilterSet(SearchFilterSet):
    search_fields = ("name", "category", "address", "responsible_person", "division__name")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=Hazard.Kind.choices)
    level = django_filters.MultipleChoiceFilter(label=_("Risk level"), choices=Colour.choices)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Hazard.Status.choices)
    division = WithinDivisionFilter(label=_("Division (and below)"))
    event_type = django_filters.CharFilter(label=_("Event type code"), method="by_event_type")

    class Meta:
        model = Hazard
        fields = ["q", "kind", "level", "status", "division", "event_type", "owner", "inspection"]

    def by_event_type(self, queryset, name, value):
        """Hazards with an event type code starting with the value (12D finds 12D and 12D01)."""
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(Q(event_types__istartswith=value) | Q(event_types__icontains=f" {value}"))


class RectificationFilterSet(SearchFilterSet):
    search_fields = ("measures", "hazard__name", "unit__name")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Rectification.Status.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="by_overdue")
    division = WithinDivisionFilter(
        label=_("Division (and below)"), lookup="hazard__division", field_name="hazard__division"
    )

    class Meta:
        model = Rectification
        fields = ["q", "status", "overdue", "division", "hazard", "unit"]

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = services.overdue_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)


class InspectionFilterSet(SearchFilterSet):
    search_fields = ("inspected_unit", "inspectors", "findings")
    division = WithinDivisionFilter(label=_("Division (and below)"))
    date_after = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte")

    class Meta:
        model = Inspection
        fields = ["q", "division", "date_after", "date_before", "owner"]
