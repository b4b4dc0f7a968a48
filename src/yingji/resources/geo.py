"""Points on the map and the exact k nearest of them, without PostGIS.

A `Located` record stores its latitude and longitude and a grid `cell`: the index of the 0.01° × 0.01° square it
lies in, numbered row by row (row = floor((lat + 90) / 0.01), cell = row × 36000 + column). One row of the grid is
one contiguous range of cell numbers, so a square of (2r + 1) × (2r + 1) cells is (2r + 1) range conditions on an
index that ends with `cell` (e.g. (kind, readiness, cell)); both SQLite and PostgreSQL answer each with an index
range scan.

`nearest()` reads the square of (2r + 1)² cells around the point, r = 1 first, until the k-th nearest point found
lies no farther than the nearest point *outside* the square can lie (a lower bound from the square's edges: a
difference in latitude is at least that arc of a meridian, a difference in longitude at least the distance to the
edge's great circle). So it never misses a closer point in a ring not yet read: the answer equals a brute-force
scan. The next square is the smallest whose edges lie beyond the k-th distance found so far (the true k-th is no
farther), or, with fewer than k found, one sized by the density seen. Past `MAX_RING` cells it scans the whole
(filtered) queryset instead, which is also exact.

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
from typing import Protocol

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yingji.core.models import latitude_field, longitude_field

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
GRID = 0.01  # degrees per cell side
ROWS = 18000  # 180 / GRID
COLS = 36000  # 360 / GRID
MAX_RING = 128  # beyond ±1.28° the whole queryset is scanned instead
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


def _side_km(lat: float, lon: float, row_lo: int, row_hi: int, col_lo: int, col_hi: int) -> float:
    """No point outside the rows row_lo..row_hi × columns col_lo..col_hi lies closer than this (km)."""
    bounds = []
    lat_lo, lat_hi = row_lo * GRID - 90.0, (row_hi + 1) * GRID - 90.0
    if row_lo > 0:
        bounds.append(math.radians(lat - lat_lo) * EARTH_RADIUS_KM)
    if row_hi < ROWS - 1:
        bounds.append(math.radians(lat_hi - lat) * EARTH_RADIUS_KM)
    if col_lo > 0 or col_hi < COLS - 1:
        # Beyond a column edge, the path crosses that meridian: at least the distance to its great circle.
        lon_lo, lon_hi = col_lo * GRID - 180.0, (col_hi + 1) * GRID - 180.0
        dlon = min(lon - lon_lo, lon_hi - lon)
        dlon = min(max(dlon, 0.0), 90.0)
        x = math.cos(math.radians(lat)) * math.sin(math.radians(dlon))
        bounds.append(math.asin(min(1.0, x)) * EARTH_RADIUS_KM)
    return max(0.0, min(bounds) - _EPS_KM) if bounds else math.inf


def _edges(row: int, col: int, r: int) -> tuple[int, int, int, int]:
    """First and last row and column of the square of half-side r cells around (row, col)."""
    return max(row - r, 0), min(row + r, ROWS - 1), max(col - r, 0), min(col + r, COLS - 1)


def _square(row: int, col: int, r: int) -> tuple[Q, tuple[int, int, int, int]]:
    row_lo, row_hi, col_lo, col_hi = _edges(row, col, r)
    condition = Q()
    for y in range(row_lo, row_hi + 1):
        condition |= Q(cell__range=(y * COLS + col_lo, y * COLS + col_hi))
    return condition, (row_lo, row_hi, col_lo, col_hi)


def _next_ring(row, col, r, lat, lon, kth, distance: Distance, k: int, found: int) -> int:
    """The next square to read: with k found, the smallest one whose edges lie beyond the k-th (the true k-th
    nearest is no farther, so it lies inside); else one wide enough for about twice k at the density seen."""
    if kth is None:
        # Fewer than k so far: widen by the density seen (area ∝ side²), at least twice, with a margin.
        side = 2 * r + 1
        wider = math.ceil((side * math.sqrt(2 * k / found) - 1) / 2) if found else r * 4
        return min(max(wider, r * 2), MAX_RING + 1)
    for wider in range(r + 1, MAX_RING + 1):
        if distance.lower_bound(_side_km(lat, lon, *_edges(row, col, wider))) >= kth:
            return wider
    return MAX_RING + 1


def _winners(rows, lat, lon, k, distance: Distance, max_km):
    points = [(pk, float(a), float(b)) for pk, a, b in rows]
    if max_km is not None and distance is not GREAT_CIRCLE:
        points = [p for p in points if haversine_km(lat, lon, p[1], p[2]) <= max_km]
    values = distance.measure(lat, lon, [(a, b) for _, a, b in points])
    scored = zip(values, (p[0] for p in points), strict=True)
    if max_km is not None and distance is GREAT_CIRCLE:
        scored = ((v, pk) for v, pk in scored if v <= max_km)
    return heapq.nsmallest(k, scored)


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
    base = queryset.filter(cell__isnull=False).order_by()
    row, col = cell_row_col(lat, lon)
    r = 1
    while r <= MAX_RING:
        condition, edges = _square(row, col, r)
        rows = base.filter(condition).values_list("pk", "latitude", "longitude")
        best = _winners(rows, lat, lon, k, distance, max_km)
        covered_km = _side_km(lat, lon, *edges)
        if len(best) == k and best[-1][0] <= distance.lower_bound(covered_km):
            return best  # nothing outside the square can be nearer than the k-th found
        if (max_km is not None and covered_km >= max_km) or covered_km == math.inf:
            return best  # every candidate there is lies inside the square
        r = _next_ring(row, col, r, lat, lon, best[-1][0] if len(best) == k else None, distance, k, len(best))
    return _winners(base.values_list("pk", "latitude", "longitude"), lat, lon, k, distance, max_km)


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
