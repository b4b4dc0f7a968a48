from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingji.core.api_base import ScopedModelViewSet, ScopedSerializer
from yingji.core.models import Contact, Organisation, User
from yingji.core.scoping import scoped
from yingji.duty import filters, services
from yingji.duty.forms import parse_local_datetime, reachable_users
from yingji.duty.models import CallList, CallListMember, DutyRole, LogEntry, Shift, ShiftMember


def _raise_api(exc):
    if isinstance(exc, DjangoPermissionDenied):
        raise exceptions.PermissionDenied(str(exc)) from exc
    raise serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    ) from exc


class CallListMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="contact.name", read_only=True)
    organisation = serializers.CharField(source="contact.owner.name", read_only=True)
    post = serializers.CharField(source="contact.post", read_only=True)
    mobile = serializers.CharField(source="contact.mobile", read_only=True)
    office_phone = serializers.CharField(source="contact.office_phone", read_only=True)

    class Meta:
        model = CallListMember
        fields = ["contact", "role", "order", "name", "organisation", "post", "mobile", "office_phone"]


class CallListSerializer(ScopedSerializer):
    members = CallListMemberSerializer(many=True, read_only=True)

    class Meta:
        model = CallList
        fields = ["id", "uuid", "name", "owner", "purpose", "shared", "members", "created_at", "updated_at"]


class CallListViewSet(ScopedModelViewSet):
    """Call lists (联络网) with their members and phones. Members are edited on the list's page."""

    queryset = CallList.objects.select_related("owner").prefetch_related("members__contact__owner")
    serializer_class = CallListSerializer
    filterset_class = filters.CallListFilterSet


class ShiftMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = ShiftMember
        fields = ["role", "user", "contact", "name", "phone"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["user"].queryset = reachable_users(request.user)
            fields["contact"].queryset = scoped(Contact.objects.all(), request.user)
        return fields

    def validate(self, attrs):
        if bool(attrs.get("user")) == bool(attrs.get("contact")):
            raise serializers.ValidationError(_("Name either a user or a contact."))
        return attrs


class ShiftSerializer(ScopedSerializer):
    members = ShiftMemberSerializer(many=True, required=False)

    class Meta:
        model = Shift
        fields = [
            "id",
            "uuid",
            "owner",
            "kind",
            "starts_at",
            "ends_at",
            "note",
            "members",
            "created_at",
            "updated_at",
        ]

    def validate_members(self, value):
        roles = [m["role"] for m in value]
        if len(roles) != len(set(roles)):
            raise serializers.ValidationError(_("One person per role."))
        return value

    def validate(self, attrs):
        members = attrs.pop("members", None)
        attrs = super().validate(attrs)
        if members is not None:
            attrs["members"] = members
        return attrs


class ShiftViewSet(ScopedModelViewSet):
    """The duty roster. `members` lists one person (a user or a contact) per role; `on-duty` answers who is on
    duty at a time."""

    queryset = Shift.objects.select_related("owner").prefetch_related("members__user", "members__contact")
    serializer_class = ShiftSerializer
    filterset_class = filters.ShiftFilterSet

    def _save(self, serializer, instance):
        members = serializer.validated_data.get("members")
        people = None
        if members is not None:
            people = {m["role"]: m.get("user") or m.get("contact") for m in members}
        try:
            serializer.instance = services.save_shift(self.request.user, instance, people)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            _raise_api(exc)

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "members"}
        self._save(serializer, Shift(**data))

    def perform_update(self, serializer):
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            if key != "members":
                setattr(instance, key, value)
        self._save(serializer, instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="ISO time; now when left out"),
            OpenApiParameter(
                "office", OpenApiTypes.INT, description="an organisation id; every office if left out"
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="on-duty")
    def on_duty(self, request):
        """Who is on duty at `at` (default now), per office: role, name, phone."""
        at = timezone.now()
        if request.query_params.get("at"):
            try:
                at = parse_local_datetime(request.user, request.query_params["at"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"at": exc.messages}) from exc
        offices = services.duty_offices()
        if request.query_params.get("office"):
            if not request.query_params["office"].isdigit():
                raise serializers.ValidationError({"office": [_("An organisation id.")]})
            offices = Organisation.objects.filter(pk=int(request.query_params["office"]))
        boards = services.on_duty_many(list(offices), at)
        return Response(
            {
                "at": at.isoformat(),
                "offices": [
                    {
                        "office": b.office.pk,
                        "office_name": b.office.name,
                        "duty_phone": b.office.phone,
                        "on_duty": [
                            {
                                "role": m.role,
                                "role_label": str(DutyRole(m.role).label),
                                "name": m.name,
                                "phone": m.phone,
                                "user": m.user_id,
                                "contact": m.contact_id,
                                "shift": m.shift_id,
                                "starts_at": m.shift.starts_at.isoformat(),
                                "ends_at": m.shift.ends_at.isoformat(),
                            }
                            for m in b.rows()
                        ],
                    }
                    for b in boards
                ],
            }
        )


class LogEntrySerializer(ScopedSerializer):
    class Meta:
        model = LogEntry
        fields = [
            "id",
            "uuid",
            "owner",
            "at",
            "kind",
            "source",
            "content",
            "passed_to",
            "follow_up_needed",
            "follows_up",
            "follow_up_done",
            "corrects",
            "incident",
            "shift",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["shift", "created_by"]
        extra_kwargs = {"at": {"required": False}}


class LogEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The duty log: read and append only. Correct an entry with a new one that names it in `corrects`."""

    queryset = LogEntry.objects.select_related("owner")
    serializer_class = LogEntrySerializer
    filterset_class = filters.LogEntryFilterSet
    get_queryset = ScopedModelViewSet.get_queryset

    def perform_create(self, serializer):
        try:
            serializer.instance = services.log(self.request.user, LogEntry(**serializer.validated_data))
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            _raise_api(exc)


router = DefaultRouter()
router.register("duty/call-lists", CallListViewSet)
router.register("duty/shifts", ShiftViewSet)
router.register("duty/log", LogEntryViewSet)
urlpatterns = router.urls
