from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from yingji.core.models import WorkerHeartbeat


def worker_status() -> dict:
    last = WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()
    if last is None:
        return {"status": "missing", "last_heartbeat": None, "age_seconds": None}
    age = (timezone.now() - last).total_seconds()
    stale = age > 3 * settings.WORKER_HEARTBEAT_SECONDS
    return {
        "status": "stale" if stale else "ok",
        "last_heartbeat": last.isoformat(),
        "age_seconds": round(age, 1),
    }


@never_cache
def healthz(request):
    """Database reachable and a worker alive: 200; otherwise 503 with what is wrong."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"status": "ok", "vendor": connection.vendor}
        worker = worker_status()
    except Exception as exc:  # noqa: BLE001
        database = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
        worker = {"status": "unknown"}
    healthy = database["status"] == "ok" and worker["status"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "worker": worker},
        status=200 if healthy else 503,
    )
