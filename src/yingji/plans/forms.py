from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.plans.models import (
    CalendarDay,
    Drill,
    Plan,
    RequiredPlan,
    ResponseLevel,
    Review,
    ReviewCycle,
    UnitDuty,
)

DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(ScopedModelForm):
    class Meta:
        model = Plan
        fields = [
            "title",
            "number",
            "kind",
            "category",
            "required",
            "event_types",
            "owner",
            "level",
            "approved_by",
            "issued_on",
            "effective_on",
            "status",
            "high_risk",
            "last_evaluated_on",
            "regulations",
            "summary",
        ]
        widgets = {
            "issued_on": DATE,
            "effective_on": DATE,
            "last_evaluated_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].required = False
        self.fields["level"].help_text = _("Left empty, it follows the owner's division.")


class VersionForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX or text)"))
    changes = forms.CharField(
        label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    approved_by = forms.CharField(label=_("Approved by"), required=False, max_length=100)
    approved_on = forms.DateField(label=_("Approved on"), required=False, widget=DATE)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, DOCX or text)"))
    title = forms.CharField(label=_("Title"), required=False, max_length=200)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DrillForm(forms.ModelForm):
    class Meta:
        model = Drill
        fields = ["date", "organiser", "participants", "scenario", "evaluation", "problems", "follow_up"]
        widgets = {
            "date": DATE,
            **{
                f: forms.Textarea(attrs={"rows": 2})
                for f in ("scenario", "evaluation", "problems", "follow_up")
            },
        }


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["date", "trigger", "revision_needed", "notes"]
        widgets = {"date": DATE, "notes": forms.Textarea(attrs={"rows": 2})}


class ResponseLevelForm(ScopedModelForm):
    class Meta:
        model = ResponseLevel
        fields = ["level", "trigger_incident_level", "lead", "trigger", "actions"]
        widgets = {"trigger": forms.Textarea(attrs={"rows": 2}), "actions": forms.Textarea(attrs={"rows": 2})}


class UnitDutyForm(ScopedModelForm):
    class Meta:
        model = UnitDuty
        fields = ["unit", "duty", "within_hours"]


class ActivateForm(forms.Form):
    plan = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.TypedChoiceField(
        label=_("Response level"), coerce=int, choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")]
    )


class ImportForm(forms.Form):
    table = forms.FileField(label=_("Plan list (CSV or XLSX)"))
    files = forms.FileField(
        label=_("Plan files named in the list"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}),
    )


class RequiredPlanForm(ScopedModelForm):
    class Meta:
        model = RequiredPlan
        fields = ["order", "name", "category", "event_types", "lead_department", "source"]


class CalendarDayForm(ScopedModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "source"]
        widgets = {"date": DATE}


class ReviewCycleForm(ScopedModelForm):
    class Meta:
        model = ReviewCycle
        fields = ["kind", "category", "high_risk", "evaluation_months", "drill_months", "mark", "source"]
