"""Materials (物资库): warehouses, the item catalogue, and stock kept as a ledger of movements.

The ledger: every change of stock is a `Movement` (append-only, signed quantity); `Balance` holds the sum of the
movements per warehouse, item and batch, written in the same transaction under a row lock (services.py), never
negative (a database constraint stands behind the service's check).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import OwnedModel, ReferenceData, TimestampedModel
from yingji.resources.geo import Located

QUANTITY = {"max_digits": 14, "decimal_places": 3}


def quantity_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, **QUANTITY, **kwargs)


def tidy(quantity: Decimal | None) -> Decimal | None:
    """A quantity without trailing zeros (120.000 -> 120, 1.500 -> 1.5), still a Decimal for exports."""
    if quantity is None:
        return None
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


class MaterialClass(ReferenceData):
    """A top class of GB/T 38565-2020 (应急物资分类及编码): reference data from data/material_classes.csv."""

    code = models.CharField(_("code"), max_length=7, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    mark = models.CharField(_("mark"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("material class")
        verbose_name_plural = _("material classes")

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("materials:materialclass_detail", args=[self.pk])


class Item(ReferenceData):
    """One kind of material in the catalogue (tents, life jackets, ...): shared by the whole platform, read by
    every signed-in user, edited by administrators (the defaults come from data/items.csv)."""

    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("The catalogue's own code, e.g. 1-TENT-12.")
    )
    name = models.CharField(_("name"), max_length=100)
    material_class = models.ForeignKey(
        MaterialClass, verbose_name=_("GB/T 38565 class"), on_delete=models.PROTECT, related_name="items"
    )
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("e.g. 顶, 床, 件, 台, 吨, 箱"))
    minimum_stock = quantity_field(
        _("minimum stock per warehouse"),
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text=_("Applies to every warehouse that stocks the item unless the warehouse sets its own."),
    )
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["material_class__code", "code"]
        verbose_name = _("item")
        verbose_name_plural = _("items")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("materials:item_detail", args=[self.pk])


class Warehouse(OwnedModel, Located):
    """A store of emergency materials. Located: its coordinates and grid cell serve the nearest search."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government reserve")
        AGREEMENT = "agreement", _("Enterprise agreement reserve")
        ENTERPRISE = "enterprise", _("Enterprise own reserve")
        SOCIAL = "social", _("Social / donated reserve")
        OTHER = "other", _("Other")

    class CapacityUnit(models.TextChoices):
        SQUARE_METRES = "m2", "m²"
        CUBIC_METRES = "m3", "m³"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GOVERNMENT)
    division = models.ForeignKey(
        "core.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    manager = models.ForeignKey(
        "core.Contact",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    capacity = models.DecimalField(
        _("capacity"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    capacity_unit = models.CharField(
        _("capacity unit"), max_length=2, choices=CapacityUnit.choices, default=CapacityUnit.SQUARE_METRES
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["division__path", "name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="warehouse_owner_name")]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("materials:warehouse_detail", args=[self.pk])


class MinimumStock(TimestampedModel):
    """A warehouse's own minimum for an item, in place of the catalogue's."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="minimums"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+")
    minimum = quantity_field(_("minimum stock"), validators=[MinValueValidator(0)])

    owner_lookup = "warehouse__owner"

    class Meta:
        ordering = ["warehouse", "item"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "item"], name="minimum_stock_per_item")]
        verbose_name = _("minimum stock")
        verbose_name_plural = _("minimum stocks")

    def __str__(self):
        return f"{self.warehouse} · {self.item}: {self.minimum}"

    def get_absolute_url(self):
        return self.warehouse.get_absolute_url()

    def change_log_paths(self) -> tuple[str, str]:
        return self.warehouse.owner.division.path, self.warehouse.owner.path


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    DISPATCH = "dispatch", _("Dispatch to an incident")
    ADJUSTMENT = "adjustment", _("Stock-taking adjustment")


class Balance(models.Model):
    """The stock of one batch of an item in a warehouse: the sum of its movements, never negative.

    Written only by services.py, in the transaction that writes the movement, with the row locked. Not in the
    change log itself: every change of it is a movement, which is."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="balances"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="balances")
    batch_number = models.CharField(_("batch"), max_length=40, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    quantity = quantity_field(_("quantity"), default=Decimal(0))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    owner_lookup = "warehouse__owner"

    class Meta:
        ordering = ["warehouse", "item__material_class__code", "item__code", "expires_on", "batch_number"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item", "batch_number"], name="balance_per_batch"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="balance_not_negative"),
        ]
        indexes = [models.Index(fields=["item", "warehouse"], name="balance_item_warehouse")]
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock")

    def __str__(self):
        batch = f" [{self.batch_number}]" if self.batch_number else ""
        return f"{self.warehouse} · {self.item}{batch}: {tidy(self.quantity)}"

    def get_absolute_url(self):
        return self.warehouse.get_absolute_url()

    @property
    def amount(self) -> Decimal:
        return tidy(self.quantity)


class Movement(TimestampedModel):
    """One line of the stock ledger. Append-only: a correction is a new movement (an adjustment)."""

    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="movements")
    batch_number = models.CharField(_("batch"), max_length=40, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    quantity = quantity_field(_("quantity"), help_text=_("Positive into the warehouse, negative out of it."))
    balance_after = quantity_field(_("batch balance after"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("document number"), max_length=60, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="material_movements",
    )
    # The two legs of a transfer point at each other's warehouse.
    counterpart = models.ForeignKey(
        Warehouse,
        verbose_name=_("from / to warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The movements one call recorded (both legs of a transfer, the batches of an issue) share it; a client
    # that sends its own makes a retried submission harmless.
    entry = models.UUIDField(_("entry"), default=uuid.uuid4, db_index=True)

    owner_lookup = "warehouse__owner"

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["warehouse", "item", "batch_number"], name="movement_ledger_key"),
            models.Index(fields=["warehouse", "-at"], name="movement_warehouse_time"),
            models.Index(fields=["-at"], name="movement_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_not_zero"),
        ]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} {tidy(self.quantity):+}"

    def get_absolute_url(self):
        return reverse("materials:warehouse_detail", args=[self.warehouse_id]) + "#movements"

    def change_log_paths(self) -> tuple[str, str]:
        return self.warehouse.owner.division.path, self.warehouse.owner.path

    @property
    def amount(self) -> Decimal:
        return tidy(self.quantity)

    @property
    def size(self) -> Decimal:
        return tidy(abs(self.quantity))

    @property
    def amount_after(self) -> Decimal:
        return tidy(self.balance_after)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Stock movements are append-only: record a correcting movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stock movements are append-only: record a correcting movement instead.")


class AlertKind(models.TextChoices):
    LOW = "low", _("Below minimum")
    EXPIRY = "expiry", _("Near expiry")


class AlertNotice(models.Model):
    """That an alert was sent, so the periodic job tells the owner once; cleared when the alert ends."""

    kind = models.CharField(max_length=8, choices=AlertKind.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    batch_number = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    notified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "warehouse", "item", "batch_number"], name="alert_notice_per_alert"
            )
        ]
