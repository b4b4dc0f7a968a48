import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet, WithinDivisionFilter
from yingji.resources.models import Expert, ExpertField, Shelter, Team, TeamClass, TeamKind


class TeamFilterSet(SearchFilterSet):
    search_fields = ("name", "address", "owner__name", "division__name")
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=TeamKind.choices)
    team_class = django_filters.ChoiceFilter(label=_("Class"), choices=TeamClass.choices)
    readiness = django_filters.ChoiceFilter(label=_("Readiness"), choices=Team.Readiness.choices)
    division = WithinDivisionFilter(label=_("Based in (and below)"))

    class Meta:
        model = Team
        fields = ["q", "kind", "team_class", "readiness", "division", "owner"]


class ExpertFilterSet(SearchFilterSet):
    search_fields = ("name", "title", "employer", "division__name")
    fields_ = django_filters.ModelChoiceFilter(
        label=_("Field"), field_name="fields", queryset=ExpertField.objects.all()
    )
    availability = django_filters.ChoiceFilter(label=_("Availability"), choices=Expert.Availability.choices)
    division = WithinDivisionFilter(label=_("Division (and below)"))

    class Meta:
        model = Expert
        fields = ["q", "fields_", "availability", "division", "owner"]

    def __init__(self, data=None, *args, **kwargs):
        # The query parameter is `field` (a field's id or code).
        if data is not None and "field" in data and "fields_" not in data:
            data = data.copy()
            value = data.get("field")
            if value and not value.isdigit():
                match = ExpertField.objects.filter(code=value).values_list("pk", flat=True).first()
                value = str(match) if match else "0"
            data["fields_"] = value
        super().__init__(data, *args, **kwargs)


class ShelterFilterSet(SearchFilterSet):
    search_fields = ("name", "address", "manager", "division__name")
    shelter_class = django_filters.ChoiceFilter(label=_("Class"), choices=Shelter.ShelterClass.choices)
    setting = django_filters.ChoiceFilter(label=_("Indoor / outdoor"), choices=Shelter.Setting.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Shelter.Status.choices)
    division = WithinDivisionFilter(label=_("Located in (and below)"))
    free = django_filters.NumberFilter(label=_("Free places at least"), method="free_at_least")

    class Meta:
        model = Shelter
        fields = ["q", "shelter_class", "setting", "status", "division", "free", "owner"]

    def free_at_least(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(status=Shelter.Status.FULL).filter(capacity__gte=F("occupancy") + int(value))


class ExpertFieldFilterSet(SearchFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = ExpertField
        fields = ["q"]
