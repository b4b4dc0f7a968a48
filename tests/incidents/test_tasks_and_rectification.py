"""Tasks during the response and rectification afterwards, each step in the event log."""

import datetime

import pytest
from django.utils import timezone

from yingji.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_a_task_is_assigned_to_a_unit_and_marked_done(report, login):
    incident = report("city_office", "12D01", division="441403", deaths=3)
    unit = Organisation.objects.get(name="梅州市梅县区应急管理局")
    client = login("city_office")
    due = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/incidents/{incident.pk}/tasks/", {"title": "疏散周边群众", "unit": unit.pk, "due_at": due})
    task = incident.tasks.get()
    assert task.unit == unit and task.status == "open" and not task.overdue
    client.post(f"/incidents/{incident.pk}/tasks/{task.pk}/", {"status": "done"})
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None
    assert incident.log.filter(kind="task").count() == 2


def test_a_task_cannot_go_to_a_unit_in_another_county(report, login):
    incident = report("meixian_office", "12D01", deaths=1)
    other = User.objects.get(username="xingning_office").organisation
    login("meixian_office").post(f"/incidents/{incident.pk}/tasks/", {"title": "越界", "unit": other.pk})
    assert not incident.tasks.exists()


def test_rectification_is_verified_by_a_second_person_only(report, login):
    incident = report("city_office", "12D01", division="441403", deaths=3)
    unit = Organisation.objects.get(name="梅州市梅县区应急管理局")
    office = login("city_office")
    deadline = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    office.post(
        f"/incidents/{incident.pk}/rectification/",
        {"unit": unit.pk, "measure": "全面排查反应釜", "deadline": deadline},
    )
    item = incident.rectifications.get()
    office.post(f"/incidents/{incident.pk}/rectification/{item.pk}/", {"step": "done"})
    office.post(f"/incidents/{incident.pk}/rectification/{item.pk}/", {"step": "verify"})
    item.refresh_from_db()
    assert item.status == "done"  # the same person may not verify
    login("meixian_office").post(f"/incidents/{incident.pk}/rectification/{item.pk}/", {"step": "verify"})
    item.refresh_from_db()
    assert item.status == "verified" and item.verified_by.username == "meixian_office"


def test_an_overdue_rectification_is_flagged(report):
    from yingji.incidents import services

    incident = report("city_office", "12D01", deaths=1)
    unit = User.objects.get(username="city_office").organisation
    item = services.add_rectification(
        User.objects.get(username="city_office"),
        incident,
        unit=unit,
        measure="整改",
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert item.overdue
