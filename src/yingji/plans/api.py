from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.routers import DefaultRouter

from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.plans import filters, services
from yingji.plans.models import Plan, ResponseLevel, UnitDuty


class UnitDutySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitDuty
        fields = ["unit", "unit_name", "duty", "within_hours"]


class ResponseLevelSerializer(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    duties = UnitDutySerializer(many=True, read_only=True)

    class Meta:
        model = ResponseLevel
        fields = ["level", "trigger_incident_level", "trigger", "lead", "lead_name", "actions", "duties"]


class PlanSerializer(ScopedSerializer):
    response_levels = ResponseLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "uuid",
            "title",
            "number",
            "kind",
            "category",
            "required",
            "event_types",
            "level",
            "owner",
            "approved_by",
            "issued_on",
            "effective_on",
            "status",
            "high_risk",
            "summary",
            "filing",
            "filing_body",
            "filing_body_name",
            "filing_due",
            "submitted_at",
            "filed_at",
            "last_evaluated_on",
            "last_drilled_on",
            "evaluation_due",
            "drill_due",
            "response_levels",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"level": {"required": False}}

    def validate(self, attrs):
        owner = attrs.get("owner") or getattr(self.instance, "owner", None)
        if not attrs.get("level") and not getattr(self.instance, "level", "") and owner is not None:
            attrs["level"] = services.default_level(owner)  # left out, it follows the owner
        return super().validate(attrs)


class PlanViewSet(ScopedModelViewSet):
    """Plans. Filing, drills and reviews go through their own steps on the plan's page."""

    queryset = Plan.objects.select_related("owner", "filing_body").prefetch_related(
        "response_levels__lead", "response_levels__duties__unit"
    )
    serializer_class = PlanSerializer
    filterset_class = filters.PlanFilterSet

    def _save(self, serializer, instance):
        try:
            serializer.instance = services.save_plan(self.request.user, instance)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc


router = DefaultRouter()
router.register("plans", PlanViewSet)
urlpatterns = router.urls
