"""The demo city's material reserves: dozens of warehouses across the city and its counties, with stock built
from receipts and issues (the ledger, balances and change log as the services would write them).

- the city's relief reserve and flood store, a branch in 梅县区; in every county a relief reserve (emergency
  office), a flood store (water bureau) and two town points; an agreement reserve at each demo enterprise;
- life jackets (救生衣) in the flood stores, and in the town points of 梅县区 and 梅江区;
- a few items below their minimum and a few batches that expire within the next weeks, for the alerts.

Deterministic: every figure comes from a generator seeded by the record's name (dates count back from the day
of the load). Idempotent: a warehouse is known by its owner and name; one that exists is left as it is.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yingji.core.changelog import record_created
from yingji.core.context import acting_as
from yingji.core.models import Contact, Division, DivisionLevel, Organisation, OrganisationKind, User
from yingji.materials.models import Balance, Item, MinimumStock, Movement, MovementKind, Warehouse

RELIEF = ["1-TENT-12", "1-TENT-36", "1-QUILT", "1-CLOTH", "1-BED", "1-WATER", "1-FOOD", "1-LAMP", "2-MED"]
FLOOD = ["2-LIFEJ", "2-LIFER", "2-BOAT", "2-PUMP", "2-GEN", "2-RAIN", "3-SANDB", "3-GEOT", "3-STONE"]
TOWN = ["1-QUILT", "1-WATER", "1-FOOD", "1-LAMP", "2-RAIN", "3-SANDB", "2-EXT"]
TOWN_NEAR_MEIXIAN = [*TOWN, "2-LIFEJ", "2-LIFER"]
AGREEMENT = ["2-GEN", "2-PUMP", "3-STEEL", "3-CHAIN", "3-STONE", "2-EXT"]
# (warehouse, item): stock left below the minimum / a batch that expires soon.
LOW = {
    ("梅县区防汛物资仓库", "3-SANDB"),
    ("大埔县救灾物资储备仓库", "1-TENT-12"),
    ("兴宁市防汛物资仓库", "2-PUMP"),
}
EXPIRING = {
    ("梅州市市级救灾物资储备库", "1-FOOD"),
    ("梅县区救灾物资储备仓库", "1-WATER"),
    ("五华县救灾物资储备仓库", "2-MED"),
    ("丰顺县救灾物资储备仓库", "1-WATER"),
}
ISSUE_REASONS = ["发放受灾群众", "支援镇村防汛", "汛前演练消耗", "调拨下级储备点"]


def _rng(*key: str) -> random.Random:
    return random.Random("/".join(key))


class _Loader:
    def __init__(self):
        self.admin = User.objects.get(username="city_admin")
        self.items = {i.code: i for i in Item.objects.all()}
        self.orgs = list(Organisation.objects.select_related("division"))
        self.existing = set(Warehouse.objects.values_list("owner_id", "name"))
        self.users = {}
        for user in User.objects.filter(role__in=["office", "admin"], is_active=True).order_by("pk"):
            self.users.setdefault(user.organisation_id, user)
        self.managers = {}
        for contact in Contact.objects.order_by("-is_primary", "name"):
            self.managers.setdefault(contact.owner_id, contact)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.tally = Counter(created=0, unchanged=0, movements=0)
        self.movements: list[Movement] = []
        self.balances: list[Balance] = []
        self.minimums: list[MinimumStock] = []

    def org(self, division: Division, kind: str, suffix: str = "") -> Organisation | None:
        for o in self.orgs:
            if o.division_id == division.pk and o.kind == kind and o.name.endswith(suffix):
                return o
        return None

    def warehouse(self, owner, division, name, kind, items, *, scale=1.0, own_minimum=False, capacity=None):
        if owner is None:
            return
        if (owner.pk, name) in self.existing:
            self.tally["unchanged"] += 1
            return
        rng = _rng(name)
        lat = Decimal(str(division.latitude or owner.latitude)) + Decimal(rng.randint(-150, 150)) / 10000
        lon = Decimal(str(division.longitude or owner.longitude)) + Decimal(rng.randint(-150, 150)) / 10000
        warehouse = Warehouse(
            owner=owner,
            name=name,
            kind=kind,
            division=division,
            address=f"{division.name}{rng.choice(['工业大道', '环城路', '物流园', '滨江路', '府前路'])}{rng.randint(1, 99)}号",
            latitude=lat,
            longitude=lon,
            manager=self.managers.get(owner.pk),
            capacity=Decimal(capacity or rng.choice([300, 500, 800, 1200, 2000])),
            capacity_unit=Warehouse.CapacityUnit.SQUARE_METRES,
            created_by=self.admin,
        )
        warehouse.save()
        self.tally["created"] += 1
        by = self.users.get(owner.pk) or self.admin
        for code in items:
            self.stock(warehouse, self.items[code], by, scale, own_minimum)

    def stock(self, warehouse: Warehouse, item: Item, by: User, scale: float, own_minimum: bool) -> None:
        rng = _rng(warehouse.name, item.code)
        minimum = item.minimum_stock or Decimal(10)
        received = []
        for n in range(rng.randint(1, 3)):
            days_ago = rng.randint(20, 200) if item.shelf_life_days else rng.randint(20, 700)
            share = rng.uniform(1.5, 2.5) if n == 0 else rng.uniform(0.3, 1.0)
            quantity = Decimal(max(1, round(float(minimum) * share * scale)))
            when = self.today - datetime.timedelta(days=days_ago)
            expires = when + datetime.timedelta(days=item.shelf_life_days) if item.shelf_life_days else None
            received.append((when, f"{when:%Y%m}-{n + 1:02d}", expires, quantity))
        if (warehouse.name, item.code) in EXPIRING:
            shelf = item.shelf_life_days or 365
            expires = self.today + datetime.timedelta(days=rng.randint(8, 25))
            when = expires - datetime.timedelta(days=shelf)
            received.append((when, f"{when:%Y%m}-90", expires, Decimal(max(1, round(float(minimum) * 0.3)))))
        batches: dict[str, Balance] = {}
        events = []
        for when, batch, expires, quantity in received:
            events.append((when, MovementKind.RECEIPT, batch, expires, quantity, ""))
        total = sum(q for *_rest, q in received)
        # Issues, first expiring first, never more than the stock.
        if (warehouse.name, item.code) in LOW:
            out = total - (minimum * Decimal("0.6")).quantize(Decimal(1))
        elif (warehouse.name, item.code) in EXPIRING:
            out = Decimal(0)  # first expiring first would take the batch that is meant to show near expiry
        else:
            out = (total * Decimal(rng.choice([0, 0, 10, 20, 30])) / 100).quantize(Decimal(1))
        if out > 0:
            last = max(w for w, *_rest in received)
            events.append((last + datetime.timedelta(days=rng.randint(1, 15)), MovementKind.ISSUE, None, None, out,
                           rng.choice(ISSUE_REASONS)))  # fmt: skip
        for when, kind, batch, expires, quantity, reason in sorted(
            events, key=lambda e: (e[0], e[1] != "receipt")
        ):
            at = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9 + rng.randint(0, 8), 0)))
            if kind == MovementKind.RECEIPT:
                balance = batches.setdefault(
                    batch, Balance(warehouse=warehouse, item=item, batch_number=batch, expires_on=expires)
                )
                self.move(warehouse, item, balance, kind, quantity, at, by, "", f"入库单 {batch}")
                continue
            rest = quantity
            for balance in sorted(
                batches.values(), key=lambda b: (b.expires_on or datetime.date.max, b.batch_number)
            ):
                part = min(rest, balance.quantity)
                if part > 0:
                    self.move(warehouse, item, balance, kind, -part, at, by, reason, "")
                    rest -= part
        self.balances.extend(batches.values())
        if own_minimum:
            self.minimums.append(
                MinimumStock(
                    warehouse=warehouse, item=item, minimum=(total * Decimal("0.4")).quantize(Decimal(1))
                )
            )

    def move(self, warehouse, item, balance, kind, quantity, at, by, reason, reference) -> None:
        balance.quantity = (balance.quantity or Decimal(0)) + quantity
        self.movements.append(
            Movement(
                kind=kind,
                warehouse=warehouse,
                item=item,
                batch_number=balance.batch_number,
                expires_on=balance.expires_on,
                quantity=quantity,
                balance_after=balance.quantity,
                at=at,
                by=by,
                reason=reason,
                reference=reference,
                created_by=by,
            )
        )

    def load(self) -> None:
        city = Division.objects.get(level=DivisionLevel.CITY)
        city_ema = self.org(city, OrganisationKind.OFFICE)
        counties = list(Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code"))
        by_name = {d.name: d for d in counties}
        gov = Warehouse.Kind.GOVERNMENT
        self.warehouse(
            city_ema,
            by_name.get("梅江区", city),
            "梅州市市级救灾物资储备库",
            gov,
            RELIEF,
            scale=3,
            capacity=5000,
        )
        self.warehouse(
            self.org(city, OrganisationKind.DEPARTMENT, "水利局"), by_name.get("梅江区", city),
            "梅州市防汛抢险物资仓库", gov, FLOOD, scale=3, capacity=4000,
        )  # fmt: skip
        if "梅县区" in by_name:
            self.warehouse(city_ema, by_name["梅县区"], "梅州市应急物资储备中心梅县分库", gov, [*RELIEF[:5], "2-LIFEJ"],
                           scale=2)  # fmt: skip
        for county in counties:
            ema = self.org(county, OrganisationKind.OFFICE)
            water = self.org(county, OrganisationKind.DEPARTMENT, "水利局") or ema
            self.warehouse(ema, county, f"{county.name}救灾物资储备仓库", gov, RELIEF)
            self.warehouse(water, county, f"{county.name}防汛物资仓库", gov, FLOOD)
            towns = sorted(
                (d for d in Division.objects.filter(parent=county, level=DivisionLevel.TOWN)),
                key=lambda d: _rng(d.code).random(),
            )[:2]
            near = county.name in ("梅县区", "梅江区")
            for town in towns:
                self.warehouse(ema, town, f"{town.name}应急物资储备点", gov, TOWN_NEAR_MEIXIAN if near else TOWN,
                               scale=0.3, own_minimum=True, capacity=120)  # fmt: skip
            for org in self.orgs:
                if org.kind == OrganisationKind.ENTERPRISE and org.division.path.startswith(county.path):
                    name = f"{org.short_name or org.name}协议储备库"
                    self.warehouse(
                        org,
                        org.division,
                        name,
                        Warehouse.Kind.AGREEMENT,
                        AGREEMENT,
                        scale=0.5,
                        own_minimum=True,
                    )
        Balance.objects.bulk_create(self.balances)
        MinimumStock.objects.bulk_create(self.minimums)
        created = Movement.objects.bulk_create(self.movements, batch_size=1000)
        record_created([*created, *self.minimums])
        self.tally["movements"] = len(created)


def load_materials() -> dict[str, int]:
    with transaction.atomic(), acting_as(None):
        loader = _Loader()
        loader.load()
    return dict(loader.tally)
