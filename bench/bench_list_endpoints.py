"""An authenticated list endpoint and list page (50 rows each) beside /healthz, at 1, 10 and 50 clients.

/healthz (one `SELECT 1` and one heartbeat query, no session, no template) is the floor of the stack: gunicorn,
Django's middleware and a database round trip. The figure that matters is each URL's req/s as a fraction of
/healthz's req/s at the same concurrency in the same run.
"""

import http.cookies
import json
import os
import re
import subprocess
import sys
import urllib.parse

from loadgen import against_healthz, fetch

USER, PASSWORD = "city_office", "Yingji@2026"
API = "/api/v1/organisations/?page_size=50"
PAGE = "/org/organisations/"
CONCURRENCY = (1, 10, 50)
# Per URL and concurrency: SECONDS measured in all, in ROUNDS slices interleaved with the other URLs,
# each slice after WARMUP seconds of load that do not count.
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "0.5"))


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for key, value in headers:
        if key.lower() == "set-cookie":
            jar.load(value)
    return {k: m.value for k, m in jar.items()}


def _json(server, method: str, path: str, token: str | None = None, body: dict | None = None):
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    status, _, data = fetch(
        server.host, server.port, path, headers, method, json.dumps(body) if body else None
    )
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:500]!r}")
    return json.loads(data)


def api_token(server) -> str:
    return _json(server, "POST", "/api/v1/auth/token/", body={"username": USER, "password": PASSWORD})[
        "token"
    ]


def session_cookie(server) -> str:
    """Sign in through the login form as a browser does; returns the Cookie header."""
    status, headers, body = fetch(server.host, server.port, "/login/")
    cookies = _cookies(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or "csrftoken" not in cookies or not match:
        raise RuntimeError(f"GET /login/: HTTP {status}, no CSRF cookie or form token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": USER, "password": PASSWORD, "next": "/"}
    )
    status, headers, body = fetch(
        server.host,
        server.port,
        "/login/",
        {"Cookie": f"csrftoken={cookies['csrftoken']}", "Content-Type": "application/x-www-form-urlencoded"},
        "POST",
        form,
    )
    cookies.update(_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"POST /login/: HTTP {status}, no session cookie: {body[:300]!r}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def ensure_fifty_organisations(server, token: str) -> list[str]:
    """The API page must hold 50 rows; if the demo has fewer, add organisations through the API."""
    page = _json(server, "GET", API, token)
    missing = 50 - page["count"]
    if missing <= 0:
        return []
    if page["results"]:
        kind, division = page["results"][0]["kind"], page["results"][0]["division"]
    else:
        kind, division = (
            "other",
            _json(server, "GET", "/api/v1/divisions/?page_size=1", token)["results"][0]["id"],
        )
    for i in range(missing):
        body = {"name": f"Benchmark organisation {i + 1}", "kind": kind, "division": division}
        _json(server, "POST", "/api/v1/organisations/", token, body)
    return [
        f"{USER} saw {page['count']} organisations; added {missing} through the API so a page has 50 rows"
    ]


def check(server, token: str, cookie: str) -> dict:
    """Each URL once, for correctness, before any measuring."""
    page = _json(server, "GET", API, token)
    if len(page["results"]) != 50:
        raise RuntimeError(f"{API} returned {len(page['results'])} results, not 50")
    status, _, body = fetch(server.host, server.port, PAGE, {"Cookie": cookie})
    rows = len(re.findall(rb"<tr><td(?! colspan)", body))
    if status != 200 or rows != 50:
        raise RuntimeError(f"{PAGE}: HTTP {status} with {rows} rows, not 200 with 50")
    status, _, body = fetch(server.host, server.port, "/healthz")
    if status != 200:
        raise RuntimeError(f"/healthz: HTTP {status}: {body[:300]!r}")
    return {"organisations_visible": page["count"], "api_results": 50, "page_rows": rows}


QUERY_COUNTER = """
import json, sys, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
out = {}
for name, path, meta, cookies in json.loads(sys.argv[1]):
    client = Client(HTTP_HOST="127.0.0.1", **meta)
    for key, value in cookies.items():
        client.cookies[key] = value
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    out[name] = {"status": status, "queries": len(queries)}
print(json.dumps(out))
"""


def query_counts(server, targets: dict) -> dict:
    """SQL queries per request, counted in-process with Django's test client, same session and token."""
    spec = [
        [
            name,
            path,
            {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Cookie"},
            dict(c.split("=", 1) for c in headers.get("Cookie", "").split("; ") if c),
        ]
        for name, (path, headers) in targets.items()
    ]
    env = {
        **server.env,
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "YINGJI_PRODUCTION": "true",
        "DEBUG": "false",
    }
    proc = subprocess.run(
        [sys.executable, "-c", QUERY_COUNTER, json.dumps(spec)], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-1000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(server) -> dict:
    token = api_token(server)
    notes = ensure_fifty_organisations(server, token)
    cookie = session_cookie(server)
    checked = check(server, token, cookie)
    targets = {
        "healthz": ("/healthz", {}),
        "api": (API, {"Authorization": f"Token {token}", "Accept": "application/json"}),
        "page": (PAGE, {"Cookie": cookie}),
    }
    queries = query_counts(server, targets)
    notes.append(
        f"gunicorn sync workers: {server.workers}; per cell {SECONDS:g} s measured in {ROUNDS} slices "
        f"interleaved with the other URLs, each after {WARMUP:g} s warm-up"
    )
    notes.append("queries per request: " + ", ".join(f"{k} {v.get('queries')}" for k, v in queries.items()))

    measurements, rows = against_healthz(server, targets, CONCURRENCY, SECONDS, WARMUP, ROUNDS, notes)
    return {
        "urls": {name: path for name, (path, _) in targets.items()},
        "checks": checked,
        "queries_per_request": queries,
        "measurements": measurements,
        "rows": rows,
        "notes": notes,
    }
