"""Lists export to CSV and XLSX with the same scope and filters as the page."""

import csv
import io

import pytest
from openpyxl import load_workbook

from yingji.core.models import Organisation, User

pytestmark = pytest.mark.django_db


def test_csv_export_has_the_filtered_rows_of_the_users_scope(login):
    client = login("meixian_office")
    response = client.get("/org/organisations/?kind=office&export=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "名称"
    names = [r[0] for r in rows[1:]]
    division = User.objects.get(username="meixian_office").organisation.division
    expected = Organisation.objects.filter(kind="office", division__path__startswith=division.path)
    assert sorted(names) == sorted(o.name for o in expected)
    assert User.objects.get(username="xingning_office").organisation.name not in names


def test_xlsx_export_opens_in_a_spreadsheet_with_every_row_beyond_the_first_page(login):
    from yingji.core.models import Contact

    owner = User.objects.get(username="city_office").organisation
    for i in range(60):
        Contact.objects.create(owner=owner, name=f"联系人{i}")
    client = login("city_office")
    response = client.get("/org/contacts/?export=xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["姓名", "职务", "所属单位"]
    assert sheet.max_row - 1 == Contact.objects.count()
    assert sheet.max_row - 1 > 60
