from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.regulations import filters
from yingji.regulations.models import Regulation


class RegulationSerializer(ScopedSerializer):
    class Meta:
        model = Regulation
        fields = [
            "id",
            "uuid",
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
            "source",
            "text",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {"owner": {"required": False}}

    def validate(self, attrs):
        request = self.context.get("request")
        if self.instance is None and not attrs.get("owner") and request is not None:
            attrs["owner"] = request.user.organisation  # kept by the caller's organisation unless named
        return super().validate(attrs)


class RegulationListSerializer(RegulationSerializer):
    """The list leaves out the full text (a law runs to tens of thousands of characters): read it per document."""

    class Meta(RegulationSerializer.Meta):
        fields = [f for f in RegulationSerializer.Meta.fields if f != "text"]


class RegulationViewSet(ScopedModelViewSet):
    """Laws, regulations, standards and normative documents. Every signed-in user reads them; offices and
    liaisons add documents and change those their organisation (or one under it) keeps."""

    queryset = Regulation.objects.all()
    serializer_class = RegulationSerializer
    filterset_class = filters.RegulationFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.defer("text") if self.action == "list" else queryset

    def get_serializer_class(self):
        return RegulationListSerializer if self.action == "list" else RegulationSerializer
