import django_filters
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.duty.models import CallList, DutyRole, Handover, LogEntry, Shift


class CallListFilterSet(SearchFilterSet):
    search_fields = ("name", "purpose", "owner__name", "members__contact__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")

    class Meta:
        model = CallList
        fields = ["q", "division", "owner", "shared"]

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()


class ShiftFilterSet(SearchFilterSet):
    search_fields = ("owner__name", "note", "members__user__first_name", "members__contact__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Shift.Kind.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="ends_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="starts_at", lookup_expr="date__lte")
    at = django_filters.IsoDateTimeFilter(label=_("On duty at"), method="covering")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=DutyRole.choices, field_name="members__role")

    class Meta:
        model = Shift
        fields = ["q", "division", "owner", "kind", "since", "until", "at", "role"]

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()

    def covering(self, queryset, name, value):
        return queryset.filter(starts_at__lte=value, ends_at__gt=value) if value else queryset


class LogEntryFilterSet(SearchFilterSet):
    search_fields = ("content", "source", "passed_to")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=LogEntry.Kind.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")
    open = django_filters.BooleanFilter(label=_("Follow-up open"), method="open_follow_up")

    class Meta:
        model = LogEntry
        fields = [
            "q",
            "division",
            "owner",
            "kind",
            "since",
            "until",
            "follow_up_needed",
            "open",
            "incident",
            "shift",
        ]

    def open_follow_up(self, queryset, name, value):
        if value is None:
            return queryset
        condition = {"follow_up_needed": True, "follow_ups__follow_up_done": True}
        closed = queryset.model.objects.filter(**condition).values("pk")
        if value:
            return queryset.filter(follow_up_needed=True, corrections__isnull=True).exclude(pk__in=closed)
        return queryset.filter(pk__in=closed)


class HandoverFilterSet(SearchFilterSet):
    search_fields = ("open_matters", "equipment_status")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")
    acknowledged = django_filters.BooleanFilter(
        label=_("Acknowledged"), field_name="acknowledged_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Handover
        fields = ["q", "division", "owner", "acknowledged"]
