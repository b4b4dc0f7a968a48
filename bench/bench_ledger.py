"""The stock ledger with 10,000,000 movements: the balance of one item in one warehouse.

Runs on a database of its own: migrate and demo as for the server, then the movements are generated in
PostgreSQL itself (INSERT ... SELECT over generate_series; the movement table's secondary indexes are dropped
during the load and rebuilt after it, as a bulk load is done), with the balance rows that sum them, then
VACUUM (ANALYZE). In a child process with Django on that database it times, for one warehouse and item:

- `balance row`: reading one Balance row (warehouse, item, batch) by its unique index;
- `balance_of`: `materials.services.balance_of()`, the sum over the item's balance rows in the warehouse (what
  the pages and the API show);
- `SUM(movements)`: `materials.services.ledger_sum()`, the same figure summed over the movements, with the
  ledger index (warehouse, item, batch_number) the app ships;
- `SUM(movements), covering index`: the same after adding an index that also carries the quantity (INCLUDE),
  so PostgreSQL answers from the index alone (an index-only scan);
- `issue`: recording an issue through `materials.services.issue()` (lock, check, insert, change log) with the
  10M-row table and its indexes.

WARMUP runs, then REPEAT timed runs: median and p95 (goal: the balance under 10 ms), EXPLAIN (ANALYZE, BUFFERS) of
each read. It checks that the balance equals the sum of the movements. The database is dropped at the end.

`BENCH_MOVEMENTS` sets the number of movements (default 10,000,000). Alone, without the runner's server:
`.venv/bin/python bench/bench_ledger.py`.
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

N = int(os.environ.get("BENCH_MOVEMENTS", "10000000"))
BATCHES = 3  # generated batches per warehouse and item
GOAL_MS = 10.0
WARMUP, REPEAT = 20, 200
WAREHOUSE, ITEM = "梅县区防汛物资仓库", "2-LIFEJ"  # the measured balance: life jackets near 梅县区

# Per generated key (warehouse, item, batch), movements alternate: a receipt of r, then an issue of i < r, so the
# running balance never goes below zero and the balance after the s-th movement (s from 0) has a closed form.
MOVEMENTS = """
INSERT INTO materials_movement (
    uuid, created_at, updated_at, created_by_id, kind, warehouse_id, item_id, batch_number, expires_on, quantity,
    balance_after, at, by_id, reason, reference, incident_id, counterpart_id, entry)
SELECT gen_random_uuid(), at, at, %(user)s,
       CASE WHEN s %% 2 = 0 THEN 'receipt' ELSE 'issue' END,
       warehouse_id, item_id, batch, NULL,
       CASE WHEN s %% 2 = 0 THEN r ELSE -i END,
       r * (s / 2 + 1) - i * ((s + 1) / 2),
       at, %(user)s, CASE WHEN s %% 2 = 0 THEN '' ELSE '日常领用' END, '', NULL, NULL, gen_random_uuid()
FROM (
    SELECT n, k, n / %(keys)s AS s,
           (%(warehouses)s::bigint[])[1 + k / (%(items)s * %(batches)s)] AS warehouse_id,
           (%(item_ids)s::bigint[])[1 + (k / %(batches)s) %% %(items)s] AS item_id,
           'BENCH-' || (k %% %(batches)s + 1) AS batch,
           10 + k %% 7 AS r, 1 + k %% 5 AS i,
           now() - interval '3 years' + interval '3 years' * n / %(n)s AS at
    FROM (SELECT n, n %% %(keys)s AS k FROM generate_series(0, %(n)s - 1) AS n) AS numbered
) AS movement
"""

BALANCES = """
INSERT INTO materials_balance (warehouse_id, item_id, batch_number, expires_on, quantity, updated_at)
SELECT warehouse_id, item_id, batch_number, NULL, sum(quantity), now()
FROM materials_movement WHERE batch_number LIKE 'BENCH-%%'
GROUP BY warehouse_id, item_id, batch_number
"""


def _secondary_indexes(db) -> tuple[list[str], list[tuple[str, str]]]:
    """The movement table's indexes and unique constraints other than its primary key, as SQL to rebuild them."""
    indexes = [
        (name, sql)
        for name, sql in db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'materials_movement'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'materials_movement'::regclass)"
        ).fetchall()
    ]
    constraints = db.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'materials_movement'::regclass AND contype = 'u'"
    ).fetchall()
    return indexes, constraints


def generate(dbname: str) -> dict:
    from run import pg_connect

    with pg_connect(dbname) as db:
        warehouses = [r[0] for r in db.execute("SELECT id FROM materials_warehouse ORDER BY id").fetchall()]
        items = [r[0] for r in db.execute("SELECT id FROM materials_item ORDER BY id").fetchall()]
        user = db.execute("SELECT id FROM core_user WHERE username = 'city_admin'").fetchone()[0]
        params = {
            "n": N,
            "keys": len(warehouses) * len(items) * BATCHES,
            "warehouses": warehouses,
            "item_ids": items,
            "items": len(items),
            "batches": BATCHES,
            "user": user,
        }
        timings = {}
        db.execute("SET synchronous_commit = off")
        db.execute("SET work_mem = '256MB'")
        db.execute("SET maintenance_work_mem = '1GB'")
        db.execute(
            "SET session_replication_role = replica"
        )  # no foreign-key triggers: the rows are consistent
        indexes, constraints = _secondary_indexes(db)
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for name, _definition in constraints:
            db.execute(f'ALTER TABLE materials_movement DROP CONSTRAINT "{name}"')
        for name, sql in (("movements", MOVEMENTS), ("balances", BALANCES)):
            started = time.monotonic()
            db.execute(sql, params)
            timings[f"{name}_s"] = round(time.monotonic() - started, 1)
            print(f"  generated {name}: {timings[name + '_s']} s", flush=True)
        started = time.monotonic()
        for name, definition in constraints:
            db.execute(f'ALTER TABLE materials_movement ADD CONSTRAINT "{name}" {definition}')
        for _name, sql in indexes:
            db.execute(sql)
        timings["indexes_s"] = round(time.monotonic() - started, 1)
        print(f"  rebuilt {len(indexes) + len(constraints)} indexes: {timings['indexes_s']} s", flush=True)
        started = time.monotonic()
        db.execute("VACUUM (ANALYZE)")
        timings["vacuum_analyze_s"] = round(time.monotonic() - started, 1)
        counts = db.execute(
            "SELECT (SELECT count(*) FROM materials_movement), (SELECT count(*) FROM materials_balance),"
            " (SELECT count(*) FROM materials_warehouse), (SELECT count(*) FROM materials_item),"
            " pg_size_pretty(pg_total_relation_size('materials_movement')),"
            " pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    keys = ("movements", "balances", "warehouses", "items", "movement_table_size", "database_size")
    return {**dict(zip(keys, counts, strict=True)), **timings}


def run(server) -> dict:
    from run import PG, YINGJI, pg_connect, run_step

    dbname = f"yingji_bench_ledger_{secrets.token_hex(4)}"
    env = {
        **server.env,
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}",
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "YINGJI_PRODUCTION": "true",
        "DEBUG": "false",
    }
    admin = pg_connect()
    try:
        admin.execute(f'CREATE DATABASE "{dbname}"')
        run_step([*YINGJI, "migrate", "--noinput"], env, f"yingji migrate ({dbname})")
        run_step([*YINGJI, "demo"], env, "yingji demo")
        started = time.monotonic()
        data = generate(dbname)
        data["generation_s"] = round(time.monotonic() - started, 1)
        proc = subprocess.run(
            [sys.executable, __file__, "measure"], env=env, capture_output=True, text=True, timeout=1800
        )
        if proc.returncode != 0:
            raise RuntimeError(f"measuring failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
        measured = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()

    notes = [
        f"{data['movements']:,} movements ({data['warehouses']} warehouses × {data['items']} items × "
        f"{BATCHES} generated batches, plus the demo's), {data['balances']:,} balance rows; movement table "
        f"{data['movement_table_size']}, database {data['database_size']}; generated in {data['generation_s']} s",
        f"measured: {WAREHOUSE} / {ITEM}: {measured['movements_of_item']:,} movements of the item there; "
        f"balance {measured['balance']} = sum of movements {measured['ledger_sum']}: "
        f"{'equal' if measured['balance'] == measured['ledger_sum'] else 'NOT EQUAL'}"
        f"{'' if measured['equal_after_issues'] else '; NOT EQUAL after the timed issues'}",
        f"server time in-process: median and p95 of {REPEAT} runs after {WARMUP} warm-up runs; "
        f"goal: balance p95 < {GOAL_MS:g} ms",
    ]
    rows = []
    for name, m in measured["targets"].items():
        m["goal_met"] = m["p95_ms"] < GOAL_MS if m["goal"] else None
        verdict = "-" if m["goal_met"] is None else ("met" if m["goal_met"] else "NOT MET")
        rows.append(
            {
                "what": name,
                "first_ms": m["first_ms"],
                "median_ms": m["median_ms"],
                "p95_ms": m["p95_ms"],
                "goal": verdict,
            }  # fmt: skip
        )
    return {"data": data, "measured": measured, "targets": measured["targets"], "rows": rows, "notes": notes}


# ---- In the child process: Django set up on the ledger database ----


def _time(call, repeat: int = REPEAT) -> dict:
    started = time.perf_counter()
    call()
    first = (time.perf_counter() - started) * 1000
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "first_ms": round(first, 2),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 2),
        "max_ms": round(times[-1], 2),
    }


def _explain(call) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the query `call` makes (its SQL as Django sent it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    (query,) = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
        return [line for (line,) in cursor.fetchall()]


def measure() -> dict:
    import django

    django.setup()
    from django.db import connection

    from yingji.core.models import User
    from yingji.materials import services
    from yingji.materials.models import Balance, Item, Movement, Warehouse

    warehouse = Warehouse.objects.get(name=WAREHOUSE)
    item = Item.objects.get(code=ITEM)
    office = User.objects.get(username="city_admin")
    targets = {}
    one_row = Balance.objects.filter(warehouse=warehouse, item=item, batch_number="BENCH-1").order_by()
    sums = Movement.objects.filter(warehouse=warehouse, item=item)

    def read_row():
        return one_row.values_list("quantity", flat=True)[0]

    def balance_of():
        return services.balance_of(warehouse, item)

    def ledger_sum():
        return services.ledger_sum(warehouse, item)

    # The first run of each is the cold one (first_ms); the plans are taken after the timed runs.
    targets["balance row (one batch)"] = {**_time(read_row), "goal": True}
    targets["balance_of (all batches)"] = {**_time(balance_of), "goal": True}
    targets["SUM(movements), ledger index"] = {**_time(ledger_sum, repeat=50), "goal": False}
    plans = {"balance row": _explain(read_row), "balance_of": _explain(balance_of)}
    plans["SUM(movements)"] = _explain(ledger_sum)
    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(
            "CREATE INDEX bench_ledger_covering ON materials_movement (warehouse_id, item_id, batch_number)"
            " INCLUDE (quantity)"
        )
        cursor.execute("VACUUM (ANALYZE) materials_movement")
        covering_s = round(time.monotonic() - started, 1)
    targets["SUM(movements), covering index"] = {**_time(ledger_sum, repeat=50), "goal": False}
    plans["SUM(movements), covering index"] = _explain(ledger_sum)
    balance, ledger = services.balance_of(warehouse, item), services.ledger_sum(warehouse, item)
    targets["issue 1 (lock, check, insert, log)"] = {
        **_time(lambda: services.issue(office, warehouse, item, 1, reason="基准测试"), repeat=50),
        "goal": False,
    }
    after = services.balance_of(warehouse, item) == services.ledger_sum(warehouse, item)
    return {
        "targets": targets,
        "plans": plans,
        "balance": str(balance),
        "ledger_sum": str(ledger),
        "movements_of_item": sums.count(),
        "covering_index_build_s": covering_s,
        "equal_after_issues": after,
    }


if __name__ == "__main__" and sys.argv[1:] == ["measure"]:
    print(json.dumps(measure(), ensure_ascii=False))
elif __name__ == "__main__":
    # Alone, without the runner's server: the environment as it is (a fresh data directory for the demo).
    import tempfile
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import RESULTS, print_summary

    with tempfile.TemporaryDirectory(prefix="yingji-bench-ledger-") as tmp:
        result = run(SimpleNamespace(env={**os.environ, "YINGJI_DATA_DIR": tmp, "SECRET_KEY": secrets.token_urlsafe(50),
                                          "ALLOWED_HOSTS": "127.0.0.1"}))  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ledger.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_summary("ledger", result)
