import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yingji.plans.models import Plan

pytestmark = pytest.mark.django_db

HEADER = (
    "title,number,kind,category,required,event_types,owner,approved_by,issued_on,effective_on,status,file\n"
)


def csv_file(body: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("plans.csv", (HEADER + body).encode("utf-8-sig"), content_type="text/csv")


def test_the_plan_list_page_takes_a_fixed_number_of_queries(make_plan, login, django_assert_num_queries):
    for i in range(12):
        make_plan("梅州市水利局", title=f"预案{i}", status="issued")
    client = login("city_office")
    client.get("/plans/all/")
    with django_assert_num_queries(7):
        response = client.get("/plans/all/")
    assert response.status_code == 200 and "预案11" in response.content.decode()


def test_the_plan_page_shows_filing_and_the_response_section(make_plan, login):
    plan = make_plan("梅州市梅县区水利局", status="issued")
    page = login("meixian_office").get(plan.get_absolute_url()).content.decode()
    assert "梅州市水利局" in page and 'data-testid="submit-filing"' in page


def test_the_coverage_page_and_its_workbook_show_every_required_plan(make_plan, login):
    make_plan("梅州市水利局", required=1, status="issued")
    client = login("city_office")
    page = client.get("/plans/coverage/").content.decode()
    assert page.count('data-state="') == 24 * 9
    book = load_workbook(io.BytesIO(client.get("/plans/coverage/?export=xlsx").content))
    sheet = book.worksheets[0]
    assert sheet.max_row == 25 and sheet.cell(row=1, column=2).value == "梅州市"
    assert sheet.cell(row=2, column=2).value in ("已发布未备案", "Issued, not filed")


def test_an_import_with_one_bad_row_saves_nothing_and_names_every_rejected_cell(login):
    client = login("city_office")
    body = (
        "梅州市导入预案甲,,special,natural,防汛防旱防风应急预案,11A,梅州市水利局,,2025-03-01,,issued,\n"
        "梅州市导入预案乙,,bogus,natural,,,梅州市不存在局,,,,draft,\n"
        "梅州市导入预案丙,,special,safety,,,梅州市应急管理局,,2025-13-01,,issued,甲.pdf\n"
    )
    response = client.post("/plans/import/", {"table": csv_file(body)})
    report = response.context["report"]
    assert not report.ok
    assert (3, "owner") in [(r, c) for r, c, _ in report.errors]
    assert {(4, "issued_on"), (4, "file")} <= {(r, c) for r, c, _ in report.errors}
    assert not Plan.objects.filter(title__startswith="梅州市导入预案").exists()


def test_an_import_saves_all_rows_with_their_files_and_a_second_import_updates_them(login):
    client = login("city_office")
    body = "梅州市导入预案甲,梅府〔2025〕1号,special,natural,防汛防旱防风应急预案,11A,梅州市水利局,,2025-03-01,,issued,甲.txt\n"
    upload = SimpleUploadedFile("甲.txt", "山洪灾害防御".encode(), content_type="text/plain")
    response = client.post("/plans/import/", {"table": csv_file(body), "files": [upload]})
    assert response.status_code == 302
    plan = Plan.objects.get(title="梅州市导入预案甲")
    assert plan.required.order == 1 and plan.filing_due and plan.versions.get().text == "山洪灾害防御"
    body = body.replace("梅府〔2025〕1号", "梅府〔2025〕2号").replace("甲.txt", "")
    client.post("/plans/import/", {"table": csv_file(body)})
    assert Plan.objects.filter(title="梅州市导入预案甲").count() == 1
    assert Plan.objects.get(title="梅州市导入预案甲").number == "梅府〔2025〕2号"


def test_a_county_cannot_import_plans_for_a_city_department(login):
    client = login("meixian_office")
    body = "越权预案,,department,natural,,,梅州市水利局,,,,draft,\n"
    report = client.post("/plans/import/", {"table": csv_file(body)}).context["report"]
    assert [(r, c) for r, c, _ in report.errors] == [(2, "owner")]


def test_the_api_lists_plans_in_reach_with_their_response_levels(make_plan, api):
    make_plan("兴宁市水利局", title="兴宁草稿")
    make_plan("梅州市梅县区水利局", title="梅县草稿")
    titles = [p["title"] for p in api("meixian_office").get("/api/v1/plans/").json()["results"]]
    assert "梅县草稿" in titles and "兴宁草稿" not in titles


def test_a_plan_created_through_the_api_gets_its_filing_body_and_deadline(api):
    from tests.plans.conftest import org

    client = api("meixian_office")
    payload = {"title": "梅县地灾预案", "kind": "special", "category": "natural", "status": "issued"}
    response = client.post(
        "/api/v1/plans/", {**payload, "owner": org("梅州市梅县区自然资源局").pk}, format="json"
    )
    assert response.status_code == 400 and "issued_on" in response.json()
    response = client.post(
        "/api/v1/plans/",
        {**payload, "owner": org("梅州市梅县区自然资源局").pk, "issued_on": "2026-09-15"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filing_body"] == org("梅州市自然资源局").pk and body["filing_due"] == "2026-10-19"
    assert body["level"] == "county"
    other = client.post(
        "/api/v1/plans/",
        {**payload, "owner": org("兴宁市水利局").pk, "issued_on": "2026-09-15"},
        format="json",
    )
    assert other.status_code == 400 and "owner" in other.json()


def test_a_plan_and_the_regulation_it_rests_on_link_to_each_other(make_plan, login):
    from tests.plans.conftest import org
    from yingji.regulations.models import Regulation

    law = Regulation.objects.create(
        title="生产安全事故应急条例", kind="regulation", level="national", owner=org("梅州市应急管理局")
    )
    plan = make_plan("梅州市应急管理局", title="梅州市生产安全事故灾难应急预案", status="issued")
    plan.regulations.add(law)
    client = login("xingning_office")
    assert "生产安全事故应急条例" in client.get(plan.get_absolute_url()).content.decode()
    assert "梅州市生产安全事故灾难应急预案" in client.get(law.get_absolute_url()).content.decode()


def test_the_import_template_has_the_columns_and_an_example(login):
    import csv

    response = login("city_office").get("/plans/import/template.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["title", "number", "kind", "category"] and rows[1][2] == "special"
