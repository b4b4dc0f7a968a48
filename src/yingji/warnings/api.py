from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from yingji.core.api_base import ReadOnlyScopedViewSet, ScopedModelViewSet, ScopedSerializer
from yingji.core.scoping import can, scoped
from yingji.rules import cap
from yingji.warnings import filters, monitoring, services
from yingji.warnings.models import ExternalWarning, Warning


class WarningSerializer(ScopedSerializer):
    class Meta:
        model = Warning
        fields = [
            "id",
            "uuid",
            "owner",
            "event_type",
            "level",
            "headline",
            "description",
            "instruction",
            "divisions",
            "polygons",
            "circles",
            "area_desc",
            "effective",
            "onset",
            "expires",
            "audience",
            "status",
            "msg_type",
            "replaces",
            "state",
            "identifier",
            "sender",
            "sent",
            "approved_by",
            "approved_at",
            "published_by",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["msg_type"]

    def validate(self, attrs):
        self._divisions = attrs.pop("divisions", None)
        return super().validate(attrs)


class StepPermission(permissions.BasePermission):
    """Workflow steps change a warning (a POST that adds nothing): leaders approve without adding records."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and can(request.user, "change", Warning))


STEPS = {"approve", "publish", "update_draft", "cancel"}


def _raise(exc):
    if isinstance(exc, DjangoPermissionDenied):
        raise exceptions.PermissionDenied(str(exc)) from exc
    raise serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    ) from exc


class WarningViewSet(ScopedModelViewSet):
    """Our warnings. POST and PUT/PATCH write drafts only; approve, publish, update and cancel are actions. A
    published warning is never edited: it is updated or cancelled by a new message."""

    queryset = Warning.objects.select_related("owner", "event_type").prefetch_related("divisions")
    serializer_class = WarningSerializer
    filterset_class = filters.WarningFilterSet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action in STEPS:
            return scoped(self.queryset.all(), self.request.user, "change")
        return super().get_queryset()

    def _save(self, serializer, instance):
        try:
            serializer.instance = services.save_draft(
                self.request.user, instance, getattr(serializer, "_divisions", None)
            )
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            _raise(exc)

    def perform_destroy(self, instance):
        if instance.state != Warning.State.DRAFT:
            raise exceptions.PermissionDenied("Only a draft is deleted; cancel a published warning instead.")
        super().perform_destroy(instance)

    def _step(self, function, *args):
        warning = self.get_object()
        try:
            result = function(self.request.user, warning, *args)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            _raise(exc)
        return Response(WarningSerializer(result, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"], permission_classes=[StepPermission])
    def approve(self, request, pk=None):
        return self._step(services.approve)

    @action(detail=True, methods=["post"], permission_classes=[StepPermission])
    def publish(self, request, pk=None):
        return self._step(services.publish)

    @action(detail=True, methods=["post"], permission_classes=[StepPermission])
    def update_draft(self, request, pk=None):
        """Start an Update: a new draft referring to this published warning."""
        return self._step(services.start_update)

    @action(detail=True, methods=["post"], permission_classes=[StepPermission])
    def cancel(self, request, pk=None):
        return self._step(services.cancel, str(request.data.get("reason", "")))


class ExternalWarningSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalWarning
        exclude = ["xml"]


class CapParser(parsers.BaseParser):
    """The request body as bytes: a CAP message POSTed as XML."""

    media_type = "application/cap+xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(services.MAX_CAP_BYTES + 1)


class XmlParser(CapParser):
    media_type = "application/xml"


class TextXmlParser(CapParser):
    media_type = "text/xml"


class ExternalWarningViewSet(ReadOnlyScopedViewSet):
    """Warnings received from elsewhere. `push` takes one CAP 1.1 / 1.2 message as the request body (token
    authentication): 201 when stored, 200 when already held, 400 with every problem when malformed."""

    queryset = ExternalWarning.objects.select_related("feed")
    serializer_class = ExternalWarningSerializer
    filterset_class = filters.ExternalWarningFilterSet

    @action(detail=False, methods=["post"], parser_classes=[CapParser, XmlParser, TextXmlParser])
    def push(self, request):
        if not can(request.user, "add", ExternalWarning):
            raise exceptions.PermissionDenied("Your role may not import warnings.")
        data = request.data if isinstance(request.data, bytes) else b""
        try:
            record, created = services.import_cap(request.user, data, ExternalWarning.Channel.PUSH)
        except cap.CapError as exc:
            return Response({"problems": [str(p) for p in exc.problems]}, status=status.HTTP_400_BAD_REQUEST)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            _raise(exc)
        return Response(
            ExternalWarningSerializer(record).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ObservationRowSerializer(serializers.Serializer):
    station = serializers.CharField(help_text="The station's code.")
    time = serializers.DateTimeField(help_text="ISO 8601 with its offset, e.g. 2026-07-01T08:00:00+08:00.")
    value = serializers.DecimalField(max_digits=14, decimal_places=4)


class ObservationBatchSerializer(serializers.Serializer):
    """What `POST /api/v1/observations/` takes (for the schema: `monitoring.ingest` checks the rows)."""

    observations = ObservationRowSerializer(many=True, help_text="1 to 5,000 readings.")


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Readings of a station and time already held: skipped.")
    alerts = serializers.ListField(
        child=serializers.DictField(), help_text="Threshold crossings: station, level, raised, value."
    )


class ObservationView(APIView):
    """Observations from monitoring stations, batched: `{"observations": [{"station": "MZ001", "time":
    "2026-07-01T08:00:00+08:00", "value": 52.5}, ...]}`. The same station and time again is skipped, so a
    sender may retry a batch. Every row is checked first; one bad row stores nothing."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ObservationBatchSerializer, responses=IngestResultSerializer)
    def post(self, request):
        try:
            body = request.data if isinstance(request.data, dict) else {}
            result = monitoring.ingest(request.user, body.get("observations"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(result)


router = DefaultRouter()
router.register("warnings", WarningViewSet)
router.register("received-warnings", ExternalWarningViewSet)
urlpatterns = [*router.urls, path("observations/", ObservationView.as_view(), name="observations")]
