"""Jobs the worker runs on a clock (deadline reminders...). Each job must be safe to run from several
workers at once: it claims what it handles with a conditional update."""

import logging
import time

logger = logging.getLogger(__name__)

JOBS: list[tuple[object, int]] = []
_last_run: dict[object, float] = {}


def every(seconds: int):
    def register(function):
        JOBS.append((function, seconds))
        return function

    return register


def run_due() -> None:
    now = time.monotonic()
    for function, seconds in JOBS:
        if now - _last_run.get(function, -seconds) >= seconds:
            _last_run[function] = now
            try:
                function()
            except Exception:  # one failing job must not stop the others or the heartbeat
                logger.exception("Periodic job %s failed", getattr(function, "__name__", function))


# Loops: work the worker takes as soon as it appears (queued intakes), each in a thread of its own.
LOOPS: list[tuple[object, float]] = []


def loop(idle_seconds: float):
    """Register `function() -> int` (work done) for the worker to call over and over: again at once while it
    finds work, after `idle_seconds` when it finds none. Like the jobs, it must be safe in several workers."""

    def register(function):
        LOOPS.append((function, idle_seconds))
        return function

    return register


def run_loop(function, idle_seconds: float, stop) -> None:
    from django.db import close_old_connections, connections

    try:
        while not stop.is_set():
            try:
                done = function()
            except Exception:
                logger.exception("Loop %s failed", getattr(function, "__name__", function))
                done = 0
            finally:
                close_old_connections()
            if not done:
                stop.wait(idle_seconds)
    finally:
        connections.close_all()  # this thread's own connection
