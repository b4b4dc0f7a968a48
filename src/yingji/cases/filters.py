import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.cases.models import Case
from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.incidents.models import LEVEL_CHOICES

DATE = forms.DateInput(attrs={"type": "date"})


class CaseFilterSet(SearchFilterSet):
    search_fields = ("title", "address", "course", "response", "lessons", "rectification", "event_type__name")
    type = django_filters.CharFilter(
        label=_("Event type (code or prefix)"), field_name="event_type__code", lookup_expr="startswith"
    )
    level = django_filters.ChoiceFilter(label=_("Level"), choices=LEVEL_CHOICES)
    since = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    until = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)
    division = WithinDivisionFilter(label=_("Division (and below)"))
    published = django_filters.BooleanFilter(
        label=_("Publication"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Published")), ("false", _("Drafts"))]),
    )

    class Meta:
        model = Case
        fields = ["q", "type", "level", "since", "until", "division", "published", "owner", "incident"]
