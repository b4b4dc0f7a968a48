"""The public warnings page (no sign-in) under 1, 50 and 200 concurrent clients, beside /healthz in the same run.

A surge of the public reading the warnings page (a typhoon coming) is the load the architecture warns about
("keep public pages cheap and cacheable, and load-test them"). Per concurrency: req/s, p50/p90/p99, errors and
the ratio to /healthz, measured in slices interleaved with /healthz (bench_list_endpoints' BENCH_* settings).

Before measuring: the page once over HTTP (200, the number of warnings on it, its size, Cache-Control, ETag,
Last-Modified, and whether a conditional GET with the ETag, and one with If-Modified-Since, is answered 304), and
in-process with Django's test client (no HTTP): the SQL queries and median time of a request when the server's
cache is cold and when it is warm, and of a conditional request.

The load generator runs in this process: 200 clients are 200 threads sharing one GIL, on the same 2-core machine
as gunicorn and PostgreSQL. So that it is not mistaken for the server, each cell records the CPU this process used
(cores, from getrusage) and the machine's busy share (from /proc/stat) while it ran.

Goals (the issue names no figures; these are ours, for 200 clients): no errors; at least 0.50 of /healthz's
req/s (the page costs at most twice the cheapest request); p99 at most twice /healthz's p99.
"""

import json
import os
import re
import resource
import subprocess
import sys
import time

from bench_list_endpoints import ROUNDS, SECONDS, WARMUP
from loadgen import against_healthz, fetch

PUBLIC = "/warnings/public/"
CONCURRENCY = tuple(int(c) for c in os.environ.get("BENCH_PUBLIC_CONCURRENCY", "1,50,200").split(","))
GOAL_AT = 200
GOAL_RATIO, GOAL_P99_FACTOR = 0.50, 2.0


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def check(server) -> dict:
    """The page once, then again with each validator it gave: 200 with warnings, then 304."""
    status, headers, body = fetch(server.host, server.port, PUBLIC)
    if status != 200:
        raise RuntimeError(f"GET {PUBLIC}: HTTP {status}: {body[:300]!r}")
    warnings = len(re.findall(rb'data-testid="public-warning"', body))
    if not warnings:
        raise RuntimeError(f"GET {PUBLIC}: no warning on the page (the demo publishes some)")
    found = {
        name: _header(headers, name)
        for name in ("Cache-Control", "ETag", "Last-Modified", "Vary", "Set-Cookie")
    }
    conditional = {}
    if found["ETag"]:
        conditional["If-None-Match"] = fetch(
            server.host, server.port, PUBLIC, {"If-None-Match": found["ETag"]}
        )[0]
    if found["Last-Modified"]:
        conditional["If-Modified-Since"] = fetch(
            server.host, server.port, PUBLIC, {"If-Modified-Since": found["Last-Modified"]}
        )[0]
    status, _, answer = fetch(server.host, server.port, "/healthz")
    if status != 200:
        raise RuntimeError(f"/healthz: HTTP {status}: {answer[:300]!r}")
    return {
        "status": 200,
        "warnings_on_page": warnings,
        "bytes": len(body),
        "headers": found,
        "conditional": conditional,
    }


IN_PROCESS = """
import json, statistics, sys, time, django
django.setup()
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
path = sys.argv[1]
client = Client(HTTP_HOST="127.0.0.1")
def timed(url=path, **headers):
    started = time.perf_counter()
    response = client.get(url, **headers)
    return response, (time.perf_counter() - started) * 1000
def one(**headers):
    with CaptureQueriesContext(connection) as queries:
        response, ms = timed(**headers)
    return {"status": response.status_code, "queries": len(queries), "ms": round(ms, 2)}, response
out = {}
cache.clear()
out["cold"], response = one()
out["warm"], _ = one()
etag = response.get("ETag")
out["conditional"], _ = one(HTTP_IF_NONE_MATCH=etag) if etag else ({"status": None}, None)
out["warm_median_ms"] = round(statistics.median(timed()[1] for _ in range(50)), 2)
if etag:
    out["conditional_median_ms"] = round(statistics.median(timed(HTTP_IF_NONE_MATCH=etag)[1] for _ in range(50)), 2)
out["healthz_median_ms"] = round(statistics.median(timed("/healthz")[1] for _ in range(50)), 2)
print(json.dumps(out))
"""


def in_process(server) -> dict:
    """SQL queries and server time of the page in-process (test client, no HTTP; the production settings)."""
    env = {**server.env, "DJANGO_SETTINGS_MODULE": "yingji.settings", "YINGJI_PRODUCTION": "true"}
    env["DEBUG"] = "false"
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, PUBLIC], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr[-1000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(server, targets: dict, notes: list) -> tuple[list, list, list]:
    """against_healthz one concurrency at a time, with the CPU the load generator and the machine used."""
    measurements, rows, cpu = [], [], []
    cores = os.cpu_count() or 1
    for clients in CONCURRENCY:
        wall, own, (busy, total) = time.monotonic(), _own_cpu(), _cpu_times()
        more, more_rows = against_healthz(server, targets, (clients,), SECONDS, WARMUP, ROUNDS, notes)
        wall, own = time.monotonic() - wall, _own_cpu() - own
        busy2, total2 = _cpu_times()
        machine = (busy2 - busy) / (total2 - total) if total2 > total else None
        # Requests sent, warm-up included (a request counts only inside the measured window).
        sent = sum(m["requests"] for m in more) * (1 + WARMUP * ROUNDS / SECONDS)
        per_request_ms = own * 1000 / sent if sent else None
        cpu.append(
            {
                "clients": clients,
                "loadgen_cores": round(own / wall, 2),
                "loadgen_cpu_ms_per_request": round(per_request_ms, 3) if per_request_ms else None,
                # What one GIL-bound process of these threads could send at most, with a whole core.
                "loadgen_ceiling_req_s": round(1000 / per_request_ms) if per_request_ms else None,
                "machine_busy": round(machine, 3) if machine is not None else None,
                "cores": cores,
            }
        )
        measurements += more
        rows += more_rows
    return measurements, rows, cpu


def goals(measurements: list) -> dict:
    at = {m["name"]: m for m in measurements if m["concurrency"] == GOAL_AT}
    if "public" not in at:
        return {}
    page, floor = at["public"], at["healthz"]
    return {
        "errors": {
            "goal": f"no errors at {GOAL_AT} clients",
            "measured": page["errors"],
            "met": page["errors"] == 0,
        },
        "throughput": {
            "goal": f">= {GOAL_RATIO} of /healthz req/s at {GOAL_AT} clients",
            "measured": page["vs_healthz"],
            "met": bool(page["vs_healthz"] and page["vs_healthz"] >= GOAL_RATIO),
        },
        "p99": {
            "goal": f"p99 <= {GOAL_P99_FACTOR:g} x /healthz p99 at {GOAL_AT} clients",
            "measured": f"{page['p99_ms']} ms vs {floor['p99_ms']} ms",
            "met": page["p99_ms"] <= GOAL_P99_FACTOR * floor["p99_ms"],
        },
    }


def run(server) -> dict:
    checked = check(server)
    single = in_process(server)
    notes = [
        f"gunicorn sync workers: {server.workers}; per cell {SECONDS:g} s measured in {ROUNDS} slices "
        f"interleaved with /healthz, each after {WARMUP:g} s warm-up",
        f"{PUBLIC}: {checked['warnings_on_page']} warnings, {checked['bytes']} bytes; "
        + ", ".join(f"{k}: {v}" for k, v in checked["headers"].items() if k != "Set-Cookie")
        + f"; Set-Cookie {'present' if checked['headers']['Set-Cookie'] else 'none'}",
        "conditional GET: "
        + (", ".join(f"{k} -> {v}" for k, v in checked["conditional"].items()) or "no validators to send"),
    ]
    if "error" in single:
        notes.append(f"in-process: failed: {single['error'][-300:]}")
    else:
        notes.append(
            f"in-process (test client, no HTTP): SQL queries cold cache {single['cold']['queries']}, warm "
            f"{single['warm']['queries']}, conditional {single['conditional'].get('queries')} "
            f"({single['conditional']['status']}); median {single['warm_median_ms']} ms warm, "
            f"{single.get('conditional_median_ms')} ms conditional, /healthz {single['healthz_median_ms']} ms"
        )
    targets = {"healthz": ("/healthz", {}), "public": (PUBLIC, {})}
    measurements, rows, cpu = measure(server, targets, notes)
    notes += [
        f"load generator at {c['clients']} clients: {c['loadgen_cores']} of {c['cores']} cores, "
        f"{c['loadgen_cpu_ms_per_request']} ms CPU a request, so at most ~{c['loadgen_ceiling_req_s']} req/s "
        f"from its one GIL; machine busy {c['machine_busy']} (everything on it)"
        for c in cpu
    ]
    reached = goals(measurements)
    notes += [
        f"goal {g['goal']}: measured {g['measured']}: {'MET' if g['met'] else 'NOT MET'}"
        for g in reached.values()
    ]
    return {
        "urls": {"healthz": "GET /healthz", "public": f"GET {PUBLIC} (no sign-in)"},
        "checks": checked,
        "in_process": single,
        "measurements": measurements,
        "rows": rows,
        "loadgen_cpu": cpu,
        "goals": reached,
        "notes": notes,
    }
