import json

from django import forms
from django.utils.translation import gettext_lazy as _

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Division, DivisionLevel
from yingji.warnings.models import FeedSource, Warning

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


def shapes_json(value) -> str:
    return json.dumps(value or [], ensure_ascii=False)


__all__ = ["WarningForm", "ImportForm", "FeedSourceForm", "Division"]
