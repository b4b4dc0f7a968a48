"""Information reports: numbered, frozen, printable, in Word, and submitting one fulfils the obligation."""

import io

import pytest
from docx import Document

pytestmark = pytest.mark.django_db


def test_a_first_report_is_generated_downloaded_and_submitted_on_time(report, login):
    incident = report("duty_city", "12D01", deaths=3, minutes_ago=5, title="反应釜爆炸")
    client = login("duty_city")
    response = client.post(f"/incidents/{incident.pk}/reports/new/", {"kind": "first"})
    document = incident.reports.get()
    assert response["Location"] == document.get_absolute_url() and document.number == 1
    page = client.get(document.get_absolute_url()).content.decode()
    assert "突发事件信息报告" in page and "反应釜爆炸" in page and "死亡 3" in page
    word = Document(io.BytesIO(client.get(f"/incidents/reports/{document.pk}/docx/").content))
    assert any("反应釜爆炸" in p.text for p in word.paragraphs)
    client.post(f"/incidents/reports/{document.pk}/submit/", {"to": "province"})
    document.refresh_from_db()
    assert document.submitted_to == "province" and document.obligation.status() == "on_time"


def test_reports_are_numbered_in_order_and_keep_what_they_said(report, login):
    from yingji.core.models import User
    from yingji.incidents import services

    incident = report("duty_city", "12D01", deaths=3, minutes_ago=5)
    client = login("duty_city")
    client.post(f"/incidents/{incident.pk}/reports/new/", {"kind": "first"})
    incident = services.update(
        User.objects.get(username="duty_city"), incident, {"deaths": 4}, incident.version
    )
    client.post(f"/incidents/{incident.pk}/reports/new/", {"kind": "followup"})
    first, second = incident.reports.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.content["casualties"]["deaths"] == 3 and second.content["casualties"]["deaths"] == 4
