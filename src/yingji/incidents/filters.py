import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.incidents.models import LEVEL_CHOICES, EventType, Incident, IncidentStatus, Obligation


class EventTypeFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = EventType
        fields = ["q", "level"]


class IncidentFilterSet(SearchFilterSet):
    search_fields = ("title", "address", "reporter_name", "event_type__name")
    division = WithinDivisionFilter(label=_("Division (and below)"))
    type = django_filters.CharFilter(
        label=_("Event type (code or prefix)"), field_name="event_type__code", lookup_expr="startswith"
    )
    level = django_filters.ChoiceFilter(label=_("Level"), choices=LEVEL_CHOICES)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=IncidentStatus.choices)
    month = django_filters.CharFilter(label=_("Month (YYYY-MM)"), method="in_month")
    open = django_filters.BooleanFilter(label=_("Open only"), field_name="closed_at", lookup_expr="isnull")

    class Meta:
        model = Incident
        fields = ["q", "division", "type", "level", "status", "month", "open"]

    def in_month(self, queryset, name, value):
        try:
            start = datetime.datetime.strptime(value.strip(), "%Y-%m")
        except ValueError:
            raise ValidationError(_("Write the month as YYYY-MM, e.g. 2026-07.")) from None
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        tz = timezone.get_current_timezone()
        return queryset.filter(
            occurred_at__gte=start.replace(tzinfo=tz), occurred_at__lt=end.replace(tzinfo=tz)
        )


class ObligationFilterSet(SearchFilterSet):
    search_fields = ("incident__title", "owed_to", "owed_by")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="incident__division")
    state = django_filters.ChoiceFilter(
        label=_("State"),
        method="in_state",
        choices=[
            ("open", _("Not yet made")),
            ("overdue", _("Overdue")),
            ("done", _("Made")),
            ("late", _("Made late")),
        ],
    )

    class Meta:
        model = Obligation
        fields = ["q", "division", "state", "kind"]

    def in_state(self, queryset, name, value):
        now = timezone.now()
        live = queryset.filter(withdrawn_at__isnull=True)
        return {
            "open": live.filter(done_at__isnull=True),
            "overdue": live.filter(done_at__isnull=True, due_at__lt=now),
            "done": live.filter(done_at__isnull=False),
            "late": live.filter(done_at__gt=F("due_at")),
        }[value]
