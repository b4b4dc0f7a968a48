"""Observations over MQTT: the worker subscribes to `<MQTT_TOPIC_PREFIX>/<station code>/observations` on the
stations' broker and hands what arrives to `monitoring.ingest`, the function behind `POST /api/v1/observations/`,
so thresholds, hysteresis and alerts work alike on both channels.

A message is one reading, `{"time": "2026-07-01T08:00:00+08:00", "value": 12.5}`, or a list of them; the station
is the one in the topic. Messages are gathered into batches (BATCH_ROWS readings or BATCH_SECONDS, whichever comes
first) stored in one transaction each. A bad reading (not JSON, an unknown station, a bad time or value) is logged
with its reason and left out; the other readings of its batch are stored.

Nothing is lost while the worker restarts: the subscription is QoS 1 on a persistent session (MQTT 5, clean start
off, the session kept SESSION_EXPIRY seconds, its name MQTT_CLIENT_ID), and a message is acknowledged only after its
batch is committed. The broker sends what was not acknowledged again; a reading already stored is skipped.
"""

import json
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from yingji.warnings import monitoring

logger = logging.getLogger(__name__)

BATCH_ROWS = 500
BATCH_SECONDS = 0.5
# Messages the broker may send before we acknowledge them (MQTT 5 Receive Maximum; without it mosquitto sends 20,
# which would hold each batch to 20 messages).
RECEIVE_MAXIMUM = 65535
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps the session and queues readings this long while we are away
# After a database failure, the batch is tried again (still unacknowledged) this much later.
RETRY_SECONDS = 5.0
_ROW = re.compile(r"^observations\[(\d+)\]")


def topic_filter(prefix: str) -> str:
    return f"{prefix}/+/observations"


def rows_of(topic: str, payload: bytes, prefix: str) -> list[dict]:
    """The readings of one message as rows for `monitoring.ingest`; a ValueError says what is wrong."""
    head, tail = f"{prefix}/", "/observations"
    code = topic[len(head) : -len(tail)] if topic.startswith(head) and topic.endswith(tail) else ""
    if not code or "/" in code:
        raise ValueError(f"the topic is not {prefix}/<station code>/observations")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the payload is not JSON ({exc})") from None
    readings = data if isinstance(data, list) else [data]
    if not readings or not all(isinstance(r, dict) for r in readings):
        raise ValueError('the payload is not {"time": ..., "value": ...} or a non-empty list of them')
    return [{"station": code, "time": r.get("time"), "value": r.get("value")} for r in readings]


def _reject(row: dict, origin: str, reason: str) -> None:
    logger.warning("MQTT observation rejected (%s, %s): %s", origin, json.dumps(row, default=str), reason)


def store(rows: list[dict], origins: list[str]) -> dict:
    """`monitoring.ingest` for a trusted channel: the rows it refuses are logged (with the topic in `origins`) and
    left out, the others stored and evaluated. Database failures (OperationalError) propagate: retry later."""
    totals = {"received": 0, "stored": 0, "duplicates": 0, "rejected": 0, "alerts": 0}
    pending = list(zip(rows, origins, strict=True))
    while pending:
        try:
            result = monitoring.ingest(None, [row for row, _o in pending])
        except ValidationError as exc:
            errors = exc.message_dict
            bad = {int(m.group(1)) for key in errors if (m := _ROW.match(key))}
            bad &= set(range(len(pending)))
            if not bad:  # about the batch as a whole (its size): cannot be, as batches are cut to size
                bad = set(range(len(pending)))
            for i in sorted(bad):
                row, origin = pending[i]
                reasons = [
                    f"{k.split('.')[-1]}: {' '.join(v)}" for k, v in errors.items() if _index(k) in {i, None}
                ]
                _reject(row, origin, "; ".join(reasons))
            totals["rejected"] += len(bad)
            pending = [p for i, p in enumerate(pending) if i not in bad]
            continue
        except (OperationalError, InterfaceError):
            raise  # the database, not the data
        except (DatabaseError, ArithmeticError, ValueError, TypeError) as exc:
            # A row the checks let through but the database refuses (e.g. a value too large for its column).
            if len(pending) == 1:
                _reject(pending[0][0], pending[0][1], f"{type(exc).__name__}: {exc}")
                totals["rejected"] += 1
                break
            for row, origin in pending:
                for key, n in store([row], [origin]).items():
                    totals[key] += n
            break
        for key in ("received", "stored", "duplicates"):
            totals[key] += result[key]
        totals["alerts"] += len(result["alerts"])
        break
    return totals


def _index(key: str) -> int | None:
    match = _ROW.match(key)
    return int(match.group(1)) if match else None


@dataclass
class _Message:
    mid: int
    qos: int
    session: int  # which connection it came on: an acknowledgement goes on that connection only
    topic: str
    payload: bytes
    rows: list[dict] = field(default_factory=list)


class Subscriber:
    """One MQTT client and the loop that stores what it receives; `run(stop)` until `stop` is set."""

    def __init__(
        self,
        url: str | None = None,
        prefix: str | None = None,
        client_id: str | None = None,
        *,
        batch_rows: int = BATCH_ROWS,
        batch_seconds: float = BATCH_SECONDS,
    ):
        url = url or settings.MQTT_URL
        parts = urlsplit(url)
        if parts.scheme not in {"mqtt", "mqtts"} or not parts.hostname:
            raise ValueError(f"MQTT_URL must be mqtt://host[:port] or mqtts://host[:port], not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.prefix = (prefix if prefix is not None else settings.MQTT_TOPIC_PREFIX).strip("/")
        self.batch_rows, self.batch_seconds = batch_rows, batch_seconds
        self.forget_session = (
            False  # True: the broker drops the session when we disconnect (tests, benchmarks)
        )
        self.inbox: queue.Queue[_Message] = queue.Queue()
        self.subscribed = threading.Event()
        self.session = 0
        self.acknowledged = 0  # messages handled and acknowledged, for tests and benchmarks
        self.totals = {"received": 0, "stored": 0, "duplicates": 0, "rejected": 0, "alerts": 0}
        self._progress = threading.Condition()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or settings.MQTT_CLIENT_ID,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if parts.username:
            self.client.username_pw_set(unquote(parts.username), unquote(parts.password or "") or None)
        if parts.scheme == "mqtts":
            self.client.tls_set()
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    # Callbacks, in paho's network thread.
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        self.session += 1
        client.subscribe(topic_filter(self.prefix), qos=1)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.subscribed.clear()
        if reason_code.is_failure:
            logger.warning("MQTT broker %s:%s disconnected: %s", self.host, self.port, reason_code)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.error("MQTT subscription to %s refused: %s", topic_filter(self.prefix), reason_codes)
        else:
            self.subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        self.inbox.put(_Message(message.mid, message.qos, self.session, message.topic, message.payload))

    # The storing loop, in the caller's thread.
    def run(self, stop: threading.Event) -> None:
        connect = Properties(PacketTypes.CONNECT)
        connect.SessionExpiryInterval = SESSION_EXPIRY
        connect.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=connect)
        self.client.loop_start()
        try:
            while not stop.is_set():
                batch = self._gather()
                if batch:
                    self._handle(batch, stop)
        finally:
            goodbye = None
            if self.forget_session:
                goodbye = Properties(PacketTypes.DISCONNECT)
                goodbye.SessionExpiryInterval = 0
            self.client.disconnect(properties=goodbye)
            self.client.loop_stop()
            connections.close_all()  # this thread's own connection

    def wait_for(self, acknowledged: int, timeout: float = 10.0) -> bool:
        """Until `acknowledged` messages in all are handled (tests, benchmarks)."""
        with self._progress:
            return self._progress.wait_for(lambda: self.acknowledged >= acknowledged, timeout)

    def _gather(self) -> list[_Message]:
        """Messages for one batch: up to batch_rows readings, waiting at most batch_seconds after the first."""
        try:
            batch = [self._parse(self.inbox.get(timeout=0.5))]
        except queue.Empty:
            return []
        rows, deadline = len(batch[0].rows), time.monotonic() + self.batch_seconds
        while rows < self.batch_rows and (left := deadline - time.monotonic()) > 0:
            try:
                batch.append(self._parse(self.inbox.get(timeout=left)))
            except queue.Empty:
                break
            rows += len(batch[-1].rows)
        return batch

    def _parse(self, message: _Message) -> _Message:
        try:
            message.rows = rows_of(message.topic, message.payload, self.prefix)
        except ValueError as exc:
            logger.warning("MQTT message rejected (%s, %r): %s", message.topic, message.payload[:200], exc)
            with self._progress:
                self.totals["rejected"] += 1
        return message

    def _handle(self, batch: list[_Message], stop: threading.Event) -> None:
        rows = [row for message in batch for row in message.rows]
        origins = [message.topic for message in batch for _row in message.rows]
        totals: dict[str, int] = {}
        while rows:
            close_old_connections()
            try:
                totals = {}
                for start in range(0, len(rows), monitoring.MAX_BATCH):
                    end = start + monitoring.MAX_BATCH
                    for key, n in store(rows[start:end], origins[start:end]).items():
                        totals[key] = totals.get(key, 0) + n
                break
            except Exception:  # the database is away or locked: keep the batch, unacknowledged, and try again
                logger.exception("MQTT observations not stored; trying again in %g s", RETRY_SECONDS)
                connections.close_all()
                if stop.wait(RETRY_SECONDS):
                    return  # the broker sends them again after the restart
        close_old_connections()
        for message in batch:
            if message.qos and message.session == self.session:
                self.client.ack(message.mid, message.qos)
        with self._progress:
            for key, n in totals.items():
                self.totals[key] += n
            self.acknowledged += len(batch)
            self._progress.notify_all()


def start(stop: threading.Event) -> threading.Thread:
    """The subscriber in a daemon thread of the worker (core/worker.py), when MQTT_URL is set."""
    subscriber = Subscriber()
    thread = threading.Thread(target=subscriber.run, args=(stop,), name="mqtt-observations", daemon=True)
    thread.start()
    logger.info("Observations from %s, topics %s", subscriber.host, topic_filter(subscriber.prefix))
    return thread
