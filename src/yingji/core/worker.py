"""`yingji worker`: the django-tasks-db worker, a heartbeat that /healthz reads, the loops (queued intakes), and
the MQTT subscriber for station observations when MQTT_URL is set (warnings/mqtt.py)."""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
from django_tasks_db.management.commands.db_worker import Worker

from yingji.core import periodic
from yingji.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(worker_id: str, started_at) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:200],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": timezone.now(),
        },
    )


def _heartbeat_loop(worker_id: str, started_at, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                beat(worker_id, started_at)
            except Exception:  # a locked database must not stop the beat
                logger.exception("Worker heartbeat failed")
            try:
                periodic.run_due()
            finally:
                close_old_connections()
    finally:
        connections.close_all()  # this thread's own connection


def run(interval: float = 1.0, batch: bool = False) -> None:
    if settings.WORKER_NICE > 0 and hasattr(os, "nice"):
        os.nice(min(settings.WORKER_NICE, 19))  # yield the CPU to the web server under load
    worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(6)}"
    started_at = timezone.now()
    stop = threading.Event()
    beat(worker_id, started_at)
    thread = threading.Thread(target=_heartbeat_loop, args=(worker_id, started_at, stop), daemon=True)
    thread.start()
    subscriber = None
    if settings.MQTT_URL and not batch:
        from yingji.warnings import mqtt  # observations from the stations' broker (docs/configuration.md)

        subscriber = mqtt.start(stop)
    loops = []
    for function, idle_seconds in periodic.LOOPS:  # queued intakes...
        if batch:
            function()
        else:
            loops.append(
                threading.Thread(target=periodic.run_loop, args=(function, idle_seconds, stop), daemon=True)
            )
            loops[-1].start()
    worker = Worker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    if not batch:
        worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
        thread.join()
        for each in loops:
            each.join()
        if subscriber is not None:
            subscriber.join(10)  # its current batch is committed or, unacknowledged, sent again by the broker
