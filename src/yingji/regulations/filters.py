import django_filters
from django.db import connection
from django.utils.translation import gettext_lazy as _

from yingji.core.filters import SearchFilterSet
from yingji.regulations.models import Regulation, RegulationKind, RegulationLevel, RegulationStatus
from yingji.search import backends, tokenizer
from yingji.search.models import SearchEntry

KIND = "regulation"  # the search-index kind (apps.py)


class RegulationFilterSet(SearchFilterSet):
    search_fields = ("title", "document_number", "issuing_body")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=RegulationLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RegulationStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RegulationKind.choices)
    issuing_body = django_filters.CharFilter(label=_("Issuing body"), lookup_expr="icontains")

    class Meta:
        model = Regulation
        fields = ["q", "level", "status", "kind", "issuing_body"]

    def search(self, queryset, name, value):
        """Title, number and issuing body as everywhere, and the full text through the search index (so 山洪
        finds a law that mentions 山洪 anywhere, and not one with 山 and 洪 apart)."""
        terms = tokenizer.query_terms(value)
        if not terms:
            return super().search(queryset, name, value)
        # Evaluated here: the index's SQL names its tables, so it cannot be a subquery. A library holds
        # hundreds of documents, not millions.
        found = backends.match(SearchEntry.objects.filter(kind=KIND), terms, connection.vendor)
        in_text = [int(pk) for pk in found.values_list("object_id", flat=True)]
        return super().search(queryset, name, value) | queryset.filter(pk__in=in_text)
