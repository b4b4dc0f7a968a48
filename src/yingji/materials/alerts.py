"""Stock alerts: an item below its minimum in a warehouse, a batch near (or past) its expiry date.

The minimum of an item in a warehouse is the warehouse's own (MinimumStock) or else the catalogue's; the
catalogue's applies to the warehouses that stock the item (hold a balance row for it, even at zero), so a
store that never kept sandbags is not told it lacks them. A batch is near expiry when it still holds stock and
expires within MATERIALS_EXPIRY_WARNING_DAYS days (default 30; docs/configuration.md), or has expired.

`notify_stock_alerts` runs in the worker every 15 minutes and tells the warehouse owner's users (and the
warehouse's manager, by email) once per alert: an AlertNotice row claims it, and is cleared when the alert
ends, so a later shortage is told again.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.models import User
from yingji.core.notify import notify, notify_contacts
from yingji.core.periodic import every
from yingji.materials.models import AlertKind, AlertNotice, Balance, Item, MinimumStock, Warehouse
from yingji.materials.services import exact


def expiry_warning_days() -> int:
    return int(settings.MATERIALS_EXPIRY_WARNING_DAYS)


@dataclass
class Alert:
    kind: str
    warehouse: Warehouse
    item: Item
    quantity: Decimal
    minimum: Decimal | None = None
    batch_number: str = ""
    expires_on: datetime.date | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.warehouse.pk, self.item.pk, self.batch_number)

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    def text(self) -> str:
        if self.kind == AlertKind.LOW:
            return _(
                "%(item)s in %(warehouse)s: %(quantity)s %(unit)s, below the minimum of %(minimum)s."
            ) % {
                "item": self.item.name,
                "warehouse": self.warehouse.name,
                "quantity": f"{self.quantity.normalize():f}",
                "minimum": f"{self.minimum.normalize():f}",
                "unit": self.item.unit,
            }
        template = (
            _("%(item)s batch %(batch)s in %(warehouse)s expired on %(date)s (%(quantity)s %(unit)s).")
            if self.expired
            else _("%(item)s batch %(batch)s in %(warehouse)s expires on %(date)s (%(quantity)s %(unit)s).")
        )
        return template % {
            "item": self.item.name,
            "batch": self.batch_number or "—",
            "warehouse": self.warehouse.name,
            "date": self.expires_on,
            "quantity": f"{self.quantity.normalize():f}",
            "unit": self.item.unit,
        }


def low_stock(warehouses: QuerySet) -> list[Alert]:
    """Items below their minimum, per warehouse (all batches together)."""
    totals = {
        (row["warehouse"], row["item"]): exact(row["total"])
        for row in Balance.objects.filter(warehouse__in=warehouses)
        .values("warehouse", "item")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    own = {
        (m.warehouse_id, m.item_id): m.minimum
        for m in MinimumStock.objects.filter(warehouse__in=warehouses).only("warehouse", "item", "minimum")
    }
    catalogue = dict(Item.objects.values_list("pk", "minimum_stock"))
    short = []
    for key in totals.keys() | own.keys():
        minimum = own.get(key, catalogue.get(key[1], Decimal(0)))
        total = totals.get(key, Decimal(0))
        if minimum and total < minimum:
            short.append((key, total, minimum))
    found_warehouses = Warehouse.objects.in_bulk({k[0] for k, _t, _m in short})
    items = Item.objects.in_bulk({k[1] for k, _t, _m in short})
    alerts = [
        Alert(AlertKind.LOW, found_warehouses[w], items[i], total, minimum)
        for (w, i), total, minimum in short
    ]
    return sorted(alerts, key=lambda a: (a.warehouse.name, a.item.code))


def near_expiry(warehouses: QuerySet, days: int | None = None) -> list[Alert]:
    days = expiry_warning_days() if days is None else days
    until = timezone.localdate() + datetime.timedelta(days=days)
    batches = (
        Balance.objects.filter(warehouse__in=warehouses, quantity__gt=0, expires_on__lte=until)
        .select_related("warehouse", "item")
        .order_by("expires_on", "warehouse__name", "item__code")
    )
    return [
        Alert(
            AlertKind.EXPIRY,
            b.warehouse,
            b.item,
            b.quantity,
            batch_number=b.batch_number,
            expires_on=b.expires_on,
        )
        for b in batches
    ]


def alerts_for(warehouses: QuerySet) -> dict[str, list[Alert]]:
    return {"low": low_stock(warehouses), "expiry": near_expiry(warehouses)}


@every(900)
@transaction.atomic
def notify_stock_alerts() -> int:
    """Tell each warehouse owner once per alert; returns how many alerts were told."""
    everywhere = Warehouse.objects.all()
    current = [*low_stock(everywhere), *near_expiry(everywhere)]
    keys = {a.key for a in current}
    ended = [
        pk
        for pk, *key in AlertNotice.objects.filter(active=True).values_list(
            "pk", "kind", "warehouse_id", "item_id", "batch_number"
        )
        if tuple(key) not in keys
    ]
    AlertNotice.objects.filter(pk__in=ended).update(active=False)
    now, told = timezone.now(), 0
    for alert in current:
        if _claim(alert, now):
            _tell(alert)
            told += 1
    return told


def _claim(alert: Alert, now) -> bool:
    """True for the one worker that records this alert as told (again, if it had ended)."""
    kind, warehouse, item, batch = alert.key
    match = {"kind": kind, "warehouse_id": warehouse, "item_id": item, "batch_number": batch}
    if AlertNotice.objects.filter(**match, active=False).update(active=True, notified_at=now):
        return True
    if AlertNotice.objects.filter(**match).exists():
        return False
    try:
        with transaction.atomic():
            AlertNotice.objects.create(**match, notified_at=now)
    except IntegrityError:  # another worker claimed it first
        return False
    return True


def _tell(alert: Alert) -> None:
    subject = (
        _("Stock below minimum: %(item)s in %(warehouse)s")
        if alert.kind == AlertKind.LOW
        else _("Batch near expiry: %(item)s in %(warehouse)s")
    ) % {"item": alert.item.name, "warehouse": alert.warehouse.name}
    users = User.objects.filter(organisation_id=alert.warehouse.owner_id, is_active=True)
    notify(users, subject, alert.text(), link=alert.warehouse.get_absolute_url())
    if alert.warehouse.manager_id:
        notify_contacts([alert.warehouse.manager], subject, alert.text())
