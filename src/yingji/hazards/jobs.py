"""Periodic: tell the responsible unit and the hazard's owner once when a rectification passes its deadline."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.models import User
from yingji.core.notify import notify
from yingji.core.periodic import every
from yingji.hazards.models import Rectification
from yingji.hazards.services import overdue_q


@every(600)
def notify_overdue_rectifications() -> int:
    """Each overdue rectification is told once (claimed with a conditional update, so several workers never
    tell it twice); a new deadline clears the claim. Returns how many were told."""
    told = 0
    candidates = Rectification.objects.filter(overdue_q(), overdue_notified_at__isnull=True).values_list(
        "pk", flat=True
    )
    for pk in list(candidates[:500]):
        with transaction.atomic():
            if not Rectification.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=timezone.now()
            ):
                continue  # another worker took it
            item = Rectification.objects.select_related("hazard", "unit").get(pk=pk)
            users = User.objects.filter(
                Q(organisation_id=item.unit_id) | Q(organisation_id=item.hazard.owner_id), is_active=True
            )
            subject = _("Rectification overdue: %(hazard)s") % {"hazard": item.hazard.name}
            body = _("%(measures)s — due %(deadline)s, responsible unit %(unit)s.") % {
                "measures": item.measures,
                "deadline": item.deadline,
                "unit": item.unit.name,
            }
            notify(users, subject, body, link=item.get_absolute_url())
            told += 1
    return told
