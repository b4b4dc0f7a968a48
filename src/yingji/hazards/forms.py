import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Division, DivisionLevel, Organisation
from yingji.core.scoping import scoped
from yingji.hazards.models import Hazard, Inspection, RiskAssessment, clean_area
from yingji.rules import risk

DATE = forms.DateInput(attrs={"type": "date"})


class AreaField(forms.JSONField):
    """A polygon as JSON ([[lat, lon], ...]); checked and closed by `clean_area`, errors naming the field."""

    def clean(self, value):
        points = super().clean(value)
        try:
            return clean_area(points)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["area"]) from None


class HazardForm(ScopedModelForm):
    area = AreaField(
        label=_("area"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A polygon as a list of [latitude, longitude] points; it is closed for you."),
    )

    class Meta:
        model = Hazard
        fields = [
            "name",
            "kind",
            "category",
            "event_types",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area",
            "people_exposed",
            "property_exposed",
            "responsible_person",
            "responsible_phone",
            "status",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Hazards lie anywhere in the reach of the owner; divisions are reference data read by everyone.
        self.fields["division"].queryset = Division.objects.exclude(level=DivisionLevel.VILLAGE)
        self.fields["latitude"].help_text = _("Click the map to set the position; a zone's is its centroid.")


class InspectionForm(ScopedModelForm):
    class Meta:
        model = Inspection
        fields = [
            "date",
            "inspected_unit",
            "owner",
            "division",
            "inspectors",
            "findings",
            "event_types",
            "latitude",
            "longitude",
        ]
        widgets = {"date": DATE, "findings": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.exclude(level=DivisionLevel.VILLAGE)


def _choices(factor):
    return [("", "—")] + [(risk.plain(v), risk.plain(v)) for v in risk.factor_values(factor)]


class AssessmentForm(forms.Form):
    method = forms.ChoiceField(label=_("method"), choices=RiskAssessment.Method.choices)
    likelihood = forms.CharField(label=_("likelihood (L, or matrix 1–5)"), required=False)
    exposure = forms.ChoiceField(label=_("exposure (E)"), required=False, choices=())
    consequence = forms.ChoiceField(label=_("consequence (C)"), required=False, choices=())
    severity = forms.TypedChoiceField(
        label=_("severity (matrix)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, n) for n in range(1, 6)],
    )
    assessed_on = forms.DateField(label=_("assessed on"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exposure"].choices = _choices("E")
        self.fields["consequence"].choices = _choices("C")

    def inputs(self) -> dict:
        data = self.cleaned_data
        if data["method"] == RiskAssessment.Method.LEC:
            return {name: data.get(name) for name in ("likelihood", "exposure", "consequence")}
        return {name: data.get(name) for name in ("likelihood", "severity")}


class RectificationForm(forms.Form):
    measures = forms.CharField(label=_("measures"), widget=forms.Textarea(attrs={"rows": 2}))
    unit = forms.ModelChoiceField(label=_("responsible unit"), queryset=Organisation.objects.all())
    deadline = forms.DateField(label=_("deadline"), widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["unit"].queryset = scoped(Organisation.objects.all(), user)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label=_("new deadline"), widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=500)


class VerifyForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("result"),
        choices=[("yes", _("Accept and close")), ("no", _("Not accepted: back in progress"))],
        coerce=lambda v: v == "yes",
    )
    remove_hazard = forms.BooleanField(label=_("the hazard is removed"), required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def area_json(hazard) -> str:
    return json.dumps(hazard.area) if hazard.area else ""
