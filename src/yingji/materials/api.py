from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from yingji.core.api_base import ReadOnlyScopedViewSet, ScopedModelViewSet, ScopedSerializer
from yingji.core.api_policy import METHOD_ACTIONS
from yingji.core.scoping import scoped
from yingji.incidents.models import Incident
from yingji.materials import filters, services
from yingji.materials.models import QUANTITY, Balance, Item, Movement, MovementKind, Warehouse


class WarehouseSerializer(ScopedSerializer):
    class Meta:
        model = Warehouse
        fields = [
            "id",
            "uuid",
            "name",
            "kind",
            "owner",
            "division",
            "address",
            "latitude",
            "longitude",
            "manager",
            "capacity",
            "capacity_unit",
            "notes",
            "created_at",
            "updated_at",
        ]


class WarehouseViewSet(ScopedModelViewSet):
    queryset = Warehouse.objects.select_related("owner", "division")
    serializer_class = WarehouseSerializer
    filterset_class = filters.WarehouseFilterSet


class ItemSerializer(ScopedSerializer):
    class Meta:
        model = Item
        fields = [
            "id",
            "uuid",
            "code",
            "name",
            "material_class",
            "specification",
            "unit",
            "minimum_stock",
            "shelf_life_days",
            "source",
        ]


class ItemViewSet(ScopedModelViewSet):
    """The item catalogue: every signed-in user reads it; administrators edit it."""

    queryset = Item.objects.select_related("material_class")
    serializer_class = ItemSerializer
    filterset_class = filters.ItemFilterSet


class BalanceSerializer(serializers.ModelSerializer):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)

    class Meta:
        model = Balance
        fields = [
            "id",
            "warehouse",
            "warehouse_name",
            "item",
            "item_code",
            "item_name",
            "unit",
            "batch_number",
            "expires_on",
            "quantity",
            "updated_at",
        ]


class BalanceViewSet(ReadOnlyScopedViewSet):
    """Stock per warehouse, item and batch (read only: stock changes through movements)."""

    queryset = Balance.objects.select_related("warehouse", "item")
    serializer_class = BalanceSerializer
    filterset_class = filters.BalanceFilterSet


class MovementSerializer(serializers.ModelSerializer):
    """A movement as recorded: quantity signed (+ in, − out)."""

    class Meta:
        model = Movement
        fields = [
            "id",
            "uuid",
            "entry",
            "kind",
            "warehouse",
            "item",
            "batch_number",
            "expires_on",
            "quantity",
            "balance_after",
            "at",
            "by",
            "reason",
            "reference",
            "incident",
            "counterpart",
            "created_at",
        ]
        read_only_fields = fields


class MovementRequestSerializer(serializers.Serializer):
    """What to record. `quantity` is positive (the kind says the direction); an adjustment gives `counted`.
    `entry` is the client's id for the submission: sent again, it answers with what was recorded the first time."""

    KINDS = [
        (MovementKind.RECEIPT, MovementKind.RECEIPT.label),
        (MovementKind.ISSUE, MovementKind.ISSUE.label),
        ("transfer", _("Transfer between warehouses")),
        (MovementKind.DISPATCH, MovementKind.DISPATCH.label),
        (MovementKind.ADJUSTMENT, MovementKind.ADJUSTMENT.label),
    ]

    kind = serializers.ChoiceField(choices=KINDS)
    warehouse = serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.all())
    item = serializers.SlugRelatedField(
        slug_field="code", queryset=Item.objects.all(), help_text=_("The item's catalogue code.")
    )
    quantity = serializers.DecimalField(**QUANTITY, required=False)
    counted = serializers.DecimalField(**QUANTITY, required=False)
    batch_number = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    incident = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), required=False, allow_null=True
    )
    destination = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), required=False, allow_null=True
    )
    at = serializers.DateTimeField(required=False, allow_null=True)
    entry = serializers.UUIDField(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name in ("warehouse", "incident", "destination"):
                fields[name].queryset = scoped(fields[name].queryset, request.user)
        return fields

    def validate(self, attrs):
        kind = attrs["kind"]
        needed = "counted" if kind == MovementKind.ADJUSTMENT else "quantity"
        if attrs.get(needed) is None:
            raise serializers.ValidationError({needed: [_("This field is required.")]})
        return attrs

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        kind = data.pop("kind")
        common = {k: data.get(k) for k in ("item", "reference", "entry", "at")}
        common["reference"] = common["reference"] or ""
        batch = data.get("batch_number")
        if kind == MovementKind.RECEIPT:
            return {
                **common,
                "warehouse": data["warehouse"],
                "quantity": data["quantity"],
                "batch_number": batch or "",
                "expires_on": data.get("expires_on"),
                "reason": data["reason"],
            }
        if kind == MovementKind.ADJUSTMENT:
            return {
                **common,
                "warehouse": data["warehouse"],
                "counted": data["counted"],
                "batch_number": batch or "",
                "expires_on": data.get("expires_on"),
                "reason": data["reason"],
            }
        out = {**common, "quantity": data["quantity"], "batch_number": batch, "reason": data["reason"]}
        if kind == "transfer":
            return {**out, "source": data["warehouse"], "destination": data.get("destination")}
        if kind == MovementKind.DISPATCH:
            return {**out, "warehouse": data["warehouse"], "incident": data.get("incident")}
        return {**out, "warehouse": data["warehouse"]}


class MovementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The stock ledger: list and read movements; POST records one (append-only: no update, no delete)."""

    queryset = Movement.objects.all()
    serializer_class = MovementSerializer
    filterset_class = filters.MovementFilterSet

    def get_queryset(self):
        return scoped(
            self.queryset.all(), self.request.user, METHOD_ACTIONS.get(self.request.method, "change")
        )

    @extend_schema(request=MovementRequestSerializer, responses={201: MovementSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        incoming = MovementRequestSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        kind = incoming.validated_data["kind"]
        try:
            entry = services.record(request.user, kind, **incoming.service_data())
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        body = {"entry": str(entry.entry), "movements": MovementSerializer(entry.movements, many=True).data}
        return Response(body, status=status.HTTP_200_OK if entry.replayed else status.HTTP_201_CREATED)


router = DefaultRouter()
router.register("warehouses", WarehouseViewSet)
router.register("material-items", ItemViewSet)
router.register("stock", BalanceViewSet)
router.register("stock-movements", MovementViewSet)
urlpatterns = router.urls
