"""The city corrects the grading table and the reporting policy in the browser: checked whole, then applied."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.incidents.models import RuleTable
from yingji.rules import deadlines

pytestmark = pytest.mark.django_db


def upload(client, kind, text, note="按市政府文件调整"):
    csv_file = SimpleUploadedFile(f"{kind}.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post("/incidents/rules/", {"kind": kind, "file": csv_file, "note": note})


def test_the_administrator_shortens_a_deadline_and_new_incidents_follow_it(login, report):
    admin = login("city_admin")
    text = deadlines.DEFAULT_POLICY.read_text(encoding="utf-8")
    shorter = text.replace(
        "city_province,first,*,,3,city,province,occurred,120,",
        "city_province,first,*,,3,city,province,occurred,90,",
    )
    assert shorter != text, "the default policy changed: adjust this test's row"
    response = upload(admin, "policy", shorter)
    assert response.status_code == 302
    assert RuleTable.objects.filter(kind="policy").count() == 1
    incident = report("duty_city", "12D01", deaths=3)
    province = incident.obligations.get(key="city_province")
    assert (province.due_at - incident.occurred_at).total_seconds() == 90 * 60


def test_a_table_with_a_bad_row_is_refused_whole_with_the_line_named(login):
    admin = login("city_admin")
    text = deadlines.DEFAULT_POLICY.read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[3] = lines[3].replace(",120,", ",soon,", 1) if ",120," in lines[3] else lines[3] + ",extra"
    response = upload(admin, "policy", "\n".join(lines) + "\n")
    assert response.status_code == 200
    assert "line 4" in " ".join(response.context["errors"]["policy"])
    assert not RuleTable.objects.exists()


def test_only_the_administrator_uploads_and_everyone_in_reporting_can_read(login):
    assert login("city_office").get("/incidents/rules/").status_code == 200
    assert upload(login("city_office"), "grading", "x").status_code == 403
    assert (
        login("city_office")
        .get("/incidents/rules/grading.csv")
        .content.decode("utf-8-sig")
        .startswith("family,")
    )
