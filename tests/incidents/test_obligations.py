"""Reporting obligations: listed by the API, due-soon panel, late reports need a reason."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.models import User
from yingji.incidents import services

pytestmark = pytest.mark.django_db


def test_the_api_lists_an_incidents_obligations_with_due_times_and_status(report, api):
    incident = report("duty_city", "12D01", deaths=3)
    rows = api("duty_city").get(f"/api/v1/incidents/{incident.pk}/obligations/").json()
    assert {r["owed_to"] for r in rows} >= {"province"}
    assert all(r["status"] in ("pending", "overdue") for r in rows)
    assert rows == sorted(rows, key=lambda r: r["due_at"])


def test_a_late_report_needs_a_reason(report):
    incident = report("duty_city", "12D01", deaths=3, minutes_ago=300)
    user = User.objects.get(username="duty_city")
    overdue = incident.obligations.filter(due_at__lt=timezone.now(), done_at__isnull=True).first()
    assert overdue is not None
    with pytest.raises(ValidationError):
        services.complete_obligation(user, overdue)
    services.complete_obligation(user, overdue, reason="通讯中断")
    overdue.refresh_from_db()
    assert overdue.status() == "late" and overdue.late_reason == "通讯中断"


def test_a_report_made_in_time_is_on_time(report):
    incident = report("duty_city", "12D01", deaths=3, minutes_ago=5)
    user = User.objects.get(username="duty_city")
    pending = incident.obligations.filter(due_at__gt=timezone.now()).first()
    services.complete_obligation(user, pending)
    pending.refresh_from_db()
    assert pending.status() == "on_time"


def test_the_home_page_shows_reports_due_soon_or_overdue(report, login):
    incident = report("duty_city", "12D01", deaths=3, minutes_ago=90, title="反应釜爆炸")
    page = login("leader_city").get("/").content.decode()
    assert 'data-testid="deadline-panel"' in page and "反应釜爆炸" in page
    assert "待报" in page or "已超时" in page  # a report's status, not a delivery's ("待发送")
    assert incident.obligations.filter(due_at__lte=timezone.now() + datetime.timedelta(hours=2)).exists()


def test_reminders_go_out_once_before_the_deadline_and_once_when_overdue(report):
    from yingji.core.models import Notification
    from yingji.incidents.reminders import send_deadline_reminders

    incident = report("duty_city", "12D01", deaths=3, minutes_ago=5, title="提醒测试")
    first = incident.obligations.order_by("due_at").first()
    before = first.due_at - datetime.timedelta(minutes=10)
    assert send_deadline_reminders(now=before) >= 1
    assert send_deadline_reminders(now=before) == 0  # not twice
    leader_inbox = Notification.objects.filter(
        recipient__username="leader_city", subject__contains="提醒测试"
    )
    assert leader_inbox.count() >= 1
    after = first.due_at + datetime.timedelta(minutes=1)
    assert send_deadline_reminders(now=after) >= 1
    assert leader_inbox.filter(subject__contains=first.owed_to_label).count() >= 2


def test_the_map_shows_open_incidents_coloured_by_level_within_scope(report, login):
    from decimal import Decimal

    report(
        "xingning_office",
        "12D01",
        deaths=3,
        title="兴宁爆炸",
        latitude=Decimal("24.14"),
        longitude=Decimal("115.73"),
    )
    page = login("city_office").get("/incidents/map/")
    markers = page.context["markers"]
    assert [m["level"] for m in markers if m["label"].endswith("兴宁爆炸")] == [3]
    assert not [
        m
        for m in login("meixian_office").get("/incidents/map/").context["markers"]
        if "兴宁爆炸" in m["label"]
    ]


def test_reminders_also_email_the_reporting_units_primary_contacts(report):
    from yingji.core.models import Contact, Delivery
    from yingji.incidents.reminders import send_deadline_reminders

    incident = report("duty_city", "12D01", deaths=3, minutes_ago=5, title="联系人提醒")
    primary = Contact.objects.filter(owner=incident.owner, is_primary=True).exclude(email="")
    assert primary.exists()
    first = incident.obligations.order_by("due_at").first()
    send_deadline_reminders(now=first.due_at - datetime.timedelta(minutes=10))
    addresses = set(Delivery.objects.filter(subject__contains="联系人提醒").values_list("address", flat=True))
    assert set(primary.values_list("email", flat=True)) <= addresses
