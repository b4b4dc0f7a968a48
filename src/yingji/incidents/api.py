import time
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.fields import SkipField, empty
from rest_framework.response import Response
from rest_framework.views import APIView

from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.core.models import Division, Organisation
from yingji.core.scoping import scoped
from yingji.incidents import filters, services
from yingji.incidents.models import CASUALTY_FIELDS, EventType, Incident, Intake, IntakeState, Obligation
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


class ReportRules:
    """The incident API's rules for a new report, applied without building a serializer for each request.

    The fields are `IncidentSerializer`'s own (built once per process from the model: types, lengths, ranges,
    choices and their messages), run one by one as `Serializer.to_internal_value` runs them; then
    `Incident.clean` (times, coordinates). Only the related fields are looked up differently: event types and
    divisions from a map kept in memory (reference data; a code or id not in it is looked up once), so a valid
    report costs no query. The scope of the division and the owner is the caller's, as in the incident API;
    the worker checks both again against the database when it makes the incident.
    """

    RELATED = ("event_type", "division", "owner")
    EXCLUDED = ("version",)
    REFRESH_SECONDS = 600  # forget the maps now and then: divisions are renamed and moved, rarely

    def __init__(self):
        self._fields: dict | None = None
        self._types: dict[str, EventType] = {}
        self._divisions: dict[int, str] = {}
        self._since = 0.0

    def fields(self) -> dict:
        if self._fields is None:
            built = IncidentSerializer().get_fields()
            self._fields = {
                name: field
                for name, field in built.items()
                if not field.read_only and name not in self.EXCLUDED
            }
        return self._fields

    def _fresh(self) -> None:
        if time.monotonic() - self._since > self.REFRESH_SECONDS:
            self._types = {t.code: t for t in EventType.objects.all()}
            self._divisions = dict(Division.objects.values_list("pk", "path"))
            self._since = time.monotonic()

    def event_type(self, field, code) -> EventType:
        self._fresh()
        found = self._types.get(code) if isinstance(code, str) else None
        if found is None and isinstance(code, str):
            found = EventType.objects.filter(code=code).first()
            if found is not None:
                self._types[code] = found
        if found is None:
            field.fail("does_not_exist", slug_name=field.slug_field, value=str(code))
        return found

    def division(self, field, value, user) -> int:
        if isinstance(value, bool):
            field.fail("incorrect_type", data_type=type(value).__name__)
        try:
            pk = int(value)
        except (TypeError, ValueError):
            field.fail("incorrect_type", data_type=type(value).__name__)
        self._fresh()
        path = self._divisions.get(pk)
        if path is None:
            path = Division.objects.filter(pk=pk).values_list("path", flat=True).first()
            if path is not None:
                self._divisions[pk] = path
        # Division.scope_q: the caller's division and those below it.
        org = getattr(user, "organisation", None)
        if path is None or not (
            user.is_superuser or (org is not None and path.startswith(org.division.path))
        ):
            field.fail("does_not_exist", pk_value=value)
        return pk

    def owner(self, field, value, user) -> Organisation:
        if isinstance(value, bool):
            field.fail("incorrect_type", data_type=type(value).__name__)
        try:
            found = scoped(Organisation.objects.select_related("division"), user).filter(pk=value).first()
        except (TypeError, ValueError):
            field.fail("incorrect_type", data_type=type(value).__name__)
        if found is None:
            field.fail("does_not_exist", pk_value=value)
        return found

    def check(self, data, user) -> dict:
        """Validated values of a report (related records as event type, division id, organisation); a
        `ValidationError` names every field at fault and the rule, as the incident API's 400 does."""
        if not isinstance(data, dict):
            if hasattr(data, "dict"):  # form-encoded
                data = data.dict()
            else:
                message = serializers.Serializer.default_error_messages["invalid"].format(
                    datatype=type(data).__name__
                )
                raise serializers.ValidationError({"non_field_errors": [message]}, code="invalid")
        values, errors = {}, {}
        for name, field in self.fields().items():
            raw = data.get(name, empty)
            try:
                if name in self.RELATED:
                    is_empty, value = field.validate_empty_values(None if raw == "" else raw)
                    if not is_empty:
                        if name == "event_type":
                            value = self.event_type(field, value)
                        else:
                            value = getattr(self, name)(field, value, user)
                else:
                    value = field.run_validation(raw)
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = exc.messages
            except SkipField:
                pass
            else:
                values[name] = value
        if errors:
            raise serializers.ValidationError(errors)
        times = {k: values[k] for k in ("occurred_at", "reported_at", "received_at") if values.get(k)}
        place = {k: values.get(k) for k in ("latitude", "longitude")}
        try:
            Incident(**times, **place).clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return values

    def parse(self, content: dict, user) -> dict:
        """For the worker: the stored content checked again, as the values `services.receive` takes."""
        try:
            values = self.check(content, user)
        except serializers.ValidationError as exc:
            raise DjangoValidationError({k: [str(m) for m in v] for k, v in exc.detail.items()}) from exc
        values.pop("uuid", None)
        values.pop("channel", None)
        values["division"] = scoped(Division.objects.all(), user).filter(pk=values["division"]).first()
        if values["division"] is None:
            raise DjangoValidationError({"division": [_("The division is outside your organisation.")]})
        return values


REPORT_RULES = ReportRules()


class IntakeSerializer(serializers.Serializer):
    """What the intake endpoints answer (documentation: the views build the answer directly)."""

    uuid = serializers.UUIDField()
    url = serializers.CharField()
    state = serializers.ChoiceField(choices=IntakeState.choices)
    received_at = serializers.DateTimeField()
    processed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.DictField(allow_null=True, help_text="Field and rule, when rejected.")
    incident = serializers.DictField(
        allow_null=True, help_text="id, number, level and level_name once processed."
    )


def intake_answer(intake: Intake) -> dict:
    incident = None
    if intake.incident_id is not None:
        made = intake.incident
        incident = {
            "id": made.pk,
            "number": made.number,
            "level": made.level,
            "level_name": grading.LEVEL_NAMES.get(made.level),
        }
    return {
        "uuid": str(intake.uuid),
        "url": f"/api/v1/intakes/{intake.uuid}/",
        "state": intake.state,
        "received_at": serializers.DateTimeField().to_representation(intake.received_at),
        "processed_at": serializers.DateTimeField().to_representation(intake.processed_at)
        if intake.processed_at
        else None,
        "reason": intake.reason,
        "incident": incident,
    }


class IntakeViewSet(viewsets.GenericViewSet):
    """Asynchronous intake for other systems: a report is checked and stored at once (202), and becomes an
    incident in the background. Idempotent on `uuid`. `GET /api/v1/intakes/{uuid}/` tells the outcome."""

    queryset = Intake.objects.all()
    lookup_field = "uuid"
    serializer_class = IntakeSerializer

    @extend_schema(request=IncidentSerializer, responses={202: IntakeSerializer})
    def create(self, request, *args, **kwargs):
        user = request.user
        values = REPORT_RULES.check(request.data, user)
        owner = values.get("owner") or user.organisation
        if owner is None:
            raise serializers.ValidationError(
                {"owner": [serializers.Field.default_error_messages["required"]]}
            )
        data = request.data if isinstance(request.data, dict) else request.data.dict()
        content = {name: data[name] for name in REPORT_RULES.fields() if name in data}
        try:
            intake, _created = services.accept(
                user,
                content,
                owner=owner,
                client_uuid=values.get("uuid"),
                channel=values.get("channel") or "api",
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        body = intake_answer(intake)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(responses=IntakeSerializer)
    def retrieve(self, request, *args, **kwargs):
        try:
            key = uuid.UUID(str(kwargs["uuid"]))
        except ValueError as exc:
            raise Http404 from exc
        queryset = scoped(Intake.objects.select_related("incident"), request.user, "view")
        intake = queryset.filter(uuid=key).first()
        if intake is None:
            raise Http404
        return Response(intake_answer(intake))
