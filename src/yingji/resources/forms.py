from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Division, DivisionLevel
from yingji.resources.models import Deployment, Expert, ExpertField, Mission, Shelter, Team

DATE = forms.DateInput(attrs={"type": "date"})
POSITION_HELP = _("Click the map to set the position.")


def _not_villages(form, *names):
    for name in names:
        if name in form.fields:
            form.fields[name].queryset = form.fields[name].queryset.exclude(level=DivisionLevel.VILLAGE)


class ExpertForm(ScopedModelForm):
    class Meta:
        model = Expert
        fields = [
            "name",
            "fields",
            "title",
            "employer",
            "division",
            "owner",
            "phone",
            "email",
            "availability",
            "unavailable_until",
            "latitude",
            "longitude",
            "notes",
        ]
        widgets = {
            "unavailable_until": DATE,
            "fields": forms.SelectMultiple(attrs={"size": 8}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Experts are placed anywhere in the city, whoever records them.
        self.fields["division"].queryset = Division.objects.exclude(level=DivisionLevel.VILLAGE)
        self.fields["latitude"].help_text = _("Empty: the seat of the division.")
        if self.instance.position_from_division and not self.is_bound:
            self.initial["latitude"] = self.initial["longitude"] = None

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data


class TeamForm(ScopedModelForm):
    class Meta:
        model = Team
        fields = [
            "name",
            "kind",
            "team_class",
            "headcount",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "duty_phone",
            "contacts",
            "readiness",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.exclude(level=DivisionLevel.VILLAGE)
        self.fields["latitude"].help_text = POSITION_HELP


class ShelterForm(ScopedModelForm):
    class Meta:
        model = Shelter
        fields = [
            "name",
            "shelter_class",
            "setting",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "capacity",
            "occupancy",
            "status",
            "water",
            "power",
            "toilets",
            "medical",
            "kitchen",
            "divisions_served",
            "population_served",
            "manager",
            "phone",
            "contacts",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.exclude(level=DivisionLevel.VILLAGE)
        _not_villages(self, "divisions_served")
        self.fields["latitude"].help_text = POSITION_HELP


class ExpertFieldForm(ScopedModelForm):
    class Meta:
        model = ExpertField
        fields = ["code", "name", "order"]


class MissionForm(forms.ModelForm):
    mark = forms.BooleanField(label=_("Mark the expert as on a mission"), required=False)

    class Meta:
        model = Mission
        fields = ["date", "incident", "description"]
        widgets = {"date": DATE, "incident": forms.NumberInput}
        labels = {"incident": _("Incident (number)")}


class DeploymentForm(forms.ModelForm):
    mark = forms.BooleanField(label=_("Mark the team as deployed"), required=False)

    class Meta:
        model = Deployment
        fields = ["date", "incident", "note"]
        widgets = {"date": DATE, "incident": forms.NumberInput}
        labels = {"incident": _("Incident (number)")}


class EquipmentForm(forms.Form):
    kind = forms.CharField(label=_("Equipment"), max_length=60)
    count = forms.IntegerField(label=_("Count (0 removes it)"), min_value=0)


class OccupancyForm(forms.Form):
    occupancy = forms.IntegerField(label=_("Current occupancy"), min_value=0)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Shelter.Status.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "id": "occ-status"}),
    )
