"""Nearest resources among 1,000,000 points (docs/resources.md, docs/performance.md), on SQLite and PostgreSQL.

For each database it makes its own (a SQLite file in a temporary directory; a fresh PostgreSQL database
`yingji_bench_nearest_<random>`, dropped at the end), runs `yingji migrate`, and then, in a child process with
Django on it, loads the demo city (organisations and users only) and:

1. **generates** `BENCH_NEAREST_POINTS` teams (default 1,000,000) with a fixed seed: 70 % scattered around the
   seats of the demo city's counties and towns (normal, σ 0.06°), 30 % uniform over the city's box
   (23.3–25.0 N, 115.3–117.0 E); kinds weighted like a real library (flood rescue 15 %, volunteer 20 %, mine
   rescue 0.5 % ...), 80 % ready. Rows go in with one multi-row INSERT per 500 (SQLite) or COPY
   (PostgreSQL), each with its grid cell computed by `geo.cell_of`, as `fill_cells` does for bulk_create;
   then ANALYZE;
2. **in-process**: `nearest.find()` as `city_office` (scoping included), k=10, from `QUERIES` random points in
   the city's box (a quarter of them on its edges), for: ready flood-rescue teams (the common case), ready mine
   rescue teams (rare: about 4,000 in the city), and ready teams of any kind. p50 / p99 / max of the timed runs
   after warm-up. Goal: p50 and p99 < 10 ms;
3. **API**: `GET /api/v1/nearest/?lat=&lon=&kind=team&team_kind=flood_rescue&k=10` with a token, through the
   whole Django stack (middleware, DRF, JSON) in-process with the test client. Goal: < 50 ms;
4. **brute force**: the same searches by reading every candidate (pk, latitude, longitude) and measuring each,
   `BRUTE` runs; every one of those answers must equal the grid search's (checked, reported).

`BENCH_NEAREST_DB=sqlite` (or `postgresql`) runs one database only. `.venv/bin/python bench/bench_nearest.py`
runs alone (no server needed); `bench/run.py nearest` runs it beside the others.
"""

import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
N = int(os.environ.get("BENCH_NEAREST_POINTS", "1000000"))
ONLY = os.environ.get("BENCH_NEAREST_DB", "")
QUERIES = int(os.environ.get("BENCH_NEAREST_QUERIES", "300"))
API_QUERIES = int(os.environ.get("BENCH_NEAREST_API_QUERIES", "150"))
BRUTE = int(os.environ.get("BENCH_NEAREST_BRUTE", "5"))
WARMUP = 20
K = 10
GOAL_MS, API_GOAL_MS = 10.0, 50.0
SEED = 20261129
SOUTH, NORTH, WEST, EAST = 23.3, 25.0, 115.3, 117.0
KIND_WEIGHTS = {
    "flood_rescue": 150, "volunteer": 200, "fire": 100, "medical": 100, "forest_fire": 80, "road_repair": 80,
    "power": 70, "communications": 50, "water_rescue": 50, "geological": 50, "epidemic": 40, "hazchem": 25,
    "mine_rescue": 5,
}  # fmt: skip
CASES = {
    "flood rescue, ready": {"team_kind": "flood_rescue"},
    "mine rescue, ready (rare)": {"team_kind": "mine_rescue"},
    "any kind, ready": {},
}


# ---- The parent: one database after the other --------------------------------------------------------------


def _env(base: dict, url: str, data_dir: str) -> dict:
    return {
        **base,
        "DATABASE_URL": url,
        "YINGJI_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }


def _child(env: dict) -> dict:
    from run import YINGJI, run_step

    run_step([*YINGJI, "migrate", "--noinput"], env, "yingji migrate")
    proc = subprocess.run(
        [sys.executable, __file__, "measure"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=BENCH_DIR.parent,
    )
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode != 0:
        raise RuntimeError(f"measuring failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(server=None) -> dict:
    from run import PG, pg_connect

    base = dict(server.env) if server is not None else dict(os.environ)
    measured = {}
    if ONLY in ("", "sqlite"):
        tmp = tempfile.mkdtemp(prefix="yingji-bench-nearest-")
        try:
            measured["sqlite"] = _child(_env(base, f"sqlite:///{tmp}/nearest.sqlite3", tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if ONLY in ("", "postgresql"):
        dbname = f"yingji_bench_nearest_{secrets.token_hex(4)}"
        tmp = tempfile.mkdtemp(prefix="yingji-bench-nearest-")
        admin = pg_connect()
        try:
            admin.execute(f'CREATE DATABASE "{dbname}"')
            url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"
            measured["postgresql"] = _child(_env(base, url, tmp))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            admin.close()
            shutil.rmtree(tmp, ignore_errors=True)
    return summarise(measured)


def summarise(measured: dict) -> dict:
    rows, notes = [], []
    for db, m in measured.items():
        notes.append(
            f"{db}: {m['points']:,} points generated in {m['generation_s']} s; "
            f"brute force agreed with the grid search on {m['checked']} of {m['checked']} searches"
            if m["mismatches"] == 0
            else f"{db}: {m['mismatches']} of {m['checked']} searches DIFFER from brute force"
        )
        for case, c in m["cases"].items():
            rows.append(
                {
                    "db": db,
                    "what": f"in-process: {case}",
                    "p50_ms": c["p50_ms"],
                    "p99_ms": c["p99_ms"],
                    "max_ms": c["max_ms"],
                    "queries": c["queries"],
                    "candidates": c["candidates"],
                    "squares": c["squares"],
                    "brute_p50_ms": c["brute_p50_ms"],
                    "goal": "met" if c["p50_ms"] < GOAL_MS and c["p99_ms"] < GOAL_MS else "NOT MET",
                }
            )
        a = m["api"]
        rows.append(
            {
                "db": db,
                "what": "API: flood rescue, ready",
                "p50_ms": a["p50_ms"],
                "p99_ms": a["p99_ms"],
                "max_ms": a["max_ms"],
                "queries": a["queries"],
                "candidates": "",
                "squares": "",
                "brute_p50_ms": "",
                "goal": "met" if a["p99_ms"] < API_GOAL_MS else "NOT MET",
            }
        )
    notes.append(
        f"k={K}; in-process goal p50 and p99 < {GOAL_MS:g} ms ({QUERIES} timed searches per case after "
        f"{WARMUP} warm-up); API goal < {API_GOAL_MS:g} ms ({API_QUERIES} requests, p99 judged); brute force: "
        f"{BRUTE} runs per case; candidates = median rows read in the last square; squares = median squares read"
    )
    return {"measured": measured, "rows": rows, "notes": notes}


# ---- In the child process: Django set up on the benchmark database -----------------------------------------


def _pct(values: list[float], pct: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, max(0, round(pct / 100 * len(values)) - 1))], 2)


def generate(n: int) -> dict:
    import datetime
    import random
    import uuid

    from django.db import connection, transaction

    from yingji.core.models import Division, DivisionLevel, Organisation
    from yingji.resources.geo import cell_of

    r = random.Random(SEED)
    owner = Organisation.objects.get(name="梅州市应急管理局")
    seats = [
        (float(d.latitude), float(d.longitude), d.pk)
        for d in Division.objects.filter(
            level__in=[DivisionLevel.COUNTY, DivisionLevel.TOWN], latitude__isnull=False
        )
    ]
    city = Division.objects.get(code="441400").pk
    kinds = [k for k, w in KIND_WEIGHTS.items() for _ in range(w)]
    now = datetime.datetime.now(datetime.UTC).isoformat()
    started = time.monotonic()

    def rows():
        for i in range(n):
            if r.random() < 0.7:
                lat0, lon0, division = r.choice(seats)
                lat, lon = r.gauss(lat0, 0.06), r.gauss(lon0, 0.06)
            else:
                lat, lon, division = r.uniform(SOUTH, NORTH), r.uniform(WEST, EAST), city
            lat, lon = round(lat, 6), round(lon, 6)
            readiness = "ready" if r.random() < 0.8 else r.choice(["deployed", "resting"])
            # Increasing UUIDs (time-ordered, as uuid7 would be): a bulk load, not a million random inserts.
            key = uuid.UUID(int=(i << 64) | r.getrandbits(64))
            yield (
                str(key) if connection.vendor == "postgresql" else key.hex,
                now, now, owner.pk, f"B{i:07d}", r.choice(kinds), "professional", 20, division, "", "",
                readiness, "", f"{lat:.6f}", f"{lon:.6f}", cell_of(lat, lon),
            )  # fmt: skip

    columns = (
        "uuid, created_at, updated_at, owner_id, name, kind, team_class, headcount, division_id, address,"
        " duty_phone, readiness, notes, latitude, longitude, cell"
    )
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY resources_team ({columns}) FROM STDIN") as copy,
        ):
            for row in rows():
                copy.write_row(row)
        connection.connection.commit() if not connection.connection.autocommit else None
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE resources_team")
    else:
        batch = []
        with connection.cursor() as cursor:
            # Secondary indexes are rebuilt after the load, as one does a bulk load (unique ones stay).
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'resources_team'"
                " AND sql IS NOT NULL"
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        with transaction.atomic(), connection.cursor() as cursor:
            placeholders = "(" + ", ".join(["%s"] * 16) + ")"
            for row in rows():
                batch.append(row)
                if len(batch) >= 500:  # SQLite allows 32,766 parameters per statement
                    cursor.execute(
                        f"INSERT INTO resources_team ({columns}) VALUES "
                        + ", ".join([placeholders] * len(batch)),
                        [v for b in batch for v in b],
                    )
                    batch = []
            if batch:
                cursor.execute(
                    f"INSERT INTO resources_team ({columns}) VALUES "
                    + ", ".join([placeholders] * len(batch)),
                    [v for b in batch for v in b],
                )
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"points": n, "generation_s": round(time.monotonic() - started, 1)}


def query_points(count: int) -> list[tuple[float, float]]:
    import random

    r = random.Random(SEED + 1)
    points = []
    for i in range(count):
        if i % 4 == 0:  # on the edge of the box
            side = r.randrange(4)
            lat = (SOUTH, NORTH)[side % 2] if side < 2 else r.uniform(SOUTH, NORTH)
            lon = r.uniform(WEST, EAST) if side < 2 else (WEST, EAST)[side % 2]
        else:
            lat, lon = r.uniform(SOUTH, NORTH), r.uniform(WEST, EAST)
        points.append((round(lat, 6), round(lon, 6)))
    return points


def brute_force(user, filters: dict, lat: float, lon: float) -> list:
    import heapq

    from yingji.resources.geo import haversine_km
    from yingji.resources.sources import teams

    rows = teams(user, filters).filter(cell__isnull=False).values_list("pk", "latitude", "longitude")
    return heapq.nsmallest(K, ((haversine_km(lat, lon, float(a), float(b)), pk) for pk, a, b in rows))


def measure() -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from yingji.core.demo.loader import load_demo
    from yingji.core.models import User
    from yingji.resources import geo, nearest
    from yingji.resources.sources import teams

    load_demo()
    data = generate(N)
    user = User.objects.get(username="city_office")
    points = query_points(QUERIES + WARMUP)
    result = {**data, "cases": {}, "checked": 0, "mismatches": 0, "vendor": connection.vendor}
    for case, filters in CASES.items():
        for lat, lon in points[:WARMUP]:
            nearest.find(user, "team", lat, lon, K, filters)
        times, candidates = [], []
        for lat, lon in points[WARMUP:]:
            started = time.perf_counter()
            nearest.find(user, "team", lat, lon, K, filters)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            nearest.find(user, "team", *points[WARMUP], K, filters)
        # Rows read by the grid search (the last square) and squares read, for a sample of the points.
        squares = []
        for lat, lon in points[WARMUP : WARMUP + 50]:
            rows_read, n = _candidates(teams(user, filters), lat, lon)
            candidates.append(rows_read)
            squares.append(n)
        brute_times = []
        for lat, lon in points[WARMUP : WARMUP + BRUTE]:
            started = time.perf_counter()
            expected = brute_force(user, filters, lat, lon)
            brute_times.append((time.perf_counter() - started) * 1000)
            found = geo.nearest_ids(teams(user, filters), lat, lon, K)
            result["checked"] += 1
            result["mismatches"] += [pk for _, pk in found] != [pk for _, pk in expected]
        result["cases"][case] = {
            "p50_ms": _pct(times, 50),
            "p99_ms": _pct(times, 99),
            "max_ms": round(max(times), 2),
            "mean_ms": round(statistics.mean(times), 2),
            "queries": len(captured.captured_queries),
            "candidates": int(statistics.median(candidates)),
            "squares": statistics.median(squares),
            "brute_p50_ms": round(statistics.median(brute_times), 1),
            "sql": [q["sql"][:300] for q in captured.captured_queries],
        }
        print(
            f"  {connection.vendor} {case}: {result['cases'][case]['p50_ms']} ms p50",
            file=sys.stderr,
            flush=True,
        )
    token, _ = Token.objects.get_or_create(user=user)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
    api_times = []
    urls = [
        f"/api/v1/nearest/?lat={lat}&lon={lon}&kind=team&team_kind=flood_rescue&k={K}"
        for lat, lon in points[: API_QUERIES + WARMUP]
    ]
    for i, url in enumerate(urls):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        if i >= WARMUP:
            api_times.append(elapsed)
    counter = _Count()
    with connection.execute_wrapper(counter):
        client.get(urls[0])
    result["api"] = {
        "p50_ms": _pct(api_times, 50),
        "p99_ms": _pct(api_times, 99),
        "max_ms": round(max(api_times), 2),
        "queries": counter.n,
    }
    return result


def _candidates(queryset, lat, lon) -> tuple[int, int]:
    """Rows the grid search read in its last (widest) square, and how many squares it read."""
    from yingji.resources import geo

    seen, original = [], geo._winners

    def counting(rows, *args):
        rows = list(rows)
        seen.append(len(rows))
        return original(rows, *args)

    geo._winners = counting
    try:
        geo.nearest_ids(queryset, lat, lon, K)
    finally:
        geo._winners = original
    return seen[-1], len(seen)


class _Count:
    """Counts the SQL queries run through Django (CaptureQueriesContext is reset by each test-client request)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def main() -> int:
    sys.path.insert(0, str(BENCH_DIR))
    if sys.argv[1:] == ["measure"]:
        print(json.dumps(measure(), ensure_ascii=False))
        return 0
    # Alone, without bench/run.py's server: the same figures and file.
    import datetime

    from run import RESULTS, print_summary

    started = time.monotonic()
    result = run(None)
    record = {
        "benchmark": "nearest",
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):
        (RESULTS / "nearest.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print_summary("nearest", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
