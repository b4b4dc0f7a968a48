"""Reminders before a report is due and when it is overdue, to the people responsible for the incident."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yingji.core.notify import notify, notify_contacts
from yingji.core.periodic import every
from yingji.incidents.models import Obligation
from yingji.incidents.services import responsible_users

REMIND_BEFORE = datetime.timedelta(minutes=30)


def _claim(obligation: Obligation, flag: str) -> bool:
    """True for the one worker that sets the flag first (the change log need not record a reminder flag)."""
    return Obligation.objects.filter(pk=obligation.pk, **{flag: False}).update(**{flag: True}) == 1


@every(60)
@transaction.atomic
def send_deadline_reminders(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    open_ones = Obligation.objects.filter(done_at__isnull=True, withdrawn_at__isnull=True).select_related(
        "incident__division", "incident__event_type"
    )
    sent = 0
    for obligation in open_ones.filter(notified_soon=False, due_at__gt=now, due_at__lte=now + REMIND_BEFORE):
        if _claim(obligation, "notified_soon"):
            _remind(obligation, _("Report due at %(time)s: %(report)s for %(incident)s"))
            sent += 1
    for obligation in open_ones.filter(notified_overdue=False, due_at__lte=now):
        if _claim(obligation, "notified_overdue"):
            _remind(obligation, _("Overdue since %(time)s: %(report)s for %(incident)s"))
            sent += 1
    return sent


def _remind(obligation: Obligation, template: str) -> None:
    incident = obligation.incident
    subject = template % {
        "time": timezone.localtime(obligation.due_at).strftime("%m-%d %H:%M"),
        "report": f"{obligation.get_kind_label()} {obligation.owed_by_label} → {obligation.owed_to_label}",
        "incident": incident.title,
    }
    notify(responsible_users(incident), subject, link=obligation.get_absolute_url())
    # The reporting unit's primary contacts may have no account: they get the email too.
    notify_contacts(incident.owner.contacts.filter(is_primary=True), subject)
