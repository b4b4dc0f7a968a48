from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.search import query as search_query
from yingji.search.forms import SearchForm


class HitSerializer(serializers.Serializer):
    kind = serializers.CharField(source="entry.kind")
    kind_label = serializers.CharField()
    title = serializers.CharField(source="entry.title")
    url = serializers.CharField()
    date = serializers.DateField(source="entry.date", allow_null=True)
    level = serializers.CharField(source="entry.level")
    event_types = serializers.ListField(child=serializers.CharField(), source="entry.event_type_codes")
    score = serializers.FloatField(
        allow_null=True, help_text="Relevance (higher is better); null past the ranked."
    )
    title_html = serializers.CharField(help_text="The title, HTML-escaped, with matches in <mark>.")
    snippet_html = serializers.CharField(
        help_text="A piece of the text, HTML-escaped, with matches in <mark>."
    )


class SearchResponse(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField(help_text=f"Matches counted, at most {search_query.COUNT_LIMIT}.")
    more = serializers.BooleanField(help_text="True when there are more matches than counted.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = HitSerializer(many=True, source="hits")


PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Words or phrase; two Chinese characters suffice."),
    OpenApiParameter("kind", OpenApiTypes.STR, description="Only this kind (regulation, plan, case, ...)."),
    OpenApiParameter("type", OpenApiTypes.STR, description="GB/T 35561 event type code or its beginning."),
    OpenApiParameter("level", OpenApiTypes.STR, description="Level label, e.g. national, city."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Dated on or after."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Dated on or before."),
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 100, default 20."),
]


class SearchView(APIView):
    """Full-text search across the libraries, limited to what the caller may see; ranked, with snippets."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=PARAMETERS, responses=SearchResponse)
    def get(self, request):
        form = SearchForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        try:
            per_page = min(max(int(request.query_params.get("page_size", 20)), 1), 100)
        except ValueError as exc:
            raise serializers.ValidationError({"page_size": [_("A whole number from 1 to 100.")]}) from exc
        results = search_query.search(
            request.user,
            form.cleaned_data["q"],
            page=form.cleaned_data.get("page") or 1,
            per_page=per_page,
            **form.filters(),
        )
        return Response(SearchResponse(results).data)
