"""Points on the map and the exact k nearest of them, without PostGIS.

A `Located` record stores its latitude and longitude and a grid `cell`: the index of the 0.01° × 0.01° square it
lies in, numbered row by row (row = floor((lat + 90) / 0.01), cell = row × 36000 + column). One row of the grid is
one contiguous range of cell numbers, so the cells under a latitude/longitude box are one range condition per row
on an index that ends with `cell` (e.g. (kind, readiness, cell)); both SQLite and PostgreSQL answer each with an
index range scan, and drop the rows outside the box before they reach Python.

`nearest()` reads a box centred on the point (±0.015° first) until the k-th nearest point found lies no farther
than the nearest point *outside* the box can lie (a lower bound from the box's edges: a difference in latitude is
at least that arc of a meridian, a difference in longitude at least the distance to the edge's great circle). So
it never misses a closer point outside: the answer equals a brute-force scan. The next box is the smallest whose
edges lie beyond the k-th distance found so far (the true k-th is no farther), or, with fewer than k found, one
sized by the density seen. A box that holds many more candidates than k (a dense town) is first shrunk, reading
only a few rows to learn that, so a search carries about 8k rows to Python, not thousands. Past ±`MAX_HALF`° it
scans the whole (filtered) queryset instead, which is also exact.

Only `pk`, latitude and longitude travel from the database until the winners are known; then the k records are
read by primary key.

Distances are great-circle distances (haversine on a sphere of the mean Earth radius). The `Distance` interface
leaves room for road distance or travel time: any measure that is never less than `lower_bound(great-circle km)`
keeps the search exact (a road is never shorter than the great circle; a drive takes at least the great-circle
distance divided by the highest speed).

`bulk_create()` and `QuerySet.update()` bypass `save()`: call `fill_cells(objs)` before a bulk_create, and
`refresh_cells(queryset)` after updating coordinates in bulk (or run `yingji resources_reindex`).
"""

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.db.models import BooleanField, Expression, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from yingji.core.models import latitude_field, longitude_field

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
GRID = 0.01  # degrees per cell side
ROWS = 18000  # 180 / GRID
COLS = 36000  # 360 / GRID
FIRST_HALF = 1.5 * GRID  # the first box: ±0.015° (about ±1.7 km), three cells a side
MAX_HALF = 1.28  # beyond ±1.28° the whole queryset is scanned instead
MAX_SHRINKS = 8
_PAD = 2e-6  # degrees: more than the rounding of a box edge to the 6 stored decimals
_EPS_KM = 1e-6  # guards the bound against floating-point rounding at a cell's edge


def _coordinate(value) -> float:
    # The database keeps 6 decimals; compute the cell from the value as stored.
    return round(float(value), 6)


def cell_row_col(lat: float, lon: float) -> tuple[int, int]:
    row = min(max(int(math.floor((lat + 90.0) / GRID)), 0), ROWS - 1)
    col = min(max(int(math.floor((lon + 180.0) / GRID)), 0), COLS - 1)
    return row, col


def cell_of(lat, lon) -> int | None:
    if lat is None or lon is None:
        return None
    row, col = cell_row_col(_coordinate(lat), _coordinate(lon))
    return row * COLS + col


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class Distance(Protocol):
    """How far a point is from the origin, for ranking. Implementations must never return less than
    `lower_bound(great_circle_km)` for a point that lies great_circle_km away: that keeps `nearest()` exact."""

    unit: str

    def measure(self, lat: float, lon: float, points: Sequence[tuple[float, float]]) -> list[float]: ...

    def lower_bound(self, great_circle_km: float) -> float: ...


class GreatCircle:
    """Straight-line (great-circle) distance in km: the only measure for now."""

    unit = "km"

    def measure(self, lat, lon, points):
        return [haversine_km(lat, lon, a, b) for a, b in points]

    def lower_bound(self, great_circle_km):
        return great_circle_km


GREAT_CIRCLE = GreatCircle()


class Located(models.Model):
    """A record with a position. `cell` is derived from latitude and longitude in save() (see the module doc).

    Subclasses add `models.Index(fields=[<equality filters>..., "cell"])` for the filters they search by.
    """

    latitude = latitude_field()
    longitude = longitude_field()
    cell = models.BigIntegerField(_("grid cell"), null=True, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def set_cell(self) -> None:
        self.cell = cell_of(self.latitude, self.longitude)

    def save(self, *args, **kwargs):
        self.set_cell()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"latitude", "longitude"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "cell"}
        super().save(*args, **kwargs)

    @property
    def position(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return float(self.latitude), float(self.longitude)


def fill_cells(objs: Iterable[Located]) -> list[Located]:
    """Set the cell of records about to be bulk-created (bulk_create does not call save())."""
    objs = list(objs)
    for obj in objs:
        obj.set_cell()
    return objs


def refresh_cells(queryset: QuerySet, batch_size: int = 2000) -> int:
    """Recompute the cell of every record in `queryset` whose cell is stale; returns how many changed."""
    changed = []
    for pk, lat, lon, cell in queryset.values_list("pk", "latitude", "longitude", "cell").iterator():
        right = cell_of(lat, lon)
        if right != cell:
            changed.append(queryset.model(pk=pk, cell=right))
    queryset.model._default_manager.bulk_update(changed, ["cell"], batch_size=batch_size)
    return len(changed)


class _CellRanges(Expression):
    """`cell BETWEEN a AND b OR …` written as one SQL fragment. A tall box has dozens of ranges; as Q objects
    Django built each in about 30 µs, and the `cell IS NOT NULL` each added made PostgreSQL plan longer."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, ranges: list[tuple[int, int]], cell=None):
        super().__init__()
        self.ranges, self.cell = ranges, cell if cell is not None else F("cell")

    def get_source_expressions(self):
        return [self.cell]

    def set_source_expressions(self, exprs):
        (self.cell,) = exprs

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.cell)
        sql = " OR ".join([f"{column} BETWEEN %s AND %s"] * len(self.ranges))
        return f"({sql})", [*params, *(bound for pair in self.ranges for bound in pair)]


@dataclass(frozen=True)
class _Box:
    """The latitude/longitude box read around the point: `half` degrees of latitude each way, and the longitude
    that spans the same distance, cut at the poles and at ±180°."""

    lat: float
    lon: float
    half: float

    @property
    def edges(self) -> tuple[float, float, float, float]:
        cos = math.cos(math.radians(self.lat))
        half_lon = self.half / cos if cos > 1e-9 else 360.0
        return (
            max(self.lat - self.half, -90.0),
            min(self.lat + self.half, 90.0),
            max(self.lon - half_lon, -180.0),
            min(self.lon + half_lon, 180.0),
        )

    def bound_km(self) -> float:
        """No point outside the box lies closer than this (km): inf when the box is the whole globe."""
        lat_lo, lat_hi, lon_lo, lon_hi = self.edges
        bounds = []
        if lat_lo > -90.0:
            bounds.append(math.radians(self.lat - lat_lo) * EARTH_RADIUS_KM)
        if lat_hi < 90.0:
            bounds.append(math.radians(lat_hi - self.lat) * EARTH_RADIUS_KM)
        if lon_lo > -180.0 or lon_hi < 180.0:
            # Beyond a longitude edge (±180° included: the date line), the path crosses that meridian: at least
            # the distance to its great circle.
            dlon = min(max(min(self.lon - lon_lo, lon_hi - self.lon), 0.0), 90.0)
            x = math.cos(math.radians(self.lat)) * math.sin(math.radians(dlon))
            bounds.append(math.asin(min(1.0, x)) * EARTH_RADIUS_KM)
        return max(0.0, min(bounds) - _EPS_KM) if bounds else math.inf

    def condition(self) -> Q:
        """The cells the box overlaps, one index range per row of cells, and the box itself, widened by more
        than the stored coordinates' rounding (6 decimals) so that the database never reads less than the box."""
        lat_lo, lat_hi, lon_lo, lon_hi = (
            edge + pad for edge, pad in zip(self.edges, (-_PAD, _PAD, -_PAD, _PAD), strict=True)
        )
        row_lo, col_lo = cell_row_col(lat_lo, lon_lo)
        row_hi, col_hi = cell_row_col(lat_hi, lon_hi)
        cells = _CellRanges([(y * COLS + col_lo, y * COLS + col_hi) for y in range(row_lo, row_hi + 1)])
        return Q(cells, latitude__range=(lat_lo, lat_hi), longitude__range=(lon_lo, lon_hi))

    def around(self, km: float, distance: "Distance") -> "_Box":
        """The smallest box (within 5 %) whose bound reaches `km`, a k-th distance found: the true k-th lies
        inside it. Near the date line no box of the search's size does; it then ends in the whole scan."""
        half = self.half
        if distance is GREAT_CIRCLE:
            half = max(half, math.degrees(km / EARTH_RADIUS_KM))
        while distance.lower_bound(_Box(self.lat, self.lon, half).bound_km()) < km and half <= MAX_HALF:
            half *= 1.05
        return _Box(self.lat, self.lon, half)


def _winners(rows, lat, lon, k, distance: Distance, max_km):
    points = list(rows)  # (pk, lat, lon) as floats: see _points
    if max_km is not None and distance is not GREAT_CIRCLE:
        points = [p for p in points if haversine_km(lat, lon, p[1], p[2]) <= max_km]
    values = distance.measure(lat, lon, [(a, b) for _, a, b in points])
    scored = zip(values, (p[0] for p in points), strict=True)
    if max_km is not None and distance is GREAT_CIRCLE:
        scored = ((v, pk) for v, pk in scored if v <= max_km)
    return heapq.nsmallest(k, scored)


def _points(queryset: QuerySet) -> QuerySet:
    """(pk, latitude, longitude) as floats from the database: converting thousands of candidates through
    Decimal costs more than the search itself."""
    return queryset.annotate(
        _lat=Cast("latitude", FloatField()), _lon=Cast("longitude", FloatField())
    ).values_list("pk", "_lat", "_lon")


def nearest_ids(
    queryset: QuerySet,
    lat: float,
    lon: float,
    k: int,
    max_km: float | None = None,
    distance: Distance = GREAT_CIRCLE,
) -> list[tuple[float, object]]:
    """[(distance, pk)] of the k records of `queryset` nearest to (lat, lon), nearest first (ties by pk)."""
    if k <= 0:
        return []
    lat, lon = float(lat), float(lon)
    base = queryset.order_by()  # a box's cell ranges leave out records without a cell
    box = _Box(lat, lon, FIRST_HALF)
    # While a box holds more than `limit` candidates, read only that many and shrink it: in a dense town a
    # fixed first box would carry thousands of rows to Python. The first box read in full is the one searched.
    limit, shrinks = max(64, 8 * k), 0
    while True:
        rows = list(_points(base.filter(box.condition()))[: limit + 1]) if shrinks < MAX_SHRINKS else None
        if rows is None or len(rows) <= limit:
            break
        shrinks += 1
        box = _Box(lat, lon, box.half * min(0.5, math.sqrt(4 * k / limit)))
    while box.half <= MAX_HALF:
        if rows is None:
            rows = _points(base.filter(box.condition()))
        best = _winners(rows, lat, lon, k, distance, max_km)
        covered_km = box.bound_km()
        if len(best) == k and best[-1][0] <= distance.lower_bound(covered_km):
            return best  # nothing outside the box can be nearer than the k-th found
        if (max_km is not None and covered_km >= max_km) or covered_km == math.inf:
            return best  # every candidate there is lies inside the box
        if len(best) == k:
            box = box.around(best[-1][0], distance)
        else:  # fewer than k so far: widen for about 4k at the density seen (area ∝ side²), at least twice
            wider = math.sqrt(4 * k / len(best)) if best else 6.0
            box = _Box(lat, lon, box.half * max(wider, 2.0))
        rows = None
    return _winners(_points(base.filter(cell__isnull=False)), lat, lon, k, distance, max_km)


def nearest(
    queryset: QuerySet,
    lat: float,
    lon: float,
    k: int,
    max_km: float | None = None,
    distance: Distance = GREAT_CIRCLE,
) -> list[tuple[models.Model, float]]:
    """The k records of `queryset` nearest to (lat, lon), exactly, as [(record, distance)], nearest first.

    Records without coordinates are left out. With `max_km`, only records within that great-circle distance.
    """
    best = nearest_ids(queryset, lat, lon, k, max_km=max_km, distance=distance)
    if not best:
        return []
    objects = queryset.in_bulk([pk for _, pk in best])
    return [(objects[pk], value) for value, pk in best if pk in objects]
