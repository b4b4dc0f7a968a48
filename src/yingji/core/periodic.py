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
