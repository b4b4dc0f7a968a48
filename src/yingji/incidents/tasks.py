"""Background work of information reporting: the worker turns queued intakes into incidents."""

from django.conf import settings

from yingji.core.periodic import loop


@loop(idle_seconds=settings.INTAKE_POLL_SECONDS)
def process_intakes() -> int:
    """Queued reports from `POST /api/v1/intakes/` become incidents (or are rejected with the reason)."""
    from yingji.incidents import api, services

    return services.process_queued(api.REPORT_RULES.parse)
