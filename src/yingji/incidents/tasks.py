"""Background work of information reporting."""

from django_tasks import task


@task()
def process_intake(intake_id: int) -> str:
    """Turn a report queued by `POST /api/v1/intakes/` into an incident (or reject it with the reason)."""
    from yingji.incidents import api, services

    return services.process_intake(intake_id, api.REPORT_RULES.parse)
