"""A small closed-loop HTTP load generator (standard library only).

Each client is a thread with its own http.client connection: it sends a request, reads the whole response,
and sends the next one at once (closed loop, no think time). The connection is kept alive when the server
allows it; gunicorn's sync workers close it after every response, and http.client then reconnects on its
own, so each request pays for a TCP connect on loopback, as real clients of a sync-worker server do.

The generator runs on the same (shared, 2-core) machine as the server, the workers and PostgreSQL, and its
own threads take CPU away from them. Absolute figures therefore say little; that is why every figure is
paired with /healthz measured the same way, at the same concurrency, in the same run: the ratio
req/s(URL) / req/s(/healthz) is what to compare between runs and machines.
"""

import http.client
import math
import threading
import time


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty list)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def fetch(host: str, port: int, path: str, headers: dict | None = None, method: str = "GET", body=None):
    """One request on a fresh connection: (status, headers as a list of pairs, body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def run_slice(
    host, port, path, headers, concurrency, duration, warmup, body=None
) -> tuple[list[float], list[str]]:
    """`concurrency` clients on path for warmup + duration seconds: (latencies in ms, errors).

    GET, or POST when `body` is given: a function returning the bytes of each request's body, called before
    the request's clock starts (e.g. for a new id each time).

    A request counts when it completes inside the measured window (completions per second is the closed-loop
    throughput, also when a request takes longer than the window is short). Returns after every client has
    finished its last request, so the next slice starts on an idle server.
    """
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine, my_errors = [], []
        while time.perf_counter() < stop_at:
            data = body() if body else None
            t0 = time.perf_counter()
            try:
                conn.request("POST" if body else "GET", path, body=data, headers=headers)
                resp = conn.getresponse()
                resp.read()
                failure = None if 200 <= resp.status < 300 else f"HTTP {resp.status}"
            except (OSError, http.client.HTTPException) as exc:
                failure = f"{type(exc).__name__}: {exc}"
                conn.close()
            t1 = time.perf_counter()
            if measure_from <= t1 <= stop_at:
                if failure:
                    my_errors.append(failure)
                else:
                    mine.append((t1 - t0) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(my_errors)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def compare(host, port, targets: dict, concurrency: int, duration=6.0, warmup=0.5, rounds=3) -> dict:
    """Measure several URLs at one concurrency, interleaved: `rounds` rounds of one slice per URL.

    targets: {name: (path, headers)} for GET, or {name: (path, headers, body)} for POST (body as in run_slice).
    Each URL gets `duration` measured seconds in all, split over the rounds, so a burst of load from elsewhere on
    the machine hits every URL alike. Per URL: requests, errors (not 2xx, or a connection error), req/s and
    latency percentiles of the successful requests.
    """
    raw = {name: ([], []) for name in targets}
    for _ in range(rounds):
        for name, (path, headers, *body) in targets.items():
            latencies, errors = run_slice(
                host, port, path, dict(headers), concurrency, duration / rounds, warmup, *body
            )
            raw[name][0].extend(latencies)
            raw[name][1].extend(errors)
    results = {}
    for name, (latencies, errors) in raw.items():
        latencies.sort()
        results[name] = {
            "path": targets[name][0],
            "method": "POST" if len(targets[name]) > 2 else "GET",
            "concurrency": concurrency,
            "duration_s": duration,
            "requests": len(latencies) + len(errors),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:5],
            "rps": round(len(latencies) / duration, 1),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p90_ms": round(percentile(latencies, 90), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
        }
    return results


def measure(host, port, path, headers=None, concurrency=1, duration=6.0, warmup=1.0) -> dict:
    """One URL: warmup, then `duration` measured seconds; see compare() for the figures."""
    return compare(host, port, {path: (path, headers or {})}, concurrency, duration, warmup, rounds=1)[path]


def against_healthz(
    server, targets: dict, concurrency, seconds, warmup, rounds, notes: list
) -> tuple[list, list]:
    """`compare` at each concurrency; every figure gets its ratio to /healthz (a target named "healthz") measured
    in the same slices. Returns (measurements, table rows); errors are added to `notes`."""
    measurements, rows = [], []
    for clients in concurrency:
        figures = compare(server.host, server.port, targets, clients, seconds, warmup, rounds)
        floor = figures["healthz"]["rps"]
        for name, m in figures.items():
            m["name"] = name
            m["vs_healthz"] = round(m["rps"] / floor, 3) if floor else None
            measurements.append(m)
            rows.append(
                {
                    "clients": clients,
                    "url": name,
                    "req_s": m["rps"],
                    "p50_ms": m["p50_ms"],
                    "p90_ms": m["p90_ms"],
                    "p99_ms": m["p99_ms"],
                    "errors": m["errors"],
                    "vs_healthz": m["vs_healthz"],
                }
            )
            if m["errors"]:
                notes.append(f"{name} at {clients} clients: {m['errors']} errors, e.g. {m['error_samples']}")
    return measurements, rows
