from django import forms

from yingji.cases.models import Case
from yingji.core.forms import ScopedModelForm
from yingji.incidents.forms import EventTypeField
from yingji.incidents.models import CASUALTY_FIELDS

BASIC_FIELDS = ("title", "event_type", "date", "division", "address", "level")
TEXT_FIELDS = ("course", "response", "lessons", "rectification", "sources")
CLOSING_FIELDS = ("owner", "published")


class CaseForm(ScopedModelForm):
    event_type = EventTypeField(label=Case._meta.get_field("event_type").verbose_name.capitalize())

    class Meta:
        model = Case
        fields = [*BASIC_FIELDS, *CASUALTY_FIELDS, *TEXT_FIELDS, *CLOSING_FIELDS]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **{name: forms.Textarea(attrs={"rows": 6}) for name in TEXT_FIELDS},
            "sources": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.user.organisation and not self.initial.get("owner"):
            self.initial["owner"] = self.user.organisation_id
        for name in CASUALTY_FIELDS:
            self.fields[name].widget.attrs.setdefault("min", 0)

    def group(self, names):
        return [self[name] for name in names]

    def basic_fields(self):
        return self.group(BASIC_FIELDS)

    def figure_fields(self):
        return self.group(CASUALTY_FIELDS)

    def text_fields(self):
        return self.group(TEXT_FIELDS)

    def closing_fields(self):
        return self.group(CLOSING_FIELDS)
