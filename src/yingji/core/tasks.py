from django.utils import timezone
from django_tasks import task

from yingji.core.models import Delivery


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery over its channel; a failure is recorded on the delivery and re-raised."""
    from yingji.core.notify import CHANNELS

    delivery = Delivery.objects.get(pk=delivery_id)
    if delivery.status == Delivery.Status.SENT:
        return delivery.status
    try:
        CHANNELS[delivery.channel].send(delivery.address, delivery.subject, delivery.body)
    except Exception as exc:
        delivery.status, delivery.error = Delivery.Status.FAILED, f"{type(exc).__name__}: {exc}"
        delivery.save(update_fields=["status", "error"])
        raise
    delivery.status, delivery.sent_at, delivery.error = Delivery.Status.SENT, timezone.now(), ""
    delivery.save(update_fields=["status", "sent_at", "error"])
    return delivery.status
