import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.materials.conftest import county, days, item, user
from yingji.materials import services
from yingji.materials.models import Movement, Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(make_warehouse):
    """12 warehouses in 梅县区, each with two items in two batches and an issue."""
    office = user("meixian_office")
    stores = []
    for n in range(12):
        w = make_warehouse(name=f"梅县区列表仓库{n:02d}")
        for code in ("2-LIFEJ", "1-WATER"):
            services.receive(office, w, item(code), 100, batch_number="A", expires_on=days(100))
            services.receive(office, w, item(code), 50, batch_number="B", expires_on=days(200))
            services.issue(office, w, item(code), 10, reason="发放")
        stores.append(w)
    return stores


@pytest.mark.parametrize(
    ("url", "queries", "seen"),
    [
        ("/materials/warehouses/", 7, "梅县区列表仓库11"),
        ("/materials/stock/", 8, "梅县区列表仓库11"),
        ("/materials/movements/", 8, "梅县区列表仓库11"),
        ("/materials/items/", 6, "救生衣"),
    ],
)
def test_list_pages_take_a_fixed_number_of_queries(
    many, login, django_assert_num_queries, url, queries, seen
):
    client = login("meixian_office")
    client.get(url)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200 and seen in response.content.decode()


def test_the_warehouse_page_shows_stock_by_item_and_batch_and_the_forms(many, login):
    page = login("meixian_office").get(many[0].get_absolute_url()).content.decode()
    assert 'data-item="2-LIFEJ"' in page and 'data-testid="form-dispatch"' in page
    assert "救生衣" in page and "发放" in page
    assert (
        'data-testid="form-receipt"'
        not in login("duty_city").get(many[0].get_absolute_url()).content.decode()
    )


def test_a_sibling_county_gets_404_for_the_warehouse_and_its_forms(many, login):
    client = login("xingning_office")
    assert client.get(many[0].get_absolute_url()).status_code == 404
    response = client.post(
        f"/materials/warehouses/{many[0].pk}/movements/issue/",
        {"issue-item": item("2-LIFEJ").pk, "issue-quantity": "1", "issue-reason": "越权"},
    )
    assert response.status_code == 404


def test_recording_through_the_page_names_the_field_of_a_refusal(many, login):
    client = login("meixian_office")
    url = f"/materials/warehouses/{many[0].pk}/movements/issue/"
    response = client.post(
        url, {"issue-item": item("2-LIFEJ").pk, "issue-quantity": "500", "issue-reason": "抢险"}, follow=True
    )
    text = response.content.decode()
    assert "数量" in text or "Quantity" in text
    assert "140" in text and "500" in text
    client.post(url, {"issue-item": item("2-LIFEJ").pk, "issue-quantity": "40", "issue-reason": "抢险"})
    assert services.balance_of(many[0], item("2-LIFEJ")) == 100
    response = client.post(url, {"issue-item": item("2-LIFEJ").pk, "issue-quantity": "1"}, follow=True)
    assert services.balance_of(many[0], item("2-LIFEJ")) == 100  # the reason is required


def test_lists_export_to_csv_and_xlsx(many, login):
    client = login("meixian_office")
    csv_text = client.get("/materials/stock/?export=csv").content.decode("utf-8-sig")
    assert "梅县区列表仓库00" in csv_text and "救生衣" in csv_text
    book = load_workbook(io.BytesIO(client.get("/materials/movements/?export=xlsx").content))
    assert book.worksheets[0].max_row == 1 + 12 * 2 * 3


def test_the_movement_list_filters_by_kind_and_item(many, login):
    page = login("meixian_office").get(f"/materials/movements/?kind=issue&item={item('1-WATER').pk}")
    assert len(page.context["object_list"]) == 12


def test_the_api_records_a_movement_once_per_entry_id_and_names_bad_fields(many, api):
    client = api("meixian_office")
    key = str(uuid.uuid4())
    body = {
        "kind": "issue",
        "warehouse": many[0].pk,
        "item": "2-LIFEJ",
        "quantity": "12",
        "reason": "发放",
        "entry": key,
    }
    first = client.post("/api/v1/stock-movements/", body, format="json")
    assert first.status_code == 201 and first.json()["movements"][0]["quantity"] == "-12.000"
    again = client.post("/api/v1/stock-movements/", body, format="json")
    assert again.status_code == 200 and again.json()["movements"] == first.json()["movements"]
    bad = client.post("/api/v1/stock-movements/", {**body, "item": "NO-SUCH", "entry": None}, format="json")
    assert bad.status_code == 400 and "item" in bad.json()
    bad = client.post(
        "/api/v1/stock-movements/",
        {**body, "quantity": "-3", "kind": "receipt", "entry": None},
        format="json",
    )
    assert bad.status_code == 400 and "quantity" in bad.json()
    bad = client.post("/api/v1/stock-movements/", {**body, "quantity": "999", "entry": None}, format="json")
    assert bad.status_code == 400 and "128" in bad.json()["quantity"][0]
    bad = client.post("/api/v1/stock-movements/", {**body, "reason": "", "entry": None}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()


def test_the_api_lists_stock_and_movements_within_reach(many, api, django_assert_max_num_queries):
    client = api("xingning_office")
    assert client.get("/api/v1/stock/").json()["count"] == 0
    client = api("meixian_office")
    with django_assert_max_num_queries(6):
        stock = client.get("/api/v1/stock/?page_size=100").json()
    assert stock["count"] == 12 * 2 * 2 and stock["results"][0]["unit"]
    with django_assert_max_num_queries(6):
        movements = client.get("/api/v1/stock-movements/?page_size=100").json()
    assert movements["count"] == 12 * 2 * 3
    assert client.delete(f"/api/v1/stock-movements/{Movement.objects.first().pk}/").status_code == 405


def test_the_api_lists_and_creates_warehouses_and_reads_the_catalogue(api):
    client = api("meixian_office")
    created = client.post(
        "/api/v1/warehouses/",
        {"name": "梅县接口仓库", "owner": user("meixian_office").organisation_id, "division": county("梅县区").pk,
         "latitude": "24.27", "longitude": "116.08", "kind": "government"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    assert Warehouse.objects.get(name="梅县接口仓库").cell is not None
    assert client.get("/api/v1/material-items/?q=救生衣").json()["results"][0]["code"] == "2-LIFEJ"
    assert (
        client.post("/api/v1/material-items/", {"code": "X", "name": "X"}, format="json").status_code == 403
    )


def test_the_census_counts_warehouses_and_stock_per_class_in_a_division(many):
    result = services.census(county("梅县区"))
    assert list(result.values())[0] == 12  # the first row: how many warehouses
    classes = next(v for k, v in result.items() if isinstance(v, dict) and len(v) == 3)
    assert list(classes.values()) == [12 * 140, 12 * 140, 0]
    assert services.census(county("兴宁市"))[next(iter(result))] == 0


def test_the_nearest_search_finds_warehouses_holding_an_item_with_the_quantity(many):
    from yingji.resources.nearest import find

    results = find(user("city_office"), "warehouse", 24.27, 116.08, k=3, filters={"item": "2-LIFEJ"})
    assert len(results) == 3 and results[0]["quantity"] == "140"
    assert find(user("xingning_office"), "warehouse", 24.27, 116.08, k=3, filters={"item": "2-LIFEJ"}) == []


def warehouse_file(body: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "name,kind,owner,division,address,latitude,longitude,capacity,capacity_unit\n"
    return SimpleUploadedFile("warehouses.csv", (header + body).encode("utf-8-sig"), content_type="text/csv")


def test_a_warehouse_import_with_one_bad_row_saves_nothing_and_a_second_import_updates(login):
    client = login("meixian_office")
    assert 'data-testid="import-link"' in client.get("/materials/warehouses/").content.decode()
    body = (
        "梅县导入仓库甲,government,梅州市梅县区应急管理局,梅县区,新城,24.27,116.08,500,m2\n"
        "梅县导入仓库乙,government,梅州市梅县区应急管理局,不存在区,新城,24.27,116.08,500,m2\n"
        "梅县导入仓库丙,government,梅州市梅县区应急管理局,梅县区,新城,124.27,116.08,500,m2\n"
    )
    report = client.post("/materials/warehouses/import/", {"file": warehouse_file(body)}).context["report"]
    assert {(r, c) for r, c, _ in report.errors} == {(3, "division"), (4, "latitude")}
    assert not Warehouse.objects.filter(name__startswith="梅县导入仓库").exists()
    body = "梅县导入仓库甲,government,梅州市梅县区应急管理局,梅县区,新城,24.27,116.08,500,m2\n"
    assert client.post("/materials/warehouses/import/", {"file": warehouse_file(body)}).status_code == 302
    client.post("/materials/warehouses/import/", {"file": warehouse_file(body.replace("500", "900"))})
    imported = Warehouse.objects.get(name="梅县导入仓库甲")
    assert imported.capacity == 900 and imported.cell is not None
    template = client.get("/materials/warehouses/import/?template=csv").content.decode("utf-8-sig")
    assert template.startswith("name,kind,owner,division")


def test_each_form_on_the_warehouse_page_records_its_movement(many, make_warehouse, report, login):
    client = login("meixian_office")
    store, other = many[0], many[1]
    jackets = item("2-LIFEJ").pk
    incident = report("meixian_office", "11A02", division="441403")
    posts = {
        "receipt": {
            "item": jackets,
            "quantity": "10",
            "batch_number": "C",
            "expires_on": days(50).isoformat(),
        },
        "issue": {"item": jackets, "quantity": "5", "reason": "发放"},
        "transfer": {"item": jackets, "quantity": "5", "destination": other.pk, "batch_number": "C"},
        "dispatch": {"item": jackets, "quantity": "5", "incident": incident.pk, "reason": "转移群众"},
        "adjustment": {"item": jackets, "counted": "80", "batch_number": "A", "reason": "盘点"},
    }
    for kind, fields in posts.items():
        response = client.post(
            f"/materials/warehouses/{store.pk}/movements/{kind}/",
            {f"{kind}-{k}": v for k, v in fields.items()},
            follow=True,
        )
        assert [m.level_tag for m in response.context["messages"]] == ["success"], kind
    kinds = set(Movement.objects.filter(warehouse=store, entry__isnull=False).values_list("kind", flat=True))
    assert kinds >= {"receipt", "issue", "transfer_out", "dispatch", "adjustment"}
    assert Movement.objects.filter(warehouse=other, kind="transfer_in", batch_number="C").exists()
    assert services.balance_of(store, item("2-LIFEJ")) == services.ledger_sum(store, item("2-LIFEJ"))
