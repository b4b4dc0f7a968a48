from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.incidents.models import CASUALTY_FIELDS, LEVEL_CHOICES, EventType, Incident

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_INPUT)


class EventTypeField(forms.CharField):
    """Typed or picked from a list: "12D01 危险化学品爆炸事故", "12D01" or an exact name all work."""

    widget = forms.TextInput(attrs={"list": "event-types", "autocomplete": "off"})
    default_error_messages = {"unknown": _("Unknown event type: choose a GB/T 35561 code from the list.")}

    def prepare_value(self, value):
        if isinstance(value, int | str) and str(value).isdigit():
            value = EventType.objects.filter(pk=value).first() or value
        return str(value) if isinstance(value, EventType) else value

    def has_changed(self, initial, data):
        return str(self.prepare_value(initial) or "").split()[:1] != str(data or "").split()[:1]

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return None
        code = text.split()[0]
        found = (
            EventType.objects.filter(code__iexact=code).first() or EventType.objects.filter(name=text).first()
        )
        if found is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return found


DATETIME_FIELDS = ("occurred_at", "reported_at", "received_at")


class MinuteDateTimeField(forms.DateTimeField):
    """Entered to the minute: a stored time with seconds has not changed when the minute is the same."""

    def has_changed(self, initial, data):
        try:
            value = self.to_python(data)
        except forms.ValidationError:
            return True
        if initial is None or value is None:
            return initial != value
        return initial.replace(second=0, microsecond=0) != value.replace(second=0, microsecond=0)


class IncidentForm(ScopedModelForm):
    event_type = EventTypeField(label=_("Event type"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = [
            "event_type",
            "title",
            "division",
            "address",
            "occurred_at",
            "reported_at",
            "received_at",
            "latitude",
            "longitude",
            "channel",
            "reporter_name",
            "reporter_phone",
            "reporter_unit",
            "cause",
            "course",
            *CASUALTY_FIELDS,
            "affected_scope",
            "trend",
            "measures_taken",
            "next_steps",
        ]
        field_classes = dict.fromkeys(DATETIME_FIELDS, MinuteDateTimeField)
        widgets = {
            **{name: LocalDateTimeInput() for name in DATETIME_FIELDS},
            **{
                name: forms.Textarea(attrs={"rows": 2})
                for name in ("cause", "course", "affected_scope", "trend", "measures_taken", "next_steps")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DATETIME_FIELDS:
            self.fields[name].input_formats = [LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
            # A callable model default asks for a hidden "initial" input; the stored value serves instead.
            self.fields[name].show_hidden_initial = False
        if self.instance.pk is None:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            if self.user.organisation and not self.initial.get("division"):
                self.initial["division"] = self.user.organisation.division_id
        else:
            self.initial["version"] = self.instance.version


# The fields a duty officer fills while on the phone; the rest can wait (they stay in the form, collapsed).
QUICK_FIELDS = ("event_type", "title", "division", "address", "occurred_at")


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("As computed")), *LEVEL_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompleteObligationForm(forms.Form):
    done_at = forms.DateTimeField(
        label=_("Made at"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now."),
    )
    reason = forms.CharField(
        label=_("Reason for the delay"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Assigned unit"), queryset=None, required=False)
    due_at = forms.DateTimeField(
        label=_("Due at"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class RectificationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=None)
    measure = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
