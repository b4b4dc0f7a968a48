"""Observation ingestion with thresholds evaluated, 1,000 rain gauges: through the API and through MQTT, beside
baselines measured in the same run.

Setup: STATIONS rain gauges (`BENCH-0000`...) with the 1-hour rainfall rule (yellow at 50 mm, orange at 100 mm,
5 mm of hysteresis), owned by the city's emergency office and spread over the demo counties. Readings are made in
order: reading i goes to station i mod STATIONS, one minute after that station's previous one, so each is newer
than its station's last and is evaluated. Values: 99 % below 45 mm, 0.7 % 50-99 mm, 0.3 % 100-140 mm, so stations
now and then cross a threshold (an alert, the duty officers notified) and fall back.

1. API: `POST /api/v1/observations/` as `city_office` (token), batches of 100 and 1,000 readings, at 1 and 4
   clients, interleaved with `GET /healthz` as the other benchmarks do (`BENCH_ROUNDS`, `BENCH_WARMUP`), but
   `BENCH_OBS_SECONDS` (12) measured per cell. Observations/s = req/s x batch size; `vs_healthz` is the ratio of req/s.
2. MQTT: a `yingji worker` with MQTT_URL set (the local broker) and its own topic prefix; MQTT_READINGS readings
   published at QoS 1 spread over the stations' topics, one reading per message, then again ten readings per
   message (a gateway's list). Measured from the first publish until the last reading is in the database.
3. Baseline: the same number of rows written by a plain multi-row INSERT (psycopg `executemany`, 500 rows a
   transaction, no checks, no evaluation) into the same table; each figure above as a fraction of it.
"""

import contextlib
import datetime
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from bench_list_endpoints import ROUNDS, WARMUP, _json
from loadgen import against_healthz, fetch

USER, PASSWORD = "city_office", "Yingji@2026"
PATH = "/api/v1/observations/"
STATIONS = int(os.environ.get("BENCH_OBS_STATIONS", "1000"))
BATCHES = (100, 1000)
CONCURRENCY = (1, 4)
# Measured seconds per URL and concurrency (in ROUNDS slices): a batch of 1,000 takes about a second, so longer
# than the other benchmarks' 6 s, or whole requests would be most of the error.
SECONDS = float(os.environ.get("BENCH_OBS_SECONDS", "12"))
MQTT_READINGS = int(os.environ.get("BENCH_OBS_MQTT_READINGS", "20000"))
MQTT_TIMEOUT = float(os.environ.get("BENCH_OBS_MQTT_TIMEOUT", "600"))
BROKER = ("127.0.0.1", 1883)
PREFIX = "BENCH-"
CHINA = datetime.timezone(datetime.timedelta(hours=8))

SETUP = """
import json, sys, django
django.setup()
from decimal import Decimal
from yingji.core.models import Division, User
from yingji.warnings.models import Station
n, prefix = int(sys.argv[1]), sys.argv[2]
owner = User.objects.get(username="city_office").organisation
counties = list(Division.objects.filter(level="county").order_by("code"))
Station.objects.bulk_create(
    Station(code=f"{prefix}{i:04d}", name=f"压测雨量站{i:04d}", kind="rain", rule="rain_1h", owner=owner,
            division=counties[i % len(counties)], latitude=Decimal("24.3") + Decimal(i % 100) / 200,
            longitude=Decimal("116.1") + Decimal(i // 100) / 50)
    for i in range(n)
)
print(json.dumps(dict(Station.objects.filter(code__startswith=prefix).values_list("code", "pk"))))
"""


class Readings:
    """Reading i: station i mod n, one minute after that station's reading i - n (thread-safe)."""

    def __init__(self, codes: list[str]):
        self.codes = codes
        self.base = datetime.datetime.now(CHINA).replace(second=0, microsecond=0) - datetime.timedelta(
            days=20
        )
        self.next = 0
        self.lock = threading.Lock()
        self.random = random.Random(2026)

    def take(self, k: int) -> list[tuple[str, str, float]]:
        with self.lock:
            start, self.next = self.next, self.next + k
            values = [self._value() for _ in range(k)]
        n = len(self.codes)
        return [
            (
                self.codes[i % n],
                (self.base + datetime.timedelta(minutes=i // n)).isoformat(),
                values[i - start],
            )
            for i in range(start, start + k)
        ]

    def _value(self) -> float:
        draw = self.random.random()
        if draw < 0.99:
            return round(self.random.uniform(0, 45), 1)
        return round(self.random.uniform(50, 99) if draw < 0.997 else self.random.uniform(100, 140), 1)

    def body(self, k: int):
        def make() -> bytes:
            rows = [{"station": s, "time": t, "value": v} for s, t, v in self.take(k)]
            return json.dumps({"observations": rows}).encode()

        return make


def database(server):
    import psycopg

    return psycopg.connect(server.env["DATABASE_URL"], autocommit=True)


def count(server, table: str = "warnings_observation") -> int:
    with database(server) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - our own table names


def setup_stations(server) -> dict[str, int]:
    env = {**server.env, "DJANGO_SETTINGS_MODULE": "yingji.settings", "YINGJI_PRODUCTION": "true"}
    proc = subprocess.run(
        [sys.executable, "-c", SETUP, str(STATIONS), PREFIX], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"creating {STATIONS} stations failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check_api(server, headers: dict, readings: Readings) -> dict:
    """One batch, then the same batch again: all stored, then all duplicates."""
    data = readings.body(10)()
    answers = []
    for _ in range(2):
        status, _h, answer = fetch(server.host, server.port, PATH, headers, "POST", data)
        if status != 200:
            raise RuntimeError(f"POST {PATH}: HTTP {status}: {answer[:500]!r}")
        answers.append(json.loads(answer))
    if (answers[0]["stored"], answers[1]["duplicates"]) != (10, 10):
        raise RuntimeError(f"POST {PATH} twice: {answers}: expected 10 stored, then 10 duplicates")
    return {"stored": answers[0]["stored"], "retry_duplicates": answers[1]["duplicates"]}


def api_phase(server, token: str, readings: Readings, notes: list) -> tuple[list, list, dict]:
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    checked = check_api(server, headers, readings)
    targets = {"healthz": ("/healthz", {})}
    for k in BATCHES:
        targets[f"batch {k}"] = (PATH, headers, readings.body(k))
    before, alerts_before = count(server), count(server, "warnings_stationalert")
    measurements, rows = against_healthz(server, targets, CONCURRENCY, SECONDS, WARMUP, ROUNDS, notes)
    for m, row in zip(measurements, rows, strict=True):
        k = int(m["name"].split()[1]) if m["name"].startswith("batch") else 1
        m["observations_per_s"] = round(m["rps"] * k) if k > 1 else None
        row["obs_s"] = m["observations_per_s"] or ""
    stored = count(server) - before
    checked.update(
        stored_during_run=stored,
        alerts_during_run=count(server, "warnings_stationalert") - alerts_before,
        taken=readings.next,
    )
    return measurements, rows, checked


def start_worker(server, prefix: str, client_id: str, log_path: Path) -> subprocess.Popen:
    env = {
        **server.env,
        "MQTT_URL": f"mqtt://{BROKER[0]}:{BROKER[1]}",
        "MQTT_TOPIC_PREFIX": prefix,
        "MQTT_CLIENT_ID": client_id,
        "WORKER_NICE": "0",
        "YINGJI_PRODUCTION": "true",
    }
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "yingji.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def forget_session(client_id: str) -> None:
    """Remove the benchmark's persistent session from the broker."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    with contextlib.suppress(OSError):
        client.connect(*BROKER, clean_start=True, properties=props)
        client.loop_start()
        time.sleep(0.3)
        client.disconnect()
        client.loop_stop()


def publisher():
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-gateway-{secrets.token_hex(3)}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(*BROKER)
    client.loop_start()
    return client


def wait_stored(server, expected: int, timeout: float, proc: subprocess.Popen) -> float | None:
    """Until the observation table holds `expected` rows: the monotonic time, or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if count(server) >= expected:
            return time.monotonic()
        if proc.poll() is not None:
            raise RuntimeError(f"the MQTT worker exited with {proc.returncode}")
        time.sleep(0.1)
    return None


def mqtt_round(server, client, prefix: str, readings: Readings, per_message: int, proc) -> dict:
    taken = readings.take(MQTT_READINGS)
    if per_message == 1:
        payloads = [(s, json.dumps({"time": t, "value": v}).encode(), 1) for s, t, v in taken]
    else:  # a list is one station's readings, in time order
        mine: dict[str, list[dict]] = {}
        for s, t, v in taken:
            mine.setdefault(s, []).append({"time": t, "value": v})
        payloads = [
            (s, json.dumps(group[i : i + per_message]).encode(), len(group[i : i + per_message]))
            for s, group in mine.items()
            for i in range(0, len(group), per_message)
        ]
    readings_sent = sum(n for _s, _p, n in payloads)
    before, alerts_before = count(server), count(server, "warnings_stationalert")
    started = time.monotonic()
    infos = [client.publish(f"{prefix}/{s}/observations", p, qos=1) for s, p, _n in payloads]
    for info in infos:
        info.wait_for_publish(60)
    published = time.monotonic()
    done = wait_stored(server, before + readings_sent, MQTT_TIMEOUT, proc)
    stored = count(server) - before
    seconds = (done or time.monotonic()) - started
    return {
        "readings_per_message": per_message,
        "messages": len(payloads),
        "readings": readings_sent,
        "stored": stored,
        "complete": done is not None,
        "publish_s": round(published - started, 2),
        "seconds": round(seconds, 2),
        "observations_per_s": round(stored / seconds),
        "alerts": count(server, "warnings_stationalert") - alerts_before,
    }


def mqtt_phase(server, readings: Readings, notes: list) -> dict:
    token = secrets.token_hex(4)
    prefix, client_id = f"bench-{token}/stations", f"yingji-bench-{token}"
    log_path = Path(server.log_path).with_name("mqtt-worker.log")
    proc = start_worker(server, prefix, client_id, log_path)
    client = publisher()
    try:
        # Wait until the worker has subscribed: a first reading, sent again until it is stored.
        probe_station, probe_time, _v = readings.take(1)[0]
        before, deadline = count(server), time.monotonic() + 120
        while count(server) <= before:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(
                    f"the MQTT worker stored nothing within 120 s:\n{log_path.read_text()[-2000:]}"
                )
            payload = json.dumps({"time": probe_time, "value": 1}).encode()
            client.publish(f"{prefix}/{probe_station}/observations", payload, qos=1).wait_for_publish(5)
            time.sleep(1)
        rounds = [mqtt_round(server, client, prefix, readings, k, proc) for k in (1, 10)]
    finally:
        client.disconnect()
        client.loop_stop()
        stop_worker(proc)
        forget_session(client_id)
    log = log_path.read_text(errors="replace")
    problems = [line for line in log.splitlines() if "rejected" in line or "Traceback" in line]
    if problems:
        notes.append(f"MQTT worker log: {len(problems)} problem line(s), e.g. {problems[:3]}")
    return {"prefix": prefix, "rounds": rounds, "worker_log_problems": len(problems)}


def raw_insert(server, station_ids: list[int], n: int) -> dict:
    """The baseline: n rows in the same table by plain multi-row INSERTs, 500 a transaction; removed after."""
    base = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    now = datetime.datetime.now(datetime.UTC)
    rng = random.Random(7)
    rows = [
        (
            station_ids[i % len(station_ids)],
            base + datetime.timedelta(minutes=i // len(station_ids)),
            Decimal(str(round(rng.uniform(0, 45), 1))),
            now,
        )
        for i in range(n)
    ]
    sql = "INSERT INTO warnings_observation (station_id, observed_at, value, received_at) VALUES (%s, %s, %s, %s)"
    with database(server) as conn:
        started = time.monotonic()
        for i in range(0, n, 500):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(sql, rows[i : i + 500])
        seconds = time.monotonic() - started
        conn.execute(
            "DELETE FROM warnings_observation WHERE observed_at < %s", (base + datetime.timedelta(days=3650),)
        )
    return {"rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n / seconds)}


def run(server) -> dict:
    token = _json(server, "POST", "/api/v1/auth/token/", body={"username": USER, "password": PASSWORD})[
        "token"
    ]
    stations = setup_stations(server)
    codes = sorted(stations)
    readings = Readings(codes)
    notes = [
        f"{len(codes)} rain gauges (rule rain_1h), readings one minute apart per station; "
        f"gunicorn sync workers: {server.workers}; per cell {SECONDS:g} s in {ROUNDS} slices interleaved with "
        f"/healthz, each after {WARMUP:g} s warm-up"
    ]
    measurements, rows, api_checks = api_phase(server, token, readings, notes)
    mqtt = mqtt_phase(server, readings, notes)
    baseline = raw_insert(server, [stations[c] for c in codes], MQTT_READINGS)
    raw = baseline["rows_per_s"]
    for m in measurements:
        if m.get("observations_per_s"):
            m["vs_raw_insert"] = round(m["observations_per_s"] / raw, 3)
    for r in mqtt["rounds"]:
        r["vs_raw_insert"] = round(r["observations_per_s"] / raw, 3)
        rows.append(
            {
                "clients": 1,
                "url": f"mqtt, {r['readings_per_message']} per message",
                "req_s": round(r["messages"] / r["seconds"], 1),
                "p50_ms": "",
                "p90_ms": "",
                "p99_ms": "",
                "errors": r["readings"] - r["stored"],
                "vs_healthz": "",
                "obs_s": r["observations_per_s"],
            }
        )
    rows.append(
        {
            "clients": 1,
            "url": "raw INSERT, 500 a transaction",
            "req_s": "",
            "p50_ms": "",
            "p90_ms": "",
            "p99_ms": "",
            "errors": 0,
            "vs_healthz": "",
            "obs_s": raw,
        }
    )
    notes.append(
        f"API check: a batch of 10 stored, the same again 10 duplicates; during the run "
        f"{api_checks['stored_during_run']} readings stored, {api_checks['alerts_during_run']} station alerts"
    )
    for r in mqtt["rounds"]:
        notes.append(
            f"MQTT, {r['readings_per_message']} reading(s) a message: {r['stored']} of {r['readings']} stored in "
            f"{r['seconds']} s from the first publish ({r['observations_per_s']}/s, "
            f"{r['vs_raw_insert']} of raw INSERT; publishing took {r['publish_s']} s); {r['alerts']} station alerts"
        )
    for m in measurements:
        if m.get("vs_raw_insert"):
            notes.append(
                f"API {m['name']} at {m['concurrency']} client(s): {m['observations_per_s']} readings/s, "
                f"{m['vs_raw_insert']} of raw INSERT ({raw} rows/s)"
            )
    return {
        "urls": {
            "healthz": "GET /healthz",
            **{f"batch {k}": f"POST {PATH} ({k} readings) as {USER}" for k in BATCHES},
        },
        "stations": len(codes),
        "checks": api_checks,
        "measurements": measurements,
        "mqtt": mqtt,
        "raw_insert": baseline,
        "rows": rows,
        "notes": notes,
    }
