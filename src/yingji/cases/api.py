from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.cases import filters, services
from yingji.cases.models import Case, CaseAttachment
from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.incidents.models import CASUALTY_FIELDS, EventType, Incident

UNKNOWN_TYPE = {"does_not_exist": gettext_lazy("Unknown event type {value}: use a GB/T 35561 code.")}


class CaseAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "uploaded_at", "url"]


class CaseSerializer(ScopedSerializer):
    event_type = serializers.SlugRelatedField(
        slug_field="code", queryset=EventType.objects.all(), error_messages=UNKNOWN_TYPE
    )
    event_type_name = serializers.CharField(source="event_type.name", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    level_name = serializers.CharField(read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "uuid",
            "title",
            "event_type",
            "event_type_name",
            "date",
            "division",
            "division_name",
            "address",
            "level",
            "level_name",
            *CASUALTY_FIELDS,
            "course",
            "response",
            "lessons",
            "rectification",
            "sources",
            "owner",
            "owner_name",
            "published",
            "incident",
            "attachments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["incident"]
        extra_kwargs = {"owner": {"required": False}}

    def validate(self, attrs):
        request = self.context.get("request")
        if self.instance is None and not attrs.get("owner") and request is not None:
            attrs["owner"] = request.user.organisation  # the caller's organisation, unless another is named
        return super().validate(attrs)


class FromIncidentSerializer(CaseSerializer):
    """The incident to write up; any case field given overrides what the incident supplies."""

    incident = serializers.PrimaryKeyRelatedField(queryset=Incident.objects.all())
    event_type = serializers.SlugRelatedField(
        slug_field="code", queryset=EventType.objects.all(), error_messages=UNKNOWN_TYPE, required=False
    )

    class Meta(CaseSerializer.Meta):
        read_only_fields = []
        extra_kwargs = {
            name: {"required": False}
            for name in ["title", "event_type", "date", "division", "owner", "published"]
        }

    def validate(self, attrs):
        return attrs  # the service fills the rest from the incident and validates the whole case


class CaseViewSet(ScopedModelViewSet):
    """Typical cases: published ones are read by every user; drafts and every change stay with the owner."""

    queryset = Case.objects.select_related("event_type", "division", "owner").prefetch_related("attachments")
    serializer_class = CaseSerializer
    filterset_class = filters.CaseFilterSet

    def _save(self, serializer, instance):
        try:
            serializer.instance = services.save(self.request.user, instance)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc

    def perform_destroy(self, instance):
        try:
            services.delete(self.request.user, instance)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc

    @extend_schema(request=FromIncidentSerializer, responses={201: CaseSerializer})
    @action(detail=False, methods=["post"], url_path="from-incident", serializer_class=FromIncidentSerializer)
    def from_incident(self, request):
        """Write a closed or evaluated incident up as a case, filled from the incident and its event log."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        incident = values.pop("incident")
        try:
            case = services.create_from_incident(request.user, incident, values)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"incident": exc.messages}
            raise serializers.ValidationError(detail) from exc
        body = CaseSerializer(case, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)
