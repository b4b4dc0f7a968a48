import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.plans.models import CalendarDay, Category, Kind, Level, Plan, RequiredPlan, ReviewCycle
from yingji.plans.services import today


class PlanFilterSet(SearchFilterSet):
    search_fields = ("title", "number", "summary", "owner__name")
    division = WithinDivisionFilter(label=_("Division (and below)"), lookup="owner__division")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Category.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Plan.Status.choices)
    filing = django_filters.ChoiceFilter(label=_("Filing"), choices=Plan.Filing.choices)
    due = django_filters.ChoiceFilter(
        label=_("Due"),
        method="overdue",
        choices=[
            ("filing", _("Filing late")),
            ("evaluation", _("Evaluation overdue")),
            ("drill", _("Drill overdue")),
        ],
    )

    class Meta:
        model = Plan
        fields = ["q", "division", "kind", "category", "level", "status", "filing", "required", "due"]

    def overdue(self, queryset, name, value):
        on = today()
        live = queryset.exclude(status__in=[Plan.Status.DRAFT, Plan.Status.ABOLISHED])
        if value == "filing":
            return live.filter(
                Q(filing__in=[Plan.Filing.NONE, Plan.Filing.RETURNED], filing_due__lt=on)
                | Q(submitted_at__date__gt=F("filing_due"))
            )
        if value == "evaluation":
            return live.filter(evaluation_due__lt=on)
        return live.filter(drill_due__lt=on)


class RequiredPlanFilterSet(SearchFilterSet):
    search_fields = ("name", "lead_department")

    class Meta:
        model = RequiredPlan
        fields = ["q", "category"]


class CalendarDayFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = CalendarDay
        fields = ["q", "kind"]


class ReviewCycleFilterSet(SearchFilterSet):
    search_fields = ("kind", "category", "source")

    class Meta:
        model = ReviewCycle
        fields = ["q"]
