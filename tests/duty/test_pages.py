import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from tests.duty.conftest import bj, contact, org, user
from yingji.duty import services
from yingji.duty.models import CallList, DutyRole, LogEntry, Shift

pytestmark = pytest.mark.django_db
CITY = "梅州市应急管理局"
MEIXIAN = "梅州市梅县区应急管理局"


@pytest.fixture
def call_list():
    def _make(name="防汛测试名单", *, owner=CITY, shared=False, contacts=("温少华", "廖春梅")):
        admin = user("city_admin")
        lst = services.save_scoped(admin, CallList(owner=org(owner), name=name, shared=shared))
        for i, c in enumerate(contacts):
            services.add_to_call_list(admin, lst, contact(c), "成员" if i == 0 else "联络员")
        return lst

    return _make


@pytest.fixture
def now_shifts(make_shift):
    now = timezone.localtime()
    start = f"{now - timezone.timedelta(hours=2):%Y-%m-%d %H:%M}"
    end = f"{now + timezone.timedelta(hours=2):%Y-%m-%d %H:%M}"
    make_shift(CITY, start, end, duty_officer=user("duty_city"), shift_leader=contact("谢婉婷"))
    make_shift(CITY, start, end, kind=Shift.Kind.KEY, leader_on_duty=user("leader_city"))
    make_shift(MEIXIAN, start, end, duty_officer=contact("邓秀兰"))


def test_the_printable_phone_list_shows_every_member_with_phones(call_list, login):
    lst = call_list()
    page = login("city_office").get(f"/duty/lists/{lst.pk}/print/").content.decode()
    assert "温少华" in page and "13707530014" in page and "@media print" in page and "联络员" in page


def test_a_call_list_exports_to_csv_and_xlsx(call_list, login):
    lst = call_list()
    client = login("city_office")
    csv_text = client.get(f"/duty/lists/{lst.pk}/print/?export=csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[1].endswith("0753-2180201") and "温少华" in csv_text
    book = load_workbook(io.BytesIO(client.get(f"/duty/lists/{lst.pk}/print/?export=xlsx").content))
    assert book.active.max_row == 3
    listing = client.get("/duty/lists/?export=csv").content.decode("utf-8-sig")
    assert "防汛测试名单" in listing


def test_the_phone_book_groups_primary_contacts_by_organisation(login):
    page = login("meixian_office").get("/duty/phone-book/").content.decode()
    assert "梅州市梅县区应急管理局" in page and "孙海波" in page
    assert "邓秀兰" not in page  # not a primary contact
    assert "邱永康" not in page  # the city is outside a county's reach
    assert "邓秀兰" in login("meixian_office").get("/duty/phone-book/?all=1").content.decode()


def test_a_county_reads_a_shared_city_list_but_not_the_others(call_list, login):
    private = call_list("市内部名单")
    shared = call_list("各县（市、区）总值班室", shared=True, contacts=("邓秀兰",))
    client = login("meixian_office")
    assert client.get(private.get_absolute_url()).status_code == 404
    assert client.get(shared.get_absolute_url()).status_code == 200
    assert client.get(f"/duty/lists/{shared.pk}/edit/").status_code == 404


def test_the_roster_month_page_shows_every_day_and_who_is_on(make_shift, login):
    make_shift(CITY, "2026-12-05 08:30", "2026-12-05 17:30", duty_officer=user("duty_city"))
    page = login("city_office").get(f"/duty/roster/?office={org(CITY).pk}&month=2026-12").content.decode()
    assert page.count("<tr") == 32 and "曾国平" in page and "13707539003" in page


def test_a_county_reads_the_city_roster_but_cannot_edit_it(make_shift, login):
    shift = make_shift(CITY, "2026-12-05 08:30", "2026-12-05 17:30", duty_officer=user("duty_city"))
    client = login("meixian_office")
    assert client.get(shift.get_absolute_url()).status_code == 200
    assert client.get(f"/duty/shifts/{shift.pk}/edit/").status_code == 404
    assert client.post(f"/duty/shifts/{shift.pk}/delete/").status_code == 404
    page = client.get(f"/duty/roster/?office={org(CITY).pk}&month=2026-12").content.decode()
    assert "曾国平" in page and "Fill from a pattern" not in page and "按模式" not in page


def test_the_shift_form_names_the_field_that_breaks_a_rule(make_shift, login):
    make_shift(CITY, "2026-12-05 08:30", "2026-12-05 17:30", duty_officer=user("duty_city"))
    response = login("city_office").post(
        "/duty/shifts/add/",
        {
            "owner": org(CITY).pk,
            "kind": "day",
            "starts_at": "2026-12-05T12:00",
            "ends_at": "2026-12-05T20:00",
            "duty_officer": f"c:{contact('古俊杰').pk}",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["duty_officer"]


def test_the_shift_form_saves_a_shift_with_its_people(login):
    response = login("city_office").post(
        "/duty/shifts/add/",
        {
            "owner": org(CITY).pk,
            "kind": "day",
            "starts_at": "2026-12-05T08:30",
            "ends_at": "2026-12-05T17:30",
            "duty_officer": f"u:{user('duty_city').pk}",
            "shift_leader": f"c:{contact('古俊杰').pk}",
        },
    )
    assert response.status_code == 302
    board = services.on_duty(org(CITY), bj("2026-12-05 09:00"))
    assert [m.name for m in board.rows()] == ["曾国平", "古俊杰"]


def test_the_fill_page_rotates_people_named_one_per_line(login):
    response = login("city_office").post(
        "/duty/roster/fill/",
        {
            "office": org(CITY).pk,
            "month": "2026-12",
            "pattern": "day_night",
            "offset": 0,
            "duty_officer": "duty_city\ncity_office\n古俊杰",
            "shift_leader": "谢婉婷",
        },
    )
    assert response.status_code == 302
    assert Shift.objects.filter(owner=org(CITY)).count() == 62


def test_the_home_page_shows_who_is_on_duty_now_here_and_at_the_city(now_shifts, login):
    page = login("meixian_office").get("/").content.decode()
    assert 'data-testid="on-duty-now"' in page
    assert "邓秀兰" in page and "曾国平" in page and "黄建明" in page and "谢婉婷" in page


def test_the_incident_page_shows_who_is_on_duty_at_the_receiving_office_and_the_city(
    now_shifts, report, login
):
    incident = report("meixian_office", "11A01", title="松口镇内涝")
    page = login("meixian_office").get(incident.get_absolute_url()).content.decode()
    assert 'data-testid="incident-on-duty"' in page and "邓秀兰" in page and "曾国平" in page


def test_the_on_duty_now_page_lists_every_duty_office(now_shifts, login):
    page = login("leader_city").get("/duty/").content.decode()
    assert page.count('data-testid="on-duty-board"') == 9 and "邓秀兰" in page


def test_a_log_entry_is_added_from_the_page_and_cannot_be_edited(now_shifts, login):
    client = login("duty_city")
    response = client.post(
        "/duty/log/add/",
        {"owner": org(CITY).pk, "kind": "call", "source": "市气象局", "content": "暴雨黄色预警", "at": ""},
    )
    assert response.status_code == 302
    logged = LogEntry.objects.get(content="暴雨黄色预警")
    assert logged.shift is not None and logged.created_by.username == "duty_city"
    assert client.get(f"/duty/log/{logged.pk}/edit/").status_code == 404


def test_a_handover_is_written_and_acknowledged_from_the_pages(make_shift, login):
    day = make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    make_shift(CITY, "2026-12-01 17:30", "2026-12-02 08:30", kind="night", duty_officer=user("city_office"))
    services.log(
        user("duty_city"),
        LogEntry(owner=org(CITY), kind="call", content="待回复", follow_up_needed=True),
    )
    response = login("duty_city").post(
        f"/duty/shifts/{day.pk}/handover/", {"open_matters": "滑坡点", "equipment_status": "正常"}
    )
    assert response.status_code == 302
    page = login("city_office").get(response.url).content.decode()
    assert "待回复" in page and 'data-testid="acknowledge"' in page
    login("city_office").post(response.url + "acknowledge/")
    assert day.handovers.get().acknowledged_by.username == "city_office"


def _shift(i, make_shift):
    day = f"2026-12-{i + 1:02d}"
    make_shift(
        CITY, f"{day} 08:30", f"{day} 17:30", duty_officer=user("duty_city"), shift_leader=contact("古俊杰")
    )


def _log(i, make_shift):
    services.log(
        user("duty_city"),
        LogEntry(owner=org(CITY), at=bj(f"2026-12-{i + 1:02d} 09:00"), kind="call", content=f"来电{i}"),
    )


def _list(i, make_shift):
    lst = services.save_scoped(user("city_admin"), CallList(owner=org(CITY), name=f"名单{i}"))
    services.add_to_call_list(user("city_admin"), lst, contact("温少华"))


# Queries of a list page, whatever the number of rows: session, user, count, rows, prefetched people,
# notifications, division choices.
LIST_QUERIES = {"/duty/shifts/": 9, "/duty/log/": 6, "/duty/lists/": 6}


@pytest.mark.parametrize(
    "url,make", [("/duty/shifts/", _shift), ("/duty/log/", _log), ("/duty/lists/", _list)]
)
def test_list_pages_take_a_fixed_number_of_queries(url, make, make_shift, login, django_assert_num_queries):
    client = login("city_office")
    for i in range(3):
        make(i, make_shift)
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES[url]):
        assert client.get(url).status_code == 200
    for i in range(3, 15):
        make(i, make_shift)
    with django_assert_num_queries(LIST_QUERIES[url]):
        client.get(url)


def test_the_roster_and_on_duty_pages_take_a_fixed_number_of_queries(
    make_shift, login, django_assert_num_queries
):
    client = login("city_office")
    roster = f"/duty/roster/?office={org(CITY).pk}&month=2026-12"
    for i in range(3):
        _shift(i, make_shift)
    client.get(roster)
    with django_assert_num_queries(ROSTER_QUERIES):
        client.get(roster)
    for i in range(3, 15):
        _shift(i, make_shift)
    with django_assert_num_queries(ROSTER_QUERIES):
        client.get(roster)
    with django_assert_num_queries(NOW_QUERIES):
        client.get("/duty/?at=2026-12-03 09:00")


ROSTER_QUERIES = 10
NOW_QUERIES = 5


def test_a_shift_import_with_one_bad_row_saves_nothing_and_reimport_updates(login):
    header = "owner,kind,starts_at,ends_at,duty_officer,shift_leader,leader_on_duty,dispatcher,information_officer,technical_officer,note\n"
    good = "梅州市应急管理局,day,2026-12-01 08:30,2026-12-01 17:30,duty_city,古俊杰,,,,,\n"
    bad = "梅州市应急管理局,night,2026-12-01 17:30,2026-12-02 08:30,nobody_here,,,,,,\n"
    client = login("city_office")

    def upload(body):
        return SimpleUploadedFile("shifts.csv", (header + body).encode("utf-8-sig"), content_type="text/csv")

    response = client.post("/duty/shifts/import/", {"file": upload(good + bad)})
    assert (3, "duty_officer") in [(r, c) for r, c, _ in response.context["report"].errors]
    assert not Shift.objects.filter(owner=org(CITY)).exists()
    assert client.post("/duty/shifts/import/", {"file": upload(good)}).status_code == 302
    changed = good.replace("duty_city,古俊杰", "city_office,古俊杰")
    assert client.post("/duty/shifts/import/", {"file": upload(changed)}).status_code == 302
    shift = Shift.objects.get(owner=org(CITY))
    assert (
        services.on_duty(org(CITY), shift.starts_at).get(DutyRole.DUTY_OFFICER).user.username == "city_office"
    )


def test_an_import_row_that_overlaps_an_earlier_row_is_reported(login):
    header = "owner,kind,starts_at,ends_at,duty_officer\n"
    body = (
        "梅州市应急管理局,day,2026-12-01 08:30,2026-12-01 17:30,duty_city\n"
        "梅州市应急管理局,key,2026-12-01 12:00,2026-12-01 20:00,city_office\n"
    )
    upload = SimpleUploadedFile("shifts.csv", (header + body).encode("utf-8-sig"), content_type="text/csv")
    response = login("city_office").post("/duty/shifts/import/", {"file": upload})
    assert [r for r, _c, _m in response.context["report"].errors] == [3]
    assert not Shift.objects.exists()


def test_a_contact_added_without_an_order_goes_to_the_end_of_the_list(call_list, login):
    lst = call_list()
    response = login("city_office").post(
        f"/duty/lists/{lst.pk}/members/", {"contact": contact("叶明辉").pk, "role": "成员", "order": ""}
    )
    assert response.status_code == 302
    assert [m.contact.name for m in lst.members.select_related("contact")] == ["温少华", "廖春梅", "叶明辉"]
