import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from yingji.core.models import Contact, ObjectChange

pytestmark = pytest.mark.django_db

HEADER = "owner,name,post,mobile,office_phone,email,is_primary\n"


def csv_upload(body: str, header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile("contacts.csv", (header + body).encode("utf-8-sig"), content_type="text/csv")


def test_a_file_with_one_bad_row_imports_nothing_and_reports_every_rejected_cell(login):
    client = login("city_office")
    body = (
        "梅州市水利局,导入甲,值班员,13700000001,,,否\n"
        "梅州市不存在局,导入乙,,13700000002,,,否\n"
        "梅州市水利局,导入丙,,12345,,not-an-email,也许\n"
    )
    response = client.post("/org/contacts/import/", {"file": csv_upload(body)})
    report = response.context["report"]
    rejected = {(row, column) for row, column, _ in report.errors}
    assert (3, "owner") in rejected
    assert {(4, "is_primary")} <= rejected
    assert not Contact.objects.filter(name__startswith="导入").exists()
    page = response.content.decode()
    assert 'data-testid="import-report"' in page


def test_bad_values_in_a_good_row_name_their_column(login):
    client = login("city_office")
    body = "梅州市水利局,导入丙,,12345,,not-an-email,否\n"
    report = client.post("/org/contacts/import/", {"file": csv_upload(body)}).context["report"]
    assert {c for _, c, _ in report.errors} == {"mobile", "email"}


def test_a_good_file_imports_every_row_and_a_second_import_updates_them(login):
    client = login("city_office")
    body = "梅州市水利局,导入甲,值班员,13700000001,,,是\n梅州市梅县区水利局,导入乙,,13700000002,,,否\n"
    response = client.post("/org/contacts/import/", {"file": csv_upload(body)})
    assert response.status_code == 302
    first = Contact.objects.get(name="导入甲")
    assert first.is_primary and first.owner.name == "梅州市水利局"
    assert ObjectChange.objects.filter(object_repr__contains="导入甲").exists()
    again = "梅州市水利局,导入甲,科长,13700000009,,,否\n"
    client.post("/org/contacts/import/", {"file": csv_upload(again)})
    assert Contact.objects.filter(name="导入甲").count() == 1
    first.refresh_from_db()
    assert (first.post, first.mobile, first.is_primary) == ("科长", "13700000009", False)


def test_an_xlsx_file_with_translated_headers_and_only_some_columns_is_understood(login):
    client = login("city_office")
    book = Workbook()
    book.active.append(["所属单位", "姓名", "mobile"])
    book.active.append(["梅州市水利局", "导入丁", 13700000004])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("c.xlsx", buffer.getvalue())
    response = client.post("/org/contacts/import/", {"file": upload})
    assert response.status_code == 302, response.context["report"].errors
    assert Contact.objects.get(name="导入丁").mobile == "13700000004"


def test_a_county_cannot_import_into_another_countys_organisation(login):
    client = login("meixian_office")
    report = client.post(
        "/org/contacts/import/", {"file": csv_upload("兴宁市水利局,越权,,13700000005,,,否\n")}
    ).context["report"]
    assert [(r, c) for r, c, _ in report.errors] == [(2, "owner")]


def test_the_template_has_the_columns_and_an_example(login):
    response = login("city_office").get("/org/contacts/import/?template=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:2] == ["owner", "name"] and sheet.cell(row=2, column=1).value


def test_a_file_that_is_not_a_table_is_refused_with_a_reason(login):
    response = login("city_office").post(
        "/org/contacts/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert response.context["report"].errors[0][0] == 0
