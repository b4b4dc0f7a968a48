import json

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Division, DivisionLevel
from yingji.rules.thresholds import default_rules
from yingji.warnings.models import FeedSource, Station, Warning

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WarningForm(ScopedModelForm):
    class Meta:
        model = Warning
        fields = [
            "owner",
            "event_type",
            "level",
            "status",
            "headline",
            "description",
            "instruction",
            "divisions",
            "area_desc",
            "polygons",
            "circles",
            "effective",
            "onset",
            "expires",
            "audience",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "instruction": forms.Textarea(attrs={"rows": 3}),
            "polygons": forms.Textarea(attrs={"rows": 2}),
            "circles": forms.Textarea(attrs={"rows": 2}),
            "effective": WHEN,
            "onset": WHEN,
            "expires": WHEN,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["divisions"].queryset = self.fields["divisions"].queryset.exclude(
            level=DivisionLevel.VILLAGE
        )
        self.fields["status"].help_text = _("Exercise and Test warnings are shown apart, in another colour.")
        for name in ("effective", "onset", "expires"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CAP file (XML, CAP 1.1 or 1.2)"))


class FeedSourceForm(ScopedModelForm):
    url = forms.URLField(label=_("feed URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = FeedSource
        fields = ["owner", "name", "url", "active", "interval_minutes"]


def rule_choices():
    rules = default_rules()
    choices = [
        (key, f"{key} · {rule.name} ({rule.unit})" if rule.unit else f"{key} · {rule.name}")
        for key, rule in sorted(rules.items())
    ]
    return [("", _("No threshold rule")), *choices]


class StationForm(ScopedModelForm):
    rule = forms.ChoiceField(
        label=_("threshold rule"),
        choices=rule_choices,
        required=False,
        help_text=_(
            "A rule of the threshold table, or the station's own thresholds below (they take its place); a station "
            "with neither is recorded but raises no alert."
        ),
    )

    class Meta:
        model = Station
        fields = [
            "owner",
            "code",
            "name",
            "kind",
            "rule",
            "blue_at",
            "yellow_at",
            "orange_at",
            "red_at",
            "direction",
            "hysteresis",
            "unit",
            "division",
            "latitude",
            "longitude",
        ]


def shapes_json(value) -> str:
    return json.dumps(value or [], ensure_ascii=False)


__all__ = ["WarningForm", "ImportForm", "FeedSourceForm", "StationForm", "Division"]
