"""Incident intake through the API (POST /api/v1/incidents/) beside /healthz, at 1, 10 and 50 clients.

Each request is a new report from another system: a new client id (uuid4), a road traffic accident (12H02) in
one of the demo counties a few minutes ago, 0-2 dead, sent by the duty officer `duty_city` with a token. Goals
(issue): at 50 clients, at least 0.40 of /healthz's req/s, and p99 under 300 ms.
"""

import datetime
import json
import random
import subprocess
import sys
import uuid

from bench_list_endpoints import ROUNDS, SECONDS, WARMUP, _json
from loadgen import against_healthz, fetch

USER, PASSWORD = "duty_city", "Yingji@2026"
PATH = "/api/v1/incidents/"
CONCURRENCY = (1, 10, 50)
GOAL_RATIO, GOAL_P99_MS = 0.40, 300.0
CHINA = datetime.timezone(datetime.timedelta(hours=8))
TITLES = ("{}G205国道两车相撞", "{}县道小客车与摩托车相撞", "{}城区路口货车与电动车相撞", "{}高速出口追尾")


def report_body(counties: list[tuple[int, str]]):
    """A function returning a new report (JSON bytes) on each call: new uuid, county, time, dead."""

    def body(client_uuid: str | None = None) -> bytes:
        division, name = random.choice(counties)
        occurred = datetime.datetime.now(CHINA) - datetime.timedelta(minutes=random.uniform(2, 20))
        report = {
            "uuid": client_uuid or str(uuid.uuid4()),
            "event_type": "12H02",
            "title": random.choice(TITLES).format(name),
            "division": division,
            "occurred_at": occurred.isoformat(timespec="seconds"),
            "deaths": random.choices((0, 1, 2), weights=(85, 10, 5))[0],
        }
        return json.dumps(report, ensure_ascii=False).encode()

    return body


def api_headers(token: str) -> dict:
    return {
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


def post(server, token: str, data: bytes) -> tuple[int, dict]:
    status, _, answer = fetch(server.host, server.port, PATH, api_headers(token), "POST", data)
    return status, json.loads(answer) if answer.startswith(b"{") else {"raw": answer[:300]}


def check(server, token: str, body) -> dict:
    """One report, then the same report again (a retry): 201, then 200 with the same incident."""
    client_uuid = str(uuid.uuid4())
    first_status, first = post(server, token, body(client_uuid))
    retry_status, retry = post(server, token, body(client_uuid))
    if first_status != 201 or retry_status != 200 or retry.get("id") != first.get("id"):
        raise RuntimeError(
            f"POST {PATH}: {first_status} {first} then, same uuid, {retry_status} {retry}: "
            "expected 201, then 200 with the same id"
        )
    status, _, answer = fetch(server.host, server.port, "/healthz")
    if status != 200:
        raise RuntimeError(f"/healthz: HTTP {status}: {answer[:300]!r}")
    return {"first": first_status, "retry": retry_status, "same_id": True, "level": first.get("level")}


IN_PROCESS = """
import json, statistics, sys, time, uuid, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
token, body = json.loads(sys.argv[1])
client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
def post():
    body["uuid"] = str(uuid.uuid4())
    started = time.perf_counter()
    status = client.post("/api/v1/incidents/", body, content_type="application/json").status_code
    return status, (time.perf_counter() - started) * 1000
for _ in range(5):
    post()
with CaptureQueriesContext(connection) as queries:
    status, _ = post()
out = {"status": status, "queries": len(queries),  # read now: the next request clears the query log
       "db_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1)}
out["median_ms"] = round(statistics.median(post()[1] for _ in range(30)), 1)
print(json.dumps(out))
"""


def in_process(server, token: str, body) -> dict:
    """Server time and SQL queries of one intake, in-process with Django's test client (no HTTP)."""
    env = {**server.env, "DJANGO_SETTINGS_MODULE": "yingji.settings", "YINGJI_PRODUCTION": "true"}
    env["DEBUG"] = "false"
    spec = json.dumps([token, json.loads(body())], ensure_ascii=False)
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, spec], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr[-1000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(server) -> dict:
    credentials = {"username": USER, "password": PASSWORD}
    token = _json(server, "POST", "/api/v1/auth/token/", body=credentials)["token"]
    counties = _json(server, "GET", "/api/v1/divisions/?level=county&page_size=100", token)["results"]
    body = report_body([(d["id"], d["name"]) for d in counties])
    checked = check(server, token, body)
    single = in_process(server, token, body)
    targets = {"healthz": ("/healthz", {}), "intake": (PATH, api_headers(token), body)}
    notes = [
        f"gunicorn sync workers: {server.workers}; per cell {SECONDS:g} s measured in {ROUNDS} slices "
        f"interleaved with /healthz, each after {WARMUP:g} s warm-up",
        f"one intake in-process (test client, no HTTP): {single.get('median_ms')} ms median, "
        f"{single.get('queries')} SQL queries taking {single.get('db_ms')} ms",
    ]

    measurements, rows = against_healthz(server, targets, CONCURRENCY, SECONDS, WARMUP, ROUNDS, notes)

    at50 = next(m for m in measurements if m["name"] == "intake" and m["concurrency"] == 50)
    goals = {
        "throughput": {
            "goal": f">= {GOAL_RATIO} of /healthz req/s at 50 clients",
            "measured": at50["vs_healthz"],
            "met": bool(at50["vs_healthz"] and at50["vs_healthz"] >= GOAL_RATIO),
        },
        "p99": {
            "goal": f"p99 < {GOAL_P99_MS:g} ms at 50 clients",
            "measured": at50["p99_ms"],
            "met": at50["p99_ms"] < GOAL_P99_MS and not at50["errors"],
        },
    }
    notes += [
        f"goal {g['goal']}: measured {g['measured']}: {'MET' if g['met'] else 'NOT MET'}"
        for g in goals.values()
    ]
    return {
        "urls": {"healthz": "GET /healthz", "intake": f"POST {PATH} as {USER}"},
        "checks": checked,
        "in_process": single,
        "measurements": measurements,
        "rows": rows,
        "goals": goals,
        "notes": notes,
    }
