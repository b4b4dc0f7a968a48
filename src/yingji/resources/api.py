from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.resources import filters, nearest, services
from yingji.resources.models import Equipment, Expert, Shelter, Team


class EquipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Equipment
        fields = ["kind", "count"]


class TeamSerializer(ScopedSerializer):
    equipment = EquipmentSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "uuid",
            "name",
            "kind",
            "team_class",
            "headcount",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "duty_phone",
            "contacts",
            "readiness",
            "equipment",
            "notes",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"contacts": {"required": False}}


class ExpertSerializer(ScopedSerializer):
    class Meta:
        model = Expert
        fields = [
            "id",
            "uuid",
            "name",
            "fields",
            "title",
            "employer",
            "division",
            "owner",
            "phone",
            "email",
            "availability",
            "unavailable_until",
            "latitude",
            "longitude",
            "position_from_division",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["position_from_division"]


class ShelterSerializer(ScopedSerializer):
    class Meta:
        model = Shelter
        fields = [
            "id",
            "uuid",
            "name",
            "shelter_class",
            "setting",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "area_m2",
            "capacity",
            "occupancy",
            "status",
            "water",
            "power",
            "toilets",
            "medical",
            "kitchen",
            "divisions_served",
            "population_served",
            "manager",
            "phone",
            "contacts",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"divisions_served": {"required": False}, "contacts": {"required": False}}


class RelationsViewSet(ScopedModelViewSet):
    """Many-to-many fields go to the service, which sets them after the record is saved."""

    relations: tuple[str, ...] = ()
    service = None

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        related = {name: data.pop(name) for name in self.relations if name in data}
        self._save_with(serializer, serializer.Meta.model(**data), related)

    def perform_update(self, serializer):
        instance = serializer.instance
        data = dict(serializer.validated_data)
        related = {name: data.pop(name) for name in self.relations if name in data}
        for key, value in data.items():
            setattr(instance, key, value)
        self._save_with(serializer, instance, related)

    def _save_with(self, serializer, instance, related):
        try:
            serializer.instance = type(self).service(self.request.user, instance, **related)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc


class TeamViewSet(RelationsViewSet):
    """Teams (专业队伍): read by every signed-in user, written within the caller's reach."""

    queryset = Team.objects.prefetch_related("equipment", "contacts")
    serializer_class = TeamSerializer
    filterset_class = filters.TeamFilterSet
    relations = ("contacts",)
    service = staticmethod(services.save_team)


class ExpertViewSet(RelationsViewSet):
    """Experts (专家): read by every signed-in user, written within the caller's reach."""

    queryset = Expert.objects.prefetch_related("fields")
    serializer_class = ExpertSerializer
    filterset_class = filters.ExpertFilterSet
    relations = ("fields",)
    service = staticmethod(services.save_expert)


class ShelterViewSet(RelationsViewSet):
    """Shelters (避难场所): read by every signed-in user, written within the caller's reach."""

    queryset = Shelter.objects.prefetch_related("divisions_served", "contacts")
    serializer_class = ShelterSerializer
    filterset_class = filters.ShelterFilterSet
    relations = ("divisions_served", "contacts")
    service = staticmethod(services.save_shelter)


NEAREST_PARAMETERS = [
    OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="Latitude, -90..90"),
    OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description="Longitude, -180..180"),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, required=True, description="team, shelter, expert, warehouse..."
    ),
    OpenApiParameter("k", OpenApiTypes.INT, description="How many, 1..100 (default 10)"),
    OpenApiParameter("max_km", OpenApiTypes.DOUBLE, description="Only within this great-circle distance"),
    OpenApiParameter("team_kind", OpenApiTypes.STR, description="team: kinds, comma-separated"),
    OpenApiParameter(
        "readiness", OpenApiTypes.STR, description="team: ready (default), deployed, resting, any"
    ),
    OpenApiParameter("free", OpenApiTypes.INT, description="shelter: free places at least (default 1)"),
    OpenApiParameter("shelter_class", OpenApiTypes.STR, description="shelter: I, II or III"),
    OpenApiParameter("field", OpenApiTypes.STR, description="expert: field of expertise (code)"),
    OpenApiParameter("availability", OpenApiTypes.STR, description="expert: available (default), any..."),
    OpenApiParameter("item", OpenApiTypes.STR, description="warehouse: the item held (materials app)"),
]


class NearestView(APIView):
    """The k records of a kind nearest to a point, with their great-circle distance in km, nearest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=NEAREST_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        try:
            source, point, k, results = nearest.search(request.user, request.query_params.dict())
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(
            {
                "kind": source.kind,
                "lat": point.lat,
                "lon": point.lon,
                "k": k,
                "distance": "great-circle km",
                "count": len(results),
                "results": results,
            }
        )


router = DefaultRouter()
router.register("teams", TeamViewSet)
router.register("experts", ExpertViewSet)
router.register("shelters", ShelterViewSet)
urlpatterns = [path("nearest/", NearestView.as_view(), name="nearest"), *router.urls]
