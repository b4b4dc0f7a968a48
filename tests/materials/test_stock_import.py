import csv
import importlib
import io
import threading
import time

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils.translation import trans_real
from openpyxl import Workbook, load_workbook

from tests.materials.conftest import D, days, item, user
from yingji.core.models import ObjectChange
from yingji.materials import services
from yingji.materials.models import Balance, Movement, MovementKind

pytestmark = pytest.mark.django_db

URL = "/materials/stock/import/"
HEADER = "warehouse,item,batch_number,expires_on,counted,note\n"
STORE = "梅县区盘点仓库"


@pytest.fixture
def store(make_warehouse):
    return make_warehouse(name=STORE)


def upload(body: str, name: str = "stock.csv", header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (header + body).encode("utf-8-sig"), content_type="text/csv")


def post(client, body: str, name: str = "stock.csv", language: str = "en"):
    return client.post(URL, {"file": upload(body, name)}, HTTP_ACCEPT_LANGUAGE=language)


def quantity(warehouse, code: str, batch: str = "") -> D:
    balance = Balance.objects.filter(warehouse=warehouse, item__code=code, batch_number=batch).first()
    return balance.quantity if balance else None


def ledger_holds(warehouse) -> None:
    for balance in Balance.objects.filter(warehouse=warehouse):
        assert balance.quantity == services.ledger_sum(warehouse, balance.item, balance.batch_number)


GOOD = (
    f"{STORE},2-LIFEJ,B1,{days(400)},120,年度盘点\n"
    f"{STORE},救生衣,B2,,35.5,\n"  # the item by its name
    f"{STORE},1-TENT-12,,,8,\n"
    f"{STORE},1-QUILT,Q9,,0,\n"  # counted none of a batch never held: nothing to write
)


def test_a_good_file_sets_the_balances_and_writes_movements_that_sum_to_them(store, login):
    response = post(login("meixian_office"), GOOD, name="梅县区盘点2026.csv")
    assert response.status_code == 302, response.context["report"].errors
    assert response.url == "/materials/stock/"
    assert (quantity(store, "2-LIFEJ", "B1"), quantity(store, "2-LIFEJ", "B2")) == (120, D("35.5"))
    assert quantity(store, "1-TENT-12") == 8 and quantity(store, "1-QUILT", "Q9") is None
    assert Balance.objects.get(warehouse=store, batch_number="B1").expires_on == days(400)
    ledger_holds(store)
    movements = Movement.objects.filter(warehouse=store)
    assert movements.count() == 3 and {m.kind for m in movements} == {MovementKind.ADJUSTMENT}
    assert {m.by.username for m in movements} == {"meixian_office"}
    assert movements.get(batch_number="B1").reason == "Stock count import 梅县区盘点2026.csv: 年度盘点"
    assert movements.get(batch_number="B2").reason == "Stock count import 梅县区盘点2026.csv"
    for movement in movements:  # the change log has every movement, in the warehouse's division
        change = ObjectChange.objects.get(content_type__model="movement", object_id=str(movement.pk))
        assert change.division_path == store.owner.division.path
    page = login("meixian_office").get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rows read: 4; adjustments written: 3; rows unchanged: 1." in page


def test_importing_the_same_file_again_writes_nothing(store, login):
    client = login("meixian_office")
    post(client, GOOD)
    before = list(Movement.objects.values_list("pk", flat=True))
    response = post(client, GOOD)
    assert response.status_code == 302
    assert list(Movement.objects.values_list("pk", flat=True)) == before
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "adjustments written: 0; rows unchanged: 4." in page


def test_a_corrected_count_moves_the_balance_by_the_difference(store, login):
    client = login("meixian_office")
    post(client, GOOD)
    response = post(client, f"{STORE},2-LIFEJ,B1,,100,复盘\n{STORE},1-TENT-12,,,8,\n")
    assert response.status_code == 302
    latest = Movement.objects.filter(warehouse=store).order_by("-pk").first()
    assert (latest.batch_number, latest.quantity, latest.balance_after) == ("B1", -20, 100)
    assert quantity(store, "2-LIFEJ", "B1") == 100 and quantity(store, "1-TENT-12") == 8
    assert Movement.objects.filter(warehouse=store).count() == 4
    ledger_holds(store)


def test_the_count_replaces_stock_received_before_so_the_balance_is_what_was_counted(store, login):
    services.receive(user("meixian_office"), store, item("2-LIFEJ"), 50, batch_number="B1")
    post(login("meixian_office"), f"{STORE},2-LIFEJ,B1,,48,\n")
    assert quantity(store, "2-LIFEJ", "B1") == 48
    assert Movement.objects.filter(warehouse=store).order_by("-pk").first().quantity == -2
    ledger_holds(store)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("不存在的仓库,2-LIFEJ,B1,,10,", "warehouse", "is unknown, or outside your organisation"),
        (f"{STORE},NO-SUCH-ITEM,B1,,10,", "item", "is unknown, or outside your organisation"),
        (f"{STORE},2-LIFEJ,B1,,-3,", "counted", "Enter a quantity of zero or more."),
        (f"{STORE},2-LIFEJ,B1,,很多,", "counted", "Enter a number."),
        (f"{STORE},2-LIFEJ,B1,,1.2345,", "counted", "at most three decimals"),
        (f"{STORE},2-LIFEJ,B1,,,", "counted", "This field is required."),
        (f"{STORE},2-LIFEJ,B1,2027/01/31,10,", "expires_on", "Write dates as YYYY-MM-DD."),
        (f"{STORE},2-LIFEJ,B1,,10,", "warehouse, item, batch_number", "The same key as row 2."),
    ],
)
def test_a_file_with_one_bad_row_writes_nothing_and_the_report_names_row_column_and_reason(
    store, login, row, column, reason
):
    body = f"{STORE},2-LIFEJ,B1,,10,\n{STORE},1-TENT-12,,,8,\n{row}\n"
    response = post(login("meixian_office"), body)
    assert response.status_code == 200
    errors = response.context["report"].errors
    assert [(r, c) for r, c, _ in errors] == [(4, column)], errors
    assert reason in errors[0][2]
    assert not Movement.objects.filter(warehouse=store).exists()
    assert not Balance.objects.filter(warehouse=store).exists()
    assert 'data-testid="import-report"' in response.content.decode()


def test_every_rejected_row_is_reported_not_only_the_first(store, login):
    body = "不存在的仓库,2-LIFEJ,,,1,\n" + f"{STORE},2-LIFEJ,B1,,1,\n" + f"{STORE},NO-SUCH,,x,-1,\n"
    errors = post(login("meixian_office"), body).context["report"].errors
    assert {(r, c) for r, c, _ in errors} == {
        (2, "warehouse"),
        (4, "item"),
        (4, "expires_on"),
        (4, "counted"),
    }
    assert not Movement.objects.exists()


def test_the_report_is_in_chinese_for_a_chinese_request(store, login, monkeypatch):
    services.receive(user("meixian_office"), store, item("2-LIFEJ"), 5, batch_number="B1")
    msgid = "%(warehouse)s holds %(item)s in batches (%(batches)s): name the batch counted."
    catalog = trans_real.translation("zh-hans")._catalog._catalogs[0]  # a reason every translation would give
    monkeypatch.setitem(catalog, msgid, "%(warehouse)s 按批次存放%(item)s（%(batches)s）：请填写批次。")
    body = f"不存在的仓库,2-LIFEJ,B1,,10,\n{STORE},2-LIFEJ,B1,,很多,\n{STORE},2-LIFEJ,,,3,\n"
    errors = post(login("meixian_office"), body, language="zh-hans").context["report"].errors
    assert [(r, c) for r, c, _ in errors] == [(2, "warehouse"), (3, "counted"), (4, "batch_number")]
    assert "不存在" in errors[0][2] and errors[1][2] == "请输入数字。"
    assert errors[2][2] == f"{STORE} 按批次存放救生衣（B1）：请填写批次。"
    english = post(login("meixian_office"), body, language="en").context["report"].errors
    assert english[2][2] == f"{STORE} holds 救生衣 in batches (B1): name the batch counted."


def test_chinese_headers_and_xlsx_date_cells_are_understood(store, login):
    book = Workbook()
    book.active.append(["物资储备库", "物资", "批次", "有效期至", "盘点数量", "备注"])
    book.active.append([STORE, "2-LIFEJ", "B7", days(300), 12, "首次盘点"])
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile("stock.xlsx", buffer.getvalue())
    response = login("meixian_office").post(URL, {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, response.context["report"].errors
    balance = Balance.objects.get(warehouse=store, batch_number="B7")
    assert (balance.quantity, balance.expires_on) == (12, days(300))


def test_a_warehouse_outside_the_users_county_is_rejected(make_warehouse, login):
    other = make_warehouse("兴宁市应急管理局", "兴宁市盘点仓库")
    response = post(login("meixian_office"), "兴宁市盘点仓库,2-LIFEJ,,,10,\n")
    assert [(r, c) for r, c, _ in response.context["report"].errors] == [(2, "warehouse")]
    assert not Movement.objects.filter(warehouse=other).exists()
    assert post(login("xingning_office"), "兴宁市盘点仓库,2-LIFEJ,,,10,\n").status_code == 302
    assert quantity(other, "2-LIFEJ") == 10


def test_an_expiry_date_other_than_the_batchs_is_rejected(store, login):
    services.receive(
        user("meixian_office"), store, item("2-LIFEJ"), 5, batch_number="B1", expires_on=days(50)
    )
    errors = post(login("meixian_office"), f"{STORE},2-LIFEJ,B1,{days(60)},10,\n").context["report"].errors
    assert [(r, c) for r, c, _ in errors] == [(2, "expires_on")]
    assert quantity(store, "2-LIFEJ", "B1") == 5


def test_a_file_without_the_needed_columns_is_refused(store, login):
    response = login("meixian_office").post(
        URL, {"file": upload(f"{STORE},10\n", header="warehouse,counted\n")}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["report"].errors == [
        (1, "item", "The file needs the columns warehouse, item, counted.")
    ]


def test_the_template_downloads_as_xlsx_and_csv(login):
    client = login("meixian_office")
    response = client.get(URL + "?template=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == services.COUNT_COLUMNS and sheet.cell(row=2, column=1).value
    csv_text = client.get(URL + "?template=csv").content.decode("utf-8-sig")
    assert csv_text.startswith(",".join(services.COUNT_COLUMNS))


def test_the_stock_and_warehouse_pages_link_the_import_for_those_who_may_write(store, login):
    client = login("meixian_office")
    assert f'href="{URL}"' in client.get("/materials/stock/").content.decode()
    assert 'data-testid="stock-import-link"' in client.get(store.get_absolute_url()).content.decode()
    reader = login("duty_city")
    assert f'href="{URL}"' not in reader.get("/materials/stock/").content.decode()
    assert reader.get(URL).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_counts_imported_at_once_do_not_deadlock_and_one_applies_whole_after_the_other(
    demo_live, make_warehouse, monkeypatch
):
    importlib.import_module("yingji.materials.migrations.0002_reference_data").load(apps, None)
    north, south = make_warehouse(name="并发盘点甲库"), make_warehouse(name="并发盘点乙库")
    office = user("meixian_office")
    services.receive(office, south, item("2-LIFEJ"), 9, batch_number="L")
    services.receive(office, north, item("3-SANDB"), 9, batch_number="S")
    adjust = services.adjust

    def slow_adjust(*args, **kwargs):
        entry = adjust(*args, **kwargs)
        time.sleep(0.2)  # hold the locks: the other import must queue behind the whole of this one
        return entry

    monkeypatch.setattr(services, "adjust", slow_adjust)
    files = {
        "a.csv": "并发盘点甲库,3-SANDB,S,,10,\n并发盘点乙库,2-LIFEJ,L,,20,\n",
        "b.csv": "并发盘点乙库,2-LIFEJ,L,,5,\n并发盘点甲库,3-SANDB,S,,7,\n",
    }
    barrier, results = threading.Barrier(2), {}

    def run(name):
        try:
            barrier.wait()
            counts, errors = services.check_counts(
                office, list(csv.DictReader(io.StringIO(HEADER + files[name])))
            )
            assert not errors
            results[name] = services.apply_counts(office, counts, source=name)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(isinstance(r, list) for r in results.values()), results
    final = (quantity(north, "3-SANDB", "S"), quantity(south, "2-LIFEJ", "L"))
    assert final in {(10, 20), (7, 5)}  # one file's count entirely, never a mix
    ledger_holds(north)
    ledger_holds(south)
