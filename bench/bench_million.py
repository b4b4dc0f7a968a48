"""The deadline panel and a filtered incident list with 1,000,000 incidents (and ~3 obligations each).

Runs on a database of its own: migrate and demo as for the server, then the incidents and obligations are
generated in PostgreSQL itself (INSERT ... SELECT over generate_series: under a minute on a 2-core VM). The
requests are then timed in-process (a child process with Django pointed at that database, no HTTP): server time,
median and p95 of REPEAT runs after WARMUP, the SQL queries of one run, and EXPLAIN ANALYZE of each query on the
incident tables. Goal (issue): each under 100 ms. The database is dropped at the end, also on failure.

`BENCH_INCIDENTS` sets the number of incidents (default 1,000,000). `BENCH_MILLION_SQL` is run after the data is
made, before it is analysed, to try a change first: e.g. an index, before writing its migration.
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import time

N = int(os.environ.get("BENCH_INCIDENTS", "1000000"))
EXTRA_SQL = os.environ.get("BENCH_MILLION_SQL", "")
YEARS = 3
GOAL_MS = 100.0
WARMUP, REPEAT = 3, 20
COUNTY, MONTH = "441403", "2025-07"  # 梅县区; the month of the list page's filter
LIST = "/incidents/?division={division}&type=12H&level=4&month=" + MONTH
# SQL queries per request as of this benchmark's first run: a change is noted in the results.
EXPECTED_QUERIES = {"deadline panel": 1, "incident list": 7, "home page": 9}

# Event types by weight (of 100): mostly road traffic (12H), then fires, weather, floods, geology, other.
TYPES = {
    "12H02": 30, "12H01": 8, "12H99": 12, "12H03": 5, "12H04": 4, "12H05": 1,
    "12G03": 6, "12G01": 3, "12G99": 3, "11B03": 4, "11A02": 3, "11A51": 2, "11D01": 4, "11D03": 2,
    "12C01": 3, "12D02": 1, "12F00": 2, "13B03": 1, "13C03": 1, "11B01": 5,
}  # fmt: skip
CHANNELS = ["phone"] * 12 + ["duty_form"] * 5 + ["api"] * 2 + ["on_behalf"]

INCIDENTS = """
INSERT INTO incidents_incident (
    uuid, created_at, updated_at, title, status, occurred_at, received_at, address, channel, reporter_name,
    reporter_phone, reporter_unit, cause, course, deaths, injuries, affected_scope, trend, measures_taken,
    next_steps, level, level_basis, level_source, level_overridden, level_reason, closed_at, version,
    division_id, event_type_id, owner_id)
SELECT gen_random_uuid(), received_at, coalesce(closed_at, received_at), place || what,
       CASE WHEN closed_at IS NOT NULL THEN 'closed' WHEN received_at > now() - interval '1 hour'
            THEN 'received' ELSE 'responding' END,
       occurred_at, received_at, '', channel, '', '', '', '', '',
       CASE level WHEN 4 THEN (r_dead * 3)::int WHEN 3 THEN 3 + (r_dead * 6)::int ELSE 10 + (r_dead * 20)::int END,
       (r_dead * 5)::int, '', '', '', '', level, '[]', '', false, '', closed_at, 1, division_id, type_id, owner_id
FROM (
    SELECT *,
           least(now(), occurred_at + interval '1 minute' * (5 + random() * 55)) AS received_at,
           CASE WHEN occurred_at < now() - interval '7 days'
                THEN occurred_at + interval '1 hour' * (6 + random() * 120) END AS closed_at,
           CASE WHEN r_level < 0.975 THEN 4 WHEN r_level < 0.995 THEN 3 WHEN r_level < 0.9995 THEN 2 ELSE 1 END
               AS level,
           (%(divisions)s::bigint[])[d] AS division_id, (%(places)s::text[])[d] AS place,
           (%(owners)s::bigint[])[d] AS owner_id, (%(types)s::bigint[])[t] AS type_id,
           (%(whats)s::text[])[t] AS what, (%(channels)s::text[])[c] AS channel
    FROM (
        SELECT now() - interval '1 day' * (365 * %(years)s * random()) AS occurred_at,
               1 + floor(random() * cardinality(%(divisions)s::bigint[]))::int AS d,
               1 + floor(random() * cardinality(%(types)s::bigint[]))::int AS t,
               1 + floor(random() * cardinality(%(channels)s::text[]))::int AS c,
               random() AS r_level, random() ^ 4 AS r_dead
        FROM generate_series(1, %(n)s)
    ) AS drawn
) AS incident
ORDER BY occurred_at
"""

# Per incident: the first report to the city (2 h after receipt), the supplementary-report window (7 days for
# roads and fires, 30 for other work-safety accidents) or else a follow-up (a day after receipt), the final
# report (7 days after closing), and for level III and above the report to the province (2 h after the event).
# Almost all are done, some late (5 %); 3 % of those due in the last 60 days are still open (overdue), and
# those not yet due are open; 1 % of the second ones are withdrawn.
OBLIGATIONS = """
INSERT INTO incidents_obligation (
    key, kind, sequence, owed_by, owed_to, due_at, done_at, late_reason, source, withdrawn_at, notified_soon,
    notified_overdue, incident_id)
SELECT key, kind, 0, 'county', owed_to, due_at,
       CASE WHEN NOT open AND withdrawn_at IS NULL
            THEN least(now(), CASE WHEN late THEN due_at + interval '1 minute' * (1 + random() * 240)
                                   ELSE due_at - interval '1 minute' * (random() * 90) END) END,
       CASE WHEN late AND NOT open THEN '值班人员交接延误' ELSE '' END, '', withdrawn_at,
       open AND due_at < now(), open AND due_at < now(), id
FROM (
    SELECT o.*, i.id,
           random() < 0.05 AS late,
           o.due_at > now() OR (o.due_at > now() - interval '60 days' AND random() < 0.03) AS open,
           CASE WHEN o.kind IN ('supplement', 'followup') AND random() < 0.01
                THEN i.received_at + interval '1 hour' END AS withdrawn_at
    FROM incidents_incident i
    JOIN incidents_eventtype t ON t.id = i.event_type_id
    CROSS JOIN LATERAL (VALUES
        ('county_city', 'first', 'city', i.received_at + interval '2 hours'),
        (CASE WHEN t.code ~ '^12[GH]' THEN 'supplement_7d_road_fire' WHEN t.code ~ '^12' THEN 'supplement_30d'
              ELSE 'followup_county_city_daily' END,
         CASE WHEN t.code ~ '^12' THEN 'supplement' ELSE 'followup' END, 'city',
         CASE WHEN t.code ~ '^12[GH]' THEN i.occurred_at + interval '7 days'
              WHEN t.code ~ '^12' THEN i.occurred_at + interval '30 days'
              ELSE i.received_at + interval '1 day' END),
        ('final_county_city', 'final', 'city', i.closed_at + interval '7 days'),
        ('city_province', 'first', 'province', CASE WHEN i.level <= 3 THEN i.occurred_at + interval '2 hours' END)
    ) AS o(key, kind, owed_to, due_at)
    WHERE i.id > %(after)s AND o.due_at IS NOT NULL  -- only the generated incidents, not those of the demo
) AS obligation
"""


def generate(dbname: str) -> dict:
    """N incidents and their obligations, straight in PostgreSQL; then VACUUM ANALYZE, as in a live database."""
    from run import pg_connect

    with pg_connect(dbname) as db:
        divisions = db.execute(
            "SELECT d.id, d.name, coalesce(c.name, ''), o.id FROM core_division d"
            " LEFT JOIN core_division c ON c.id = d.parent_id AND d.level = 'town'"
            " JOIN core_organisation o ON o.kind = 'office'"
            "  AND o.division_id = CASE d.level WHEN 'town' THEN d.parent_id ELSE d.id END"
            " WHERE d.level IN ('county', 'town') ORDER BY d.path"
        ).fetchall()
        types = dict(db.execute("SELECT code, id FROM incidents_eventtype").fetchall())
        names = dict(db.execute("SELECT code, name FROM incidents_eventtype").fetchall())
        weighted = [code for code, weight in TYPES.items() for _ in range(weight)]
        params = {
            "n": N,
            "years": YEARS,
            "divisions": [d[0] for d in divisions],
            "places": [d[2] + d[1] for d in divisions],
            "owners": [d[3] for d in divisions],
            "types": [types[code] for code in weighted],
            "whats": [names[code] for code in weighted],
            "channels": CHANNELS,
        }
        timings = {}
        db.execute("SET synchronous_commit = off")
        db.execute("SET work_mem = '256MB'")
        db.execute("SET maintenance_work_mem = '512MB'")
        # No foreign-key triggers: the rows are consistent as made, and checking 4M of them takes minutes.
        db.execute("SET session_replication_role = replica")
        params["after"] = db.execute("SELECT coalesce(max(id), 0) FROM incidents_incident").fetchone()[0]
        for name, sql in (("incidents", INCIDENTS), ("obligations", OBLIGATIONS)):
            started = time.monotonic()
            db.execute(sql, params)
            timings[f"{name}_s"] = round(time.monotonic() - started, 1)
            print(f"  generated {name}: {timings[f'{name}_s']} s", flush=True)
        if EXTRA_SQL:
            db.execute(EXTRA_SQL)
            print(f"  ran BENCH_MILLION_SQL: {EXTRA_SQL}", flush=True)
        started = time.monotonic()
        # Statistics for every table, as autovacuum keeps them in a live database.
        db.execute("VACUUM (ANALYZE)")
        timings["vacuum_analyze_s"] = round(time.monotonic() - started, 1)
        counts = db.execute(
            "SELECT (SELECT count(*) FROM incidents_incident),"
            " (SELECT count(*) FROM incidents_obligation),"
            " (SELECT count(*) FROM incidents_obligation WHERE done_at IS NULL AND withdrawn_at IS NULL),"
            " (SELECT count(*) FROM incidents_obligation WHERE done_at IS NULL AND withdrawn_at IS NULL"
            "   AND due_at < now()),"
            " (SELECT count(*) FROM incidents_obligation WHERE done_at IS NULL AND withdrawn_at IS NULL"
            "   AND due_at BETWEEN now() AND now() + interval '2 hours'),"
            " pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()
    keys = ("incidents", "obligations", "open", "overdue", "due_within_2h", "database_size")
    return {**dict(zip(keys, counts, strict=True)), **timings}


def run(server) -> dict:
    from run import PG, YINGJI, pg_connect, run_step

    dbname = f"yingji_bench_million_{secrets.token_hex(4)}"
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
        f"{data['incidents']:,} incidents over {YEARS} years, {data['obligations']:,} obligations "
        f"({data['open']:,} open: {data['overdue']:,} overdue, {data['due_within_2h']:,} due within 2 h), "
        f"generated in {data['generation_s']} s, database {data['database_size']}",
        f"server time in-process: median and p95 of {REPEAT} runs after {WARMUP} warm-up runs; "
        f"goal: p95 < {GOAL_MS:g} ms",
    ]
    if EXTRA_SQL:
        notes.append(f"BENCH_MILLION_SQL was run after generating the data: {EXTRA_SQL}")
    rows = []
    for name, m in measured["targets"].items():
        m["goal_met"] = m["p95_ms"] < GOAL_MS if m["goal"] else None
        verdict = "-" if m["goal_met"] is None else ("met" if m["goal_met"] else "NOT MET")
        columns = ("median_ms", "p95_ms", "db_ms", "queries", "rows")
        rows.append({"what": name, **{c: m[c] for c in columns}, "goal": verdict})
        expected = next(n for prefix, n in EXPECTED_QUERIES.items() if name.startswith(prefix))
        if m["queries"] != expected:
            notes.append(f"{name}: {m['queries']} SQL queries, {expected} expected (EXPECTED_QUERIES)")
    data["extra_sql"] = EXTRA_SQL or None
    return {"data": data, "targets": measured["targets"], "rows": rows, "notes": notes}


# ---- In the child process: Django set up on the million-row database ----


def _time(call) -> dict:
    """WARMUP calls; one call with its queries (EXPLAIN ANALYZE of those on incident tables); REPEAT timed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        call()
    with CaptureQueriesContext(connection) as captured:
        rows = call()
    queries = [dict(q) for q in captured.captured_queries]  # copy now: the next request clears the log
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    plans = []
    with connection.cursor() as cursor:
        for q in queries:
            if "incidents_" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                plan = [line for (line,) in cursor.fetchall()]
                plans.append({"sql": q["sql"], "query_ms": round(float(q["time"]) * 1000, 2), "plan": plan})
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
        "min_ms": round(times[0], 1),
        "db_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "queries": len(queries),
        "rows": rows,
        "query_list": [f"{float(q['time']) * 1000:.0f} ms: {q['sql'][:150]}" for q in queries],
        "plans": plans,
    }


def measure() -> dict:
    import re

    import django

    django.setup()
    from django.test import Client, RequestFactory

    from yingji.core.models import Division, User
    from yingji.incidents.views import deadline_panel

    county = Division.objects.get(code=COUNTY)
    targets = {}
    for username in ("city_office", "meixian_office"):
        request = RequestFactory().get("/")
        request.user = User.objects.select_related("organisation__division").get(username=username)
        targets[f"deadline panel ({username})"] = {
            "call": lambda request=request: len(deadline_panel(request)["rows"]),
            "goal": True,
        }
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="city_office"))
    for name, path, goal in (
        ("incident list, filtered (city_office)", LIST.format(division=county.pk), True),
        ("home page (city_office), for context", "/", False),
    ):

        def page(path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
            return len(re.findall(rb"<tr><td(?! colspan)", response.content))

        targets[name] = {"call": page, "goal": goal, "path": path}
    out = {}
    for name, target in targets.items():
        out[name] = {k: v for k, v in target.items() if k != "call"} | _time(target["call"])
    return {"targets": out}


if __name__ == "__main__" and sys.argv[1:] == ["measure"]:
    print(json.dumps(measure(), ensure_ascii=False))
