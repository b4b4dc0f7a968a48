"""Notifications reach the in-app centre at once and go out by email from the worker, after commit."""

import pytest
from django.db import transaction

from yingji.core import worker
from yingji.core.models import Delivery, Notification, User
from yingji.core.notify import notify


@pytest.fixture
def officer(transactional_db):
    """A duty officer, in a database that really commits: the worker must see only what committed."""
    from yingji.core.models import Division, Organisation

    city = Division.objects.create(code="449901", name="测试市", level="city")
    office = Organisation.objects.create(name="测试市应急管理局", kind="office", division=city)
    return User.objects.create_user("duty_test", email="duty@example.org", organisation=office, role="duty")


def test_a_notification_is_in_the_centre_and_emailed_by_the_worker(smtp_server, officer, client):
    user = officer
    notify([user], "暴雨预警", "请注意值守", link="/")
    assert smtp_server.messages == []  # nothing leaves before the worker runs
    worker.run(batch=True)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == [user.email]
    assert "暴雨预警" in message.content.decode("utf-8", "replace") or b"=?utf-8?" in message.content
    assert Delivery.objects.get(notification__recipient=user).status == "sent"
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "暴雨预警" in page and 'data-testid="unread"' in page


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_server, officer):
    user = officer
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], "不应发出")
        raise RuntimeError("the write failed")
    worker.run(batch=True)
    assert smtp_server.messages == []
    assert not Notification.objects.filter(subject="不应发出").exists()


def test_a_failed_delivery_is_recorded_with_its_reason(settings, officer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    user = officer
    notify([user], "测试")
    worker.run(batch=True)
    delivery = Delivery.objects.get(notification__recipient=user)
    assert delivery.status == "failed" and "Connection" in delivery.error


@pytest.mark.django_db
def test_marking_notifications_read_clears_the_badge(login):
    user = User.objects.get(username="duty_city")
    notify([user], "值班提醒")
    client = login("duty_city")
    client.post("/org/notifications/read/")
    assert 'data-testid="unread"' not in client.get("/").content.decode()
