from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.incidents import filters, services
from yingji.incidents.models import CASUALTY_FIELDS, EventType, Incident, Obligation
from yingji.rules import grading

UNKNOWN_TYPE = {"does_not_exist": gettext_lazy("Unknown event type {value}: use a GB/T 35561 code.")}


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "stale_version"


class ObligationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Obligation
        fields = [
            "id",
            "key",
            "kind",
            "sequence",
            "owed_by",
            "owed_to",
            "due_at",
            "done_at",
            "late_reason",
            "status",
            "source",
        ]

    def get_status(self, obj) -> str:
        return obj.status()


class IncidentSerializer(ScopedSerializer):
    uuid = serializers.UUIDField(
        required=False,
        help_text="Client-supplied id: sending the same id again returns "
        "the first incident instead of creating another.",
    )
    event_type = serializers.SlugRelatedField(
        slug_field="code", queryset=EventType.objects.all(), error_messages=UNKNOWN_TYPE
    )
    level_name = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text="The version you read; required on update.")

    class Meta:
        model = Incident
        fields = [
            "id",
            "uuid",
            "number",
            "event_type",
            "title",
            "status",
            "occurred_at",
            "reported_at",
            "received_at",
            "division",
            "address",
            "latitude",
            "longitude",
            "channel",
            "reporter_name",
            "reporter_phone",
            "reporter_unit",
            "cause",
            "course",
            *CASUALTY_FIELDS,
            "affected_scope",
            "trend",
            "measures_taken",
            "next_steps",
            "level",
            "level_name",
            "level_basis",
            "level_source",
            "level_overridden",
            "response_level",
            "closed_at",
            "owner",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "level",
            "level_basis",
            "level_source",
            "level_overridden",
            "response_level",
            "closed_at",
            "number",
        ]
        extra_kwargs = {"owner": {"required": False}}

    def get_level_name(self, obj) -> str | None:
        return grading.LEVEL_NAMES.get(obj.level)

    def validate(self, attrs):
        request = self.context.get("request")
        if self.instance is None and not attrs.get("owner") and request is not None:
            attrs["owner"] = request.user.organisation  # the reporting unit is the caller's, unless named
        version = attrs.pop("version", None)
        uuid = attrs.pop("uuid", None)
        attrs = super().validate(attrs)
        attrs["version"], attrs["uuid"] = version, uuid
        return attrs


class IncidentViewSet(ScopedModelViewSet):
    """Incidents. Create is idempotent on `uuid`; update needs the version read (`If-Match` or `version`)."""

    queryset = Incident.objects.select_related("event_type", "division", "owner")
    serializer_class = IncidentSerializer
    filterset_class = filters.IncidentFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client_uuid, _version = data.pop("uuid"), data.pop("version")
        channel = data.pop("channel", "api")
        try:
            incident, created = services.receive(request.user, data, channel=channel, client_uuid=client_uuid)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        serializer.instance = incident  # reuse the fields already built for the input
        body = serializer.data
        return Response(
            body,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"ETag": f'"{incident.version}"'},
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        incident = self.get_object()
        serializer = self.get_serializer(incident, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("uuid", None)
        version = data.pop("version", None)
        if_match = request.headers.get("If-Match", "").strip('W/"')
        expected = int(if_match) if if_match.isdigit() else version
        if expected is None:
            raise exceptions.ValidationError(
                {"version": [_("Send the version you read (If-Match header or field).")]}
            )
        changes = {k: v for k, v in data.items() if getattr(incident, k) != v}
        try:
            incident = services.update(request.user, incident, changes, expected)
        except services.StaleVersion as stale:
            raise PreconditionFailed(
                {"detail": str(stale), "changed": stale.changed, "current_version": stale.current.version}
            ) from stale
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(self.get_serializer(incident).data, headers={"ETag": f'"{incident.version}"'})

    @extend_schema(responses=ObligationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def obligations(self, request, pk=None):
        incident = self.get_object()
        rows = incident.obligations.filter(withdrawn_at__isnull=True).select_related("incident")
        return Response(ObligationSerializer(rows, many=True).data)


class GradingRequest(serializers.Serializer):
    event_type = serializers.SlugRelatedField(
        slug_field="code", queryset=EventType.objects.all(), error_messages=UNKNOWN_TYPE
    )
    deaths = serializers.IntegerField(min_value=0, required=False)
    missing = serializers.IntegerField(min_value=0, required=False)
    serious_injuries = serializers.IntegerField(min_value=0, required=False)
    injuries = serializers.IntegerField(min_value=0, required=False)
    evacuated = serializers.IntegerField(min_value=0, required=False)
    relocated = serializers.IntegerField(min_value=0, required=False)
    direct_loss_yuan = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)
    potential_loss_yuan = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False
    )


class GradeResponse(serializers.Serializer):
    level = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    family = serializers.CharField(allow_null=True)
    basis = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()
    manual = serializers.BooleanField()


class GradingView(APIView):
    """Grade figures by the national rules without saving anything."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=GradingRequest, responses=GradeResponse)
    def post(self, request):
        form = GradingRequest(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(services.grade_for(form.validated_data["event_type"], form.validated_data).as_dict())
