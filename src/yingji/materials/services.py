"""Materials use cases: every stock movement goes through a function here (views, API, imports, demo alike).

The ledger rule: a `Balance` row per (warehouse, item, batch) equals the sum of that batch's movements and is
never negative. Each function below runs in one transaction that
  1. makes sure the balance rows it will write exist (INSERT ... ON CONFLICT DO NOTHING),
  2. locks every balance row of the item in the warehouses concerned, in primary-key order (SELECT ... FOR UPDATE
     on PostgreSQL; SQLite takes the write lock at BEGIN, see settings.py), so two writers of the same stock queue
     and two transfers in opposite directions cannot deadlock,
  3. checks the quantities against the locked (current) rows and refuses an overdraw with a ValidationError that
     names the field, the item and what is available,
  4. writes the movements (append-only; each lands in the change log) and the new balances.
Anything refused raises before the transaction commits: nothing is half-written.
"""

import datetime
import uuid as uuid_lib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.scoping import can, in_scope, scoped
from yingji.materials.models import (
    QUANTITY,
    Balance,
    Item,
    MaterialClass,
    MinimumStock,
    Movement,
    MovementKind,
    Warehouse,
    tidy,
)

STEP = Decimal(1).scaleb(-QUANTITY["decimal_places"])
LIMIT = Decimal(10) ** (QUANTITY["max_digits"] - QUANTITY["decimal_places"])
REASON_REQUIRED = {MovementKind.ISSUE, MovementKind.DISPATCH, MovementKind.ADJUSTMENT}


def exact(total) -> Decimal:
    """A sum read from the database, to the ledger's three decimals: SQLite adds decimals as floating point
    (0.000999999999999890 for 1.001 - 1); every quantity has at most three decimals, so rounding restores it."""
    return Decimal(total or 0).quantize(STEP)


# Checks ------------------------------------------------------------------------------------------------


def _quantity(value, field: str = "quantity", *, allow_zero: bool = False) -> Decimal:
    """A quantity as Decimal (never float), > 0 (≥ 0 for a count), with at most three decimals."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(
            {
                field: _("Enter a quantity of zero or more.")
                if allow_zero
                else _("Enter a quantity above zero.")
            }
        )
    if number != number.quantize(STEP) or abs(number) >= LIMIT:
        raise ValidationError(
            {field: _("Use at most three decimals and less than %(limit)s.") % {"limit": f"{LIMIT:,}"}}
        )
    return number.quantize(STEP)


def _reason(kind: str, reason: str) -> str:
    reason = (reason or "").strip()
    if kind in REASON_REQUIRED and not reason:
        raise ValidationError(
            {"reason": _("Say why (required for %(kind)s).") % {"kind": MovementKind(kind).label}}
        )
    return reason


def _may_write(user, warehouse: Warehouse) -> None:
    if not can(user, "add", Movement):
        raise PermissionDenied(_("Your role may not record stock movements."))
    if not in_scope(user, warehouse, "change"):
        raise PermissionDenied(_("This warehouse is outside your organisation."))


def _fmt(number: Decimal) -> str:
    return f"{number.normalize():f}"


def _overdraw(field: str, item: Item, warehouse: Warehouse, available: Decimal, wanted: Decimal, batch=None):
    batch_text = _(" (batch %(batch)s)") % {"batch": batch} if batch else ""
    return ValidationError(
        {
            field: _(
                "Not enough %(item)s in %(warehouse)s%(batch)s: %(available)s %(unit)s available, "
                "%(wanted)s %(unit)s requested."
            )
            % {
                "item": item.name,
                "warehouse": warehouse.name,
                "batch": batch_text,
                "available": _fmt(available),
                "wanted": _fmt(wanted),
                "unit": item.unit,
            }
        }
    )


# Locking -----------------------------------------------------------------------------------------------


def _ensure(warehouse: Warehouse, item: Item, batch_number: str, expires_on) -> None:
    """The balance row exists (zero if new): INSERT ... ON CONFLICT DO NOTHING, safe against a racing insert."""
    Balance.objects.bulk_create(
        [Balance(warehouse=warehouse, item=item, batch_number=batch_number, expires_on=expires_on)],
        ignore_conflicts=True,
    )


def _lock(item: Item, *warehouses: Warehouse) -> dict[tuple[int, str], Balance]:
    """Every balance row of `item` in the warehouses, locked in primary-key order, by (warehouse id, batch)."""
    rows = Balance.objects.select_for_update().filter(item=item, warehouse_id__in={w.pk for w in warehouses})
    return {(b.warehouse_id, b.batch_number): b for b in rows.order_by("pk")}


def _fefo(balances: dict, warehouse: Warehouse) -> list[Balance]:
    """The warehouse's batches holding stock, first expiring first (batches without expiry last)."""
    held = [b for (w, _batch), b in balances.items() if w == warehouse.pk and b.quantity > 0]
    return sorted(held, key=lambda b: (b.expires_on is None, b.expires_on or timezone.localdate(), b.pk))


def _take(
    balances: dict, warehouse: Warehouse, item: Item, quantity: Decimal, batch_number: str | None
) -> list[tuple[Balance, Decimal]]:
    """Which batches give `quantity`: the named one, or first-expiring-first; refuses an overdraw."""
    if batch_number is not None:
        balance = balances.get((warehouse.pk, batch_number))
        available = balance.quantity if balance is not None else Decimal(0)
        if available < quantity:
            raise _overdraw("quantity", item, warehouse, available, quantity, batch_number)
        return [(balance, quantity)]
    batches = _fefo(balances, warehouse)
    available = sum((b.quantity for b in batches), Decimal(0))
    if available < quantity:
        raise _overdraw("quantity", item, warehouse, available, quantity)
    taken, rest = [], quantity
    for balance in batches:
        part = min(rest, balance.quantity)
        taken.append((balance, part))
        rest -= part
        if not rest:
            break
    return taken


@dataclass
class Entry:
    """What one call recorded: its movements (one per batch and leg) under one entry id."""

    entry: uuid_lib.UUID
    movements: list[Movement]
    replayed: bool = False


def _write(balance: Balance, delta: Decimal, movement: Movement) -> Movement:
    balance.quantity += delta
    if balance.quantity < 0:  # unreachable after the checks; the database constraint would refuse it too
        raise ValidationError({"quantity": _("The balance would become negative.")})
    balance.save(update_fields=["quantity", "expires_on", "updated_at"])
    movement.batch_number, movement.expires_on = balance.batch_number, balance.expires_on
    movement.quantity, movement.balance_after = delta, balance.quantity
    movement.save()
    return movement


def _movement(user, kind, warehouse, item, entry, *, reason="", reference="", at=None, **extra) -> Movement:
    return Movement(
        kind=kind,
        warehouse=warehouse,
        item=item,
        by=user,
        reason=reason,
        reference=(reference or "").strip()[:60],
        at=at or timezone.now(),
        entry=entry,
        created_by=user,
        **extra,
    )


def _replay(user, entry) -> Entry | None:
    """A retried submission (same entry id) answers with what the first one recorded."""
    if entry is None:
        return None
    done = list(scoped(Movement.objects.filter(entry=entry), user).order_by("pk"))
    if done:
        return Entry(entry, done, replayed=True)
    if Movement.objects.filter(entry=entry).exists():
        raise PermissionDenied(_("This entry id is already used outside your organisation."))
    return None


# Use cases ---------------------------------------------------------------------------------------------


@transaction.atomic
def receive(
    user,
    warehouse: Warehouse,
    item: Item,
    quantity,
    *,
    batch_number: str = "",
    expires_on=None,
    reason: str = "",
    reference: str = "",
    at=None,
    entry=None,
) -> Entry:
    """Stock arrives: a positive movement into one batch (created when new, with its expiry date)."""
    if replay := _replay(user, entry):
        return replay
    quantity = _quantity(quantity)
    _may_write(user, warehouse)
    batch_number = (batch_number or "").strip()
    _ensure(warehouse, item, batch_number, expires_on)
    balance = _lock(item, warehouse)[(warehouse.pk, batch_number)]
    if expires_on and balance.expires_on and balance.expires_on != expires_on:
        raise ValidationError(
            {
                "expires_on": _("Batch %(batch)s of %(item)s expires on %(date)s, not %(other)s.")
                % {
                    "batch": batch_number or "—",
                    "item": item.name,
                    "date": balance.expires_on,
                    "other": expires_on,
                }
            }
        )
    balance.expires_on = balance.expires_on or expires_on
    entry = entry or uuid_lib.uuid4()
    movement = _movement(
        user, MovementKind.RECEIPT, warehouse, item, entry, reason=_reason("receipt", reason),
        reference=reference, at=at,
    )  # fmt: skip
    return Entry(entry, [_write(balance, quantity, movement)])


def _out(user, kind, warehouse, item, quantity, *, batch_number, reason, reference, at, entry, **extra):
    if replay := _replay(user, entry):
        return replay
    quantity = _quantity(quantity)
    reason = _reason(kind, reason)
    _may_write(user, warehouse)
    balances = _lock(item, warehouse)
    taken = _take(balances, warehouse, item, quantity, None if batch_number is None else batch_number.strip())
    entry = entry or uuid_lib.uuid4()
    movements = [
        _write(
            balance,
            -part,
            _movement(user, kind, warehouse, item, entry, reason=reason, reference=reference, at=at, **extra),
        )
        for balance, part in taken
    ]
    return Entry(entry, movements)


@transaction.atomic
def issue(
    user, warehouse, item, quantity, *, reason, batch_number=None, reference="", at=None, entry=None
) -> Entry:
    """Stock leaves for use (not for an incident): from the named batch, or first-expiring-first."""
    return _out(
        user, MovementKind.ISSUE, warehouse, item, quantity,
        batch_number=batch_number, reason=reason, reference=reference, at=at, entry=entry,
    )  # fmt: skip


@transaction.atomic
def dispatch(
    user, warehouse, item, quantity, *, incident, reason, batch_number=None, reference="", at=None, entry=None
) -> Entry:
    """Stock sent to an incident the user can see; the movements link it."""
    if incident is None:
        raise ValidationError({"incident": _("Choose the incident the stock is sent to.")})
    if not in_scope(user, incident, "view"):
        raise ValidationError({"incident": _("This incident is outside your organisation.")})
    return _out(
        user, MovementKind.DISPATCH, warehouse, item, quantity,
        batch_number=batch_number, reason=reason, reference=reference, at=at, entry=entry, incident=incident,
    )  # fmt: skip


@transaction.atomic
def transfer(
    user,
    source: Warehouse,
    destination: Warehouse,
    item: Item,
    quantity,
    *,
    reason: str = "",
    batch_number: str | None = None,
    reference: str = "",
    at=None,
    entry=None,
) -> Entry:
    """Stock moves between warehouses: an out leg and an in leg per batch, both or none. The source must be
    within the user's reach for change, the destination for view (a county sends stock to the city's store)."""
    if replay := _replay(user, entry):
        return replay
    if destination is None:
        raise ValidationError({"destination": _("Choose the warehouse the stock goes to.")})
    if destination.pk == source.pk:
        raise ValidationError({"destination": _("Choose another warehouse than the source.")})
    if not in_scope(user, destination, "view"):
        raise ValidationError({"destination": _("This warehouse is outside your organisation.")})
    quantity = _quantity(quantity)
    reason = _reason(MovementKind.TRANSFER_OUT, reason)
    _may_write(user, source)
    # The destination's rows for the source's batches exist before locking, so one ordered lock takes them all.
    for balance in Balance.objects.filter(warehouse=source, item=item, quantity__gt=0):
        if batch_number is None or balance.batch_number == batch_number.strip():
            _ensure(destination, item, balance.batch_number, balance.expires_on)
    balances = _lock(item, source, destination)
    taken = _take(balances, source, item, quantity, None if batch_number is None else batch_number.strip())
    entry = entry or uuid_lib.uuid4()
    movements = []
    for balance, part in taken:
        key = (destination.pk, balance.batch_number)
        if key not in balances:  # a batch received since the rows were made
            _ensure(destination, item, balance.batch_number, balance.expires_on)
            balances[key] = Balance.objects.select_for_update().get(
                warehouse=destination, item=item, batch_number=balance.batch_number
            )
        extra = {"reason": reason, "reference": reference, "at": at}
        movements.append(
            _write(
                balance,
                -part,
                _movement(
                    user, MovementKind.TRANSFER_OUT, source, item, entry, counterpart=destination, **extra
                ),
            )
        )
        target = balances[key]
        target.expires_on = target.expires_on or balance.expires_on
        movements.append(
            _write(
                target,
                part,
                _movement(
                    user, MovementKind.TRANSFER_IN, destination, item, entry, counterpart=source, **extra
                ),
            )
        )
    return Entry(entry, movements)


@transaction.atomic
def adjust(
    user,
    warehouse: Warehouse,
    item: Item,
    counted,
    *,
    reason: str,
    batch_number: str = "",
    expires_on=None,
    reference: str = "",
    at=None,
    entry=None,
) -> Entry:
    """Stock-taking: the batch's balance becomes the counted quantity; the difference is the movement
    (none when the count agrees)."""
    if replay := _replay(user, entry):
        return replay
    counted = _quantity(counted, "counted", allow_zero=True)
    reason = _reason(MovementKind.ADJUSTMENT, reason)
    _may_write(user, warehouse)
    batch_number = (batch_number or "").strip()
    _ensure(warehouse, item, batch_number, expires_on)
    balance = _lock(item, warehouse)[(warehouse.pk, batch_number)]
    balance.expires_on = balance.expires_on or expires_on
    delta = counted - balance.quantity
    entry = entry or uuid_lib.uuid4()
    if not delta:
        return Entry(entry, [])
    movement = _movement(
        user, MovementKind.ADJUSTMENT, warehouse, item, entry, reason=reason, reference=reference, at=at
    )
    return Entry(entry, [_write(balance, delta, movement)])


def record(user, kind: str, **data) -> Entry:
    """One entry point by kind, for forms and the API: receipt, issue, transfer, dispatch, adjustment."""
    functions = {
        MovementKind.RECEIPT: receive,
        MovementKind.ISSUE: issue,
        "transfer": transfer,
        MovementKind.TRANSFER_OUT: transfer,
        MovementKind.DISPATCH: dispatch,
        MovementKind.ADJUSTMENT: adjust,
    }
    if kind not in functions:
        raise ValidationError({"kind": _("Unknown kind of movement: %(kind)s.") % {"kind": kind}})
    return functions[kind](user, **data)


@transaction.atomic
def set_minimum(user, warehouse: Warehouse, item: Item, minimum) -> MinimumStock | None:
    """The warehouse's own minimum for an item; empty removes it (the catalogue's applies again)."""
    from yingji.core.services import delete_scoped, save_scoped

    existing = MinimumStock.objects.filter(warehouse=warehouse, item=item).first()
    if minimum in (None, ""):
        if existing is not None:
            delete_scoped(user, existing)
        return None
    minimum = _quantity(minimum, "minimum", allow_zero=True)
    record = existing or MinimumStock(warehouse=warehouse, item=item)
    record.minimum = minimum
    return save_scoped(user, record)


# Stock count import (摸清家底) -------------------------------------------------------------------------------

COUNT_COLUMNS = ["warehouse", "item", "batch_number", "expires_on", "counted", "note"]
COUNT_REQUIRED = ("warehouse", "item", "counted")
COUNT_EXAMPLE = ["梅县区防汛物资仓库", "2-LIFEJ", "B2026-01", "2031-06-30", "120", "年度盘点"]


def count_headers() -> dict[str, str]:
    """Header text -> column: the column name, or its label in the user's language."""
    labels = {
        "warehouse": _("Warehouse"),
        "item": _("Item"),
        "batch_number": _("Batch"),
        "expires_on": _("Expires on"),
        "counted": _("Counted quantity"),
        "note": _("Note"),
    }
    return {c: c for c in COUNT_COLUMNS} | {str(label): c for c, label in labels.items()}


@dataclass
class Count:
    """One checked row of a stock count: the quantity of a batch counted on hand in a warehouse."""

    row: int
    warehouse: Warehouse
    item: Item
    batch_number: str
    expires_on: datetime.date | None
    counted: Decimal
    note: str = ""


def _required(text: str) -> str:
    if not text:
        raise ValidationError(_("This field is required."))
    return text


def _one(matches: list, text: str):
    if len(matches) > 1:
        raise ValidationError(_("%(text)s names more than one record.") % {"text": text})
    if not matches:
        raise ValidationError(_("%(text)s is unknown, or outside your organisation.") % {"text": text})
    return matches[0]


def writable_warehouse(user, text: str) -> Warehouse:
    """A warehouse whose stock the user may write, by name (or id): one outside their reach is unknown."""
    candidates = scoped(Warehouse.objects.select_related("owner"), user, "change")
    found = list(candidates.filter(name=_required(text))[:2])
    if not found and text.isdigit():
        found = list(candidates.filter(pk=int(text)))
    return _one(found, text)


def item_named(text: str) -> Item:
    """A catalogue item by code (or id, see find_item), else by its name when only one item has it."""
    found = find_item(_required(text))
    return found or _one(list(Item.objects.filter(name=text)[:2]), text)


def _count_date(text: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationError(_("Write dates as YYYY-MM-DD.")) from None


def _batch(text: str) -> str:
    MaxLengthValidator(Balance._meta.get_field("batch_number").max_length)(text)
    return text


def check_counts(user, rows: list[dict[str, str]]) -> tuple[list[Count], list[tuple[int, str, str]]]:
    """The rows of a stock-count file (read_table) as counts, and every rejected (row, column, reason); row 1
    is the header. Nothing is written: `apply_counts` writes the counts once no row is rejected."""
    errors: list[tuple[int, str, str]] = []
    if not can(user, "add", Movement):
        return [], [(0, "", _("Your role may not record stock movements."))]
    headers = count_headers()
    present = {headers.get(h) for h in rows[0]} if rows else set()
    missing = [c for c in COUNT_REQUIRED if c not in present]
    if not rows or missing:
        columns = ", ".join(COUNT_REQUIRED)
        return [], [
            (1, ", ".join(missing), _("The file needs the columns %(columns)s.") % {"columns": columns})
        ]
    found: dict[tuple[str, str], object] = {}  # (column, text) -> warehouse / item, or the ValidationError

    def cached(column, parse, text):
        if (column, text) not in found:
            try:
                found[column, text] = parse(text)
            except ValidationError as exc:
                found[column, text] = exc
        if isinstance(found[column, text], ValidationError):
            raise found[column, text]
        return found[column, text]

    parsers = {
        "warehouse": lambda text: cached("warehouse", lambda t: writable_warehouse(user, t), text),
        "item": lambda text: cached("item", item_named, text),
        "batch_number": _batch,
        "expires_on": _count_date,
        "counted": lambda text: _quantity(_required(text), "counted", allow_zero=True),
        "note": str,
    }
    parsed: list[tuple[int, dict, dict]] = []
    for number, row in enumerate(rows, start=2):
        names = {c: c for c in COUNT_COLUMNS}  # column -> the header the file gave it
        texts = {}
        for header, text in row.items():
            if (column := headers.get(header)) is not None:
                names[column], texts[column] = header, (text or "").strip()
        values, bad = {}, False
        for column, parse in parsers.items():
            try:
                values[column] = parse(texts.get(column, ""))
            except ValidationError as exc:
                errors.extend((number, names[column], message) for message in exc.messages)
                bad = True
        if not bad:
            parsed.append((number, names, values))
    held = {
        (b.warehouse_id, b.item_id, b.batch_number): b
        for b in Balance.objects.filter(
            warehouse__in={v["warehouse"].pk for _n, _h, v in parsed},
            item__in={v["item"].pk for _n, _h, v in parsed},
        )
    }
    counts, seen = [], {}
    for number, names, v in parsed:
        warehouse, item, batch = v["warehouse"], v["item"], v["batch_number"]
        key = (warehouse.pk, item.pk, batch)
        if key in seen:
            where = ", ".join(names[c] for c in ("warehouse", "item", "batch_number"))
            errors.append((number, where, _("The same key as row %(row)s.") % {"row": seen[key]}))
            continue
        seen[key] = number
        balance = held.get(key)
        if balance and balance.expires_on and v["expires_on"] and balance.expires_on != v["expires_on"]:
            message = _("Batch %(batch)s of %(item)s expires on %(date)s, not %(other)s.")
            details = {"batch": batch or "—", "item": item.name, "date": balance.expires_on}
            errors.append((number, names["expires_on"], message % {**details, "other": v["expires_on"]}))
            continue
        batches = sorted(
            b.batch_number for (w, i, _b), b in held.items() if (w, i) == key[:2] and b.quantity > 0
        )
        if not batch and batches and "" not in batches:
            message = _("%(warehouse)s holds %(item)s in batches (%(batches)s): name the batch counted.")
            details = {"warehouse": warehouse.name, "item": item.name, "batches": ", ".join(batches)}
            errors.append((number, names["batch_number"], message % details))
            continue
        counts.append(Count(number, warehouse, item, batch, v["expires_on"], v["counted"], v["note"]))
    return counts, errors


@transaction.atomic
def apply_counts(user, counts: list[Count], *, source: str) -> list[Movement]:
    """Stock-taking for many batches at once (an imported count, `source` naming the file): each batch's
    balance becomes the counted quantity through `adjust`, so the difference is the movement and a count that
    agrees writes nothing. All or nothing; a refusal carries the `row` it concerns."""
    for count in counts:
        _may_write(user, count.warehouse)
    stores, items = {c.warehouse.pk for c in counts}, {c.item.pk for c in counts}
    held = set(
        Balance.objects.filter(warehouse__in=stores, item__in=items).values_list(
            "warehouse", "item", "batch_number"
        )
    )
    # A zero count of a batch never held writes nothing; the others' rows exist, then are locked in one
    # primary-key-ordered query (the order every writer locks in), so concurrent writers queue, not deadlock.
    counts = sorted(
        (c for c in counts if c.counted or (c.warehouse.pk, c.item.pk, c.batch_number) in held),
        key=lambda c: (c.item.pk, c.warehouse.pk, c.batch_number),
    )
    for count in counts:
        _ensure(count.warehouse, count.item, count.batch_number, count.expires_on)
    list(Balance.objects.select_for_update().filter(warehouse__in=stores, item__in=items).order_by("pk"))
    reason = _("Stock count import %(file)s") % {"file": source}
    movements = []
    for count in sorted(counts, key=lambda c: c.row):
        try:
            entry = adjust(
                user, count.warehouse, count.item, count.counted,
                reason=f"{reason}: {count.note}" if count.note else reason,
                batch_number=count.batch_number, expires_on=count.expires_on,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            exc.row = count.row
            raise
        movements.extend(entry.movements)
    return movements


# Reading -----------------------------------------------------------------------------------------------


def balance_of(warehouse: Warehouse, item: Item) -> Decimal:
    """The stock of an item in a warehouse, all batches: a sum over its (few) balance rows."""
    return exact(
        Balance.objects.filter(warehouse=warehouse, item=item).aggregate(total=Sum("quantity"))["total"]
    )


def ledger_sum(warehouse: Warehouse, item: Item, batch_number: str | None = None) -> Decimal:
    """The same from the movements themselves: what the balance must always equal."""
    movements = Movement.objects.filter(warehouse=warehouse, item=item)
    if batch_number is not None:
        movements = movements.filter(batch_number=batch_number)
    return exact(movements.aggregate(total=Sum("quantity"))["total"])


def find_item(value) -> Item | None:
    """An item by id or by catalogue code."""
    if value in (None, ""):
        return None
    value = str(value).strip()
    found = Item.objects.filter(code=value).first()
    if found is None and value.isdigit():
        found = Item.objects.filter(pk=int(value)).first()
    return found


def census(division) -> dict:
    """Warehouses and stock in a division and below (摸清家底), for the census page (resources/census.py): row
    label -> number, or -> {sub-label: number}. Stock per GB/T 38565 class adds quantities of several units;
    the per-item rows carry their unit."""
    warehouses = Warehouse.objects.filter(division__path__startswith=division.path)
    stock = Balance.objects.filter(warehouse__division__path__startswith=division.path, quantity__gt=0)
    per_class = dict(
        stock.values("item__material_class__code")
        .annotate(quantity=Sum("quantity"))
        .order_by()
        .values_list("item__material_class__code", "quantity")
    )
    per_item = (
        stock.values("item__code", "item__name", "item__unit")
        .annotate(quantity=Sum("quantity"))
        .order_by("item__material_class__code", "item__code")
    )
    capacity = dict(
        warehouses.values("capacity_unit")
        .annotate(total=Sum("capacity"))
        .order_by()
        .values_list("capacity_unit", "total")
    )
    return {
        _("Warehouses"): warehouses.count(),
        _("Storage area (m²)"): capacity.get(Warehouse.CapacityUnit.SQUARE_METRES) or 0,
        _("Storage volume (m³)"): capacity.get(Warehouse.CapacityUnit.CUBIC_METRES) or 0,
        _("Stock by GB/T 38565 class"): {
            str(c): tidy(exact(per_class.get(c.code))) for c in MaterialClass.objects.order_by("code")
        },
        _("Stock by item"): {
            f"{row['item__name']} ({row['item__unit']})": tidy(exact(row["quantity"])) for row in per_item
        },
    }


def nearest_queryset(user, filters: dict) -> QuerySet:
    """Warehouses with coordinates within the user's reach; with `item` (id or code), those holding some of it,
    annotated with the quantity."""
    warehouses = scoped(
        Warehouse.objects.filter(latitude__isnull=False, longitude__isnull=False).select_related("owner"),
        user,
    )
    if not filters.get("item"):
        return warehouses
    item = find_item(filters["item"])
    if item is None:
        raise ValidationError(
            {"item": _("No item with id or code %(value)s.") % {"value": str(filters["item"])[:40]}}
        )
    # The sum runs over the join the filter made: only this item's batches holding stock.
    return warehouses.filter(balances__item=item, balances__quantity__gt=0).annotate(
        quantity=Sum("balances__quantity"), item_name=Value(item.name), item_unit=Value(item.unit)
    )


def nearest_describe(warehouse: Warehouse) -> dict:
    quantity = getattr(warehouse, "quantity", None)
    return {
        "id": warehouse.pk,
        "name": warehouse.name,
        "kind": warehouse.get_kind_display(),
        "owner": warehouse.owner.name,
        "address": warehouse.address,
        "quantity": None if quantity is None else _fmt(exact(quantity)),
        "detail": ""
        if quantity is None
        else f"{warehouse.item_name} {_fmt(exact(quantity))} {warehouse.item_unit}",
        "url": warehouse.get_absolute_url(),
    }
