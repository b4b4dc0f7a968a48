from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingji.core.api_base import ReadOnlyScopedViewSet, ScopedModelViewSet, ScopedSerializer
from yingji.core.scoping import scoped
from yingji.hazards import filters, services
from yingji.hazards.models import Hazard, Inspection, Rectification, RiskAssessment, clean_area


def _errors(exc: DjangoValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_errors(exc)) from exc


class HazardSerializer(ScopedSerializer):
    class Meta:
        model = Hazard
        fields = [
            "id",
            "uuid",
            "name",
            "kind",
            "category",
            "event_types",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area",
            "people_exposed",
            "property_exposed",
            "responsible_person",
            "responsible_phone",
            "status",
            "level",
            "assessed_on",
            "inspection",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["level", "assessed_on", "inspection"]

    def validate_area(self, value):
        try:
            return clean_area(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["area"]) from exc


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "uuid",
            "hazard",
            "method",
            "inputs",
            "result",
            "colour",
            "score",
            "band_name",
            "assessed_on",
            "assessor",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class AssessInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=RiskAssessment.Method.choices)
    likelihood = serializers.CharField(required=False, allow_blank=True)
    exposure = serializers.CharField(required=False, allow_blank=True)
    consequence = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.CharField(required=False, allow_blank=True)
    assessed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RectificationSerializer(ScopedSerializer):
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "uuid",
            "hazard",
            "measures",
            "unit",
            "deadline",
            "status",
            "overdue",
            "progress",
            "reported_by",
            "reported_at",
            "verified_by",
            "verified_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "progress", "reported_by", "reported_at", "verified_by", "verified_at"]


class InspectionSerializer(ScopedSerializer):
    class Meta:
        model = Inspection
        fields = [
            "id",
            "uuid",
            "date",
            "inspected_unit",
            "owner",
            "division",
            "inspectors",
            "findings",
            "event_types",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
        ]


class HazardViewSet(ScopedModelViewSet):
    """Hazards (风险隐患) within the caller's reach. `level` comes from the latest assessment (POST .../assess/)."""

    queryset = Hazard.objects.all()
    serializer_class = HazardSerializer
    filterset_class = filters.HazardFilterSet

    @extend_schema(request=AssessInput, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        hazard = self.get_object()
        data = AssessInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        method = values.pop("method")
        assessed_on, note = values.pop("assessed_on", None), values.pop("note", "")
        record = _call(
            services.assess, request.user, hazard, method, values, assessed_on=assessed_on, note=note
        )
        return Response(AssessmentSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=AssessmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def assessments(self, request, pk=None):
        hazard = self.get_object()
        return Response(AssessmentSerializer(hazard.assessments.all(), many=True).data)


class RectificationViewSet(ScopedModelViewSet):
    """Rectifications; created here, then moved on by report_done and verify (a second person)."""

    queryset = Rectification.objects.select_related("hazard")
    serializer_class = RectificationSerializer
    filterset_class = filters.RectificationFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        hazard = data["hazard"]
        if not scoped(Hazard.objects.filter(pk=hazard.pk), self.request.user, "change").exists():
            raise exceptions.PermissionDenied()
        serializer.instance = _call(
            services.add_rectification,
            self.request.user,
            hazard,
            measures=data["measures"],
            unit=data["unit"],
            deadline=data["deadline"],
        )

    @action(detail=True, methods=["post"])
    def report_done(self, request, pk=None):
        item = _call(services.report_done, request.user, self.get_object(), request.data.get("note", ""))
        return Response(self.get_serializer(item).data)

    @action(detail=True, methods=["post"])
    def change_deadline(self, request, pk=None):
        """A new deadline with its reason (kept in the progress notes); an overdue notice may be sent again."""
        try:
            deadline = serializers.DateField().to_internal_value(request.data.get("deadline", ""))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"deadline": exc.detail}) from exc
        item = _call(
            services.change_deadline,
            request.user,
            self.get_object(),
            deadline,
            request.data.get("reason", ""),
        )
        return Response(self.get_serializer(item).data)

    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        accepted = str(request.data.get("accepted", "true")).lower() not in ("false", "0", "no")
        remove = str(request.data.get("remove_hazard", "false")).lower() in ("true", "1", "yes")
        item = _call(
            services.verify,
            request.user,
            self.get_object(),
            accepted=accepted,
            note=request.data.get("note", ""),
            remove_hazard=remove,
        )
        return Response(self.get_serializer(item).data)


class InspectionViewSet(ScopedModelViewSet):
    queryset = Inspection.objects.all()
    serializer_class = InspectionSerializer
    filterset_class = filters.InspectionFilterSet

    @action(detail=True, methods=["post"])
    def create_hazards(self, request, pk=None):
        created = _call(services.create_hazards_from_findings, request.user, self.get_object())
        return Response(HazardSerializer(created, many=True, context={"request": request}).data, status=201)


class AssessmentViewSet(ReadOnlyScopedViewSet):
    queryset = RiskAssessment.objects.all()
    serializer_class = AssessmentSerializer


router = DefaultRouter()
router.register("hazards", HazardViewSet)
router.register("hazard-rectifications", RectificationViewSet)
router.register("hazard-inspections", InspectionViewSet)
router.register("hazard-assessments", AssessmentViewSet)
urlpatterns = router.urls
