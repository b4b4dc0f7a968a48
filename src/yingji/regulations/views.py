from django.utils.translation import gettext_lazy

from yingji.core.generic import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from yingji.core.tables import Column
from yingji.regulations import filters, forms, text
from yingji.regulations.models import Regulation

COLUMNS = [
    Column("title", gettext_lazy("Title"), link=True),
    Column("document_number", gettext_lazy("Document number")),
    Column("issuing_body", gettext_lazy("Issuing body")),
    Column("kind", gettext_lazy("Kind")),
    Column("level", gettext_lazy("Level")),
    Column("issued_on", gettext_lazy("Issued on")),
    Column("effective_on", gettext_lazy("Effective from")),
    Column("status", gettext_lazy("Status")),
]


class RegulationListView(ObjectListView):
    model = Regulation
    # The full text is long and not shown in the list: left out of the query.
    queryset = Regulation.objects.defer("text")
    filterset_class = filters.RegulationFilterSet
    columns = COLUMNS


class RegulationDetailView(ObjectDetailView):
    model = Regulation
    queryset = Regulation.objects.select_related("replaced_by", "owner")
    template_name = "regulations/regulation_detail.html"
    fields = [
        Column("kind", gettext_lazy("Kind")),
        Column("issuing_body", gettext_lazy("Issuing body")),
        Column("document_number", gettext_lazy("Document number")),
        Column("level", gettext_lazy("Level")),
        Column("issued_on", gettext_lazy("Issued on")),
        Column("effective_on", gettext_lazy("Effective from")),
        Column("amended_on", gettext_lazy("Text as amended on")),
        Column("status", gettext_lazy("Status")),
        Column("owner.name", gettext_lazy("Kept by")),
        Column("source", gettext_lazy("Source")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["text_html"], context["headings"] = text.render(self.object.text)
        context["replaces"] = list(self.object.replaces.only("pk", "title"))
        return context


class RegulationEditView(ObjectEditView):
    model = Regulation
    form_class = forms.RegulationForm


class RegulationDeleteView(ObjectDeleteView):
    model = Regulation
