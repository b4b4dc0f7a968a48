from django import forms

from yingji.core.forms import ScopedModelForm
from yingji.regulations.models import Regulation


class RegulationForm(ScopedModelForm):
    class Meta:
        model = Regulation
        fields = [
            "title",
            "kind",
            "issuing_body",
            "document_number",
            "level",
            "issued_on",
            "effective_on",
            "amended_on",
            "status",
            "replaced_by",
            "owner",
            "source",
            "text",
        ]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "amended_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 20}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        replaced_by = self.fields["replaced_by"]
        if self.instance.pk:
            replaced_by.queryset = replaced_by.queryset.exclude(pk=self.instance.pk)
        # The keeper of the record: an organisation the user may change records of (their reach).
        if self.instance.pk is None and not self.initial.get("owner") and self.user.organisation_id:
            self.initial["owner"] = self.user.organisation_id
