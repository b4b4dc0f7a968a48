"""Observations over MQTT, through the local Mosquitto broker (127.0.0.1:1883): the subscriber runs in a thread with
its own database connection, as in the worker, so these tests are transactional."""

import datetime
import json
import logging
import secrets
import socket
import threading

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from tests.conftest import CI
from tests.warnings.conftest import user
from yingji.core.models import Division, Notification
from yingji.warnings import mqtt as subscriber_module
from yingji.warnings.models import Observation, Station, StationAlert

BROKER = ("127.0.0.1", 1883)


@pytest.fixture(scope="module")
def broker():
    try:
        socket.create_connection(BROKER, timeout=2).close()
    except OSError as exc:
        if CI:
            pytest.fail(f"The MQTT broker is required under CI at {BROKER[0]}:{BROKER[1]} ({exc})")
        pytest.skip(f"No MQTT broker at {BROKER[0]}:{BROKER[1]} (apt install mosquitto)")
    return f"mqtt://{BROKER[0]}:{BROKER[1]}"


@pytest.fixture
def names():
    """A topic prefix and client id of this test's own, so that runs never see each other's messages."""
    token = secrets.token_hex(4)
    return f"yingji-test-{token}/stations", f"yingji-test-{token}"


@pytest.fixture
def gauge(demo_live):
    return Station.objects.create(
        code="MX-RAIN-01",
        name="松口雨量站",
        kind="rain",
        rule="rain_1h",
        owner=user("meixian_office").organisation,
        division=Division.objects.get(code="441403"),
    )


class Running:
    """A subscriber in a thread, as the worker runs it."""

    def __init__(self, url, prefix, client_id):
        self.subscriber = subscriber_module.Subscriber(url, prefix, client_id, batch_seconds=0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.subscriber.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.subscriber.subscribed.wait(5), "no subscription within 5 s"

    def wait_for(self, messages: int) -> None:
        assert self.subscriber.wait_for(messages, 10), f"{self.subscriber.acknowledged} of {messages} handled"

    def close(self, forget: bool = True) -> None:
        self.subscriber.forget_session = forget
        self.stop.set()
        self.thread.join(10)


@pytest.fixture
def subscriber(broker, names, gauge):
    running = Running(broker, *names)
    yield running
    running.close()


@pytest.fixture
def publish(broker, names):
    """Publish as a station's gateway does: QoS 1, to <prefix>/<station code>/observations."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{names[1]}-station")
    client.connect(*BROKER)
    client.loop_start()

    def _publish(payload, station="MX-RAIN-01"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        client.publish(f"{names[0]}/{station}/observations", data, qos=1).wait_for_publish(5)

    yield _publish
    client.disconnect()
    client.loop_stop()


def reading(value, minutes_ago):
    when = timezone.localtime() - datetime.timedelta(minutes=minutes_ago)
    return {"time": when.replace(microsecond=0).isoformat(), "value": value}


def test_a_reading_is_stored_and_a_threshold_crossing_alerts_the_duty_officers(subscriber, publish, gauge):
    publish(reading(12.5, 30))
    subscriber.wait_for(1)
    assert list(Observation.objects.values_list("value", flat=True)) == [12.5]
    publish(reading(55, 20))
    subscriber.wait_for(2)
    alert = StationAlert.objects.get(station=gauge)
    assert (alert.level, alert.raised, alert.value) == ("yellow", True, 55)
    gauge.refresh_from_db()
    assert gauge.level == "yellow"
    assert Notification.objects.filter(
        recipient__username="duty_city", subject__contains="松口雨量站"
    ).exists()


def test_a_list_is_one_batch_and_the_same_time_again_is_one_reading(subscriber, publish, gauge):
    readings = [reading(48, 50), reading(50, 40), reading(49, 30), reading(51, 20)]
    publish(readings)
    subscriber.wait_for(1)
    publish(readings[-1])  # a gateway's retry
    subscriber.wait_for(2)
    assert Observation.objects.filter(station=gauge).count() == 4
    assert subscriber.subscriber.totals["duplicates"] == 1
    assert [(a.level, a.raised) for a in StationAlert.objects.all()] == [("yellow", True)]  # hysteresis


def test_bad_messages_are_logged_and_the_good_readings_beside_them_stored(subscriber, publish, gauge, caplog):
    caplog.set_level(logging.WARNING, logger="yingji.warnings.mqtt")
    publish(b"{not json")
    publish(reading(10, 50), station="XN-UNKNOWN")
    publish([reading(11, 40), {"time": "yesterday", "value": "many"}, reading(12, 30)])
    publish({"time": reading(0, 0)["time"], "value": 1e20})  # too large for the column
    publish(reading(13, 20))
    subscriber.wait_for(5)
    assert sorted(Observation.objects.values_list("value", flat=True)) == [11, 12, 13]
    rejected = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(rejected) == 4, rejected
    assert any("not JSON" in m for m in rejected)
    assert any("XN-UNKNOWN" in m and "station: Unknown station" in m for m in rejected)
    assert any("yesterday" in m and "time: " in m and "value: " in m for m in rejected)
    assert any("1e+20" in m for m in rejected)


def test_readings_sent_while_the_worker_restarts_arrive_after_it(broker, names, gauge, publish):
    Running(broker, *names).close(forget=False)  # the broker keeps the session and queues for it
    publish(reading(60, 10))
    again = Running(broker, *names)
    try:
        again.wait_for(1)
    finally:
        again.close()
    assert Observation.objects.get(station=gauge).value == 60
    assert StationAlert.objects.filter(station=gauge, level="yellow").exists()
