from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle

from yingji.core import filters
from yingji.core.api_base import ReadOnlyScopedViewSet, ScopedModelViewSet, ScopedSerializer
from yingji.core.models import Contact, Division, ObjectChange, Organisation


class DivisionSerializer(ScopedSerializer):
    class Meta:
        model = Division
        fields = ["id", "uuid", "code", "name", "level", "parent", "latitude", "longitude", "population"]


class OrganisationSerializer(ScopedSerializer):
    division_name = serializers.CharField(source="division.name", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "uuid",
            "name",
            "short_name",
            "kind",
            "division",
            "division_name",
            "parent",
            "credit_code",
            "address",
            "phone",
            "latitude",
            "longitude",
            "responsibilities",
            "created_at",
            "updated_at",
        ]


class ContactSerializer(ScopedSerializer):
    organisation_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "uuid",
            "owner",
            "organisation_name",
            "name",
            "post",
            "mobile",
            "office_phone",
            "email",
            "is_primary",
            "created_at",
            "updated_at",
        ]


class ObjectChangeSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user_name",
            "request_id",
            "action",
            "type",
            "object_id",
            "object_repr",
            "before",
            "after",
        ]


class DivisionViewSet(ScopedModelViewSet):
    queryset = Division.objects.select_related("parent")
    serializer_class = DivisionSerializer
    filterset_class = filters.DivisionFilterSet


class OrganisationViewSet(ScopedModelViewSet):
    queryset = Organisation.objects.select_related("division")
    serializer_class = OrganisationSerializer
    filterset_class = filters.OrganisationFilterSet


class ContactViewSet(ScopedModelViewSet):
    queryset = Contact.objects.select_related("owner")
    serializer_class = ContactSerializer
    filterset_class = filters.ContactFilterSet


class ObjectChangeViewSet(ReadOnlyScopedViewSet):
    queryset = ObjectChange.objects.select_related("content_type")
    serializer_class = ObjectChangeSerializer
    filterset_class = filters.ObjectChangeFilterSet


class LoginThrottle(AnonRateThrottle):
    scope = "login"


@extend_schema(tags=["auth"], summary="Exchange a user name and password for an API token")
class TokenView(ObtainAuthToken):
    throttle_classes = [LoginThrottle]
    permission_classes = []
