"""Notifications: an in-app message per user, carried further by channels (email now, SMS later).

`notify()` runs inside the caller's transaction: the in-app rows and the delivery tasks
commit together with the data they are about, and the worker sends only what committed.
"""

from django.conf import settings
from django.core.mail import send_mail

from yingji.core.models import Delivery, Notification


class Channel:
    """A way to reach a person outside the platform. Subclasses say how to address and how to send."""

    name = ""

    def address_for(self, user) -> str:
        raise NotImplementedError

    def send(self, address: str, subject: str, body: str) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def address_for(self, user) -> str:
        return user.email

    def send(self, address, subject, body):
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)


class SmsChannel(Channel):
    """Text messages through a gateway; a site plugs in its gateway by subclassing `send`."""

    name = "sms"

    def address_for(self, user) -> str:
        return user.mobile

    def send(self, address, subject, body):
        raise NotImplementedError("No SMS gateway is configured (NOTIFY_CHANNELS lists sms).")


CHANNELS: dict[str, Channel] = {c.name: c for c in (EmailChannel(), SmsChannel())}


def active_channels() -> list[Channel]:
    return [CHANNELS[name] for name in settings.NOTIFY_CHANNELS if name in CHANNELS]


def notify(users, subject: str, body: str = "", link: str = "") -> list[Notification]:
    from yingji.core.tasks import deliver

    notifications = []
    for user in users:
        notification = Notification.objects.create(
            recipient=user, subject=subject[:200], body=body, link=link
        )
        notifications.append(notification)
        for channel in active_channels():
            address = channel.address_for(user)
            if address:
                delivery = Delivery.objects.create(
                    channel=channel.name,
                    address=address,
                    subject=subject[:200],
                    body=body,
                    notification=notification,
                )
                deliver.enqueue(delivery.pk)
    return notifications


def notify_contacts(contacts, subject: str, body: str = "") -> list[Delivery]:
    """Email the given contacts (people without an account, e.g. an organisation's duty contacts)."""
    from yingji.core.tasks import deliver

    deliveries = []
    for contact in contacts:
        if contact.email:
            delivery = Delivery.objects.create(
                channel="email", address=contact.email, subject=subject[:200], body=body
            )
            deliver.enqueue(delivery.pk)
            deliveries.append(delivery)
    return deliveries
