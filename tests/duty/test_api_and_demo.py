import datetime

import pytest
from django.utils import timezone

from tests.duty.conftest import bj, contact, org, user
from yingji.duty import services
from yingji.duty.demo.loader import load_duty
from yingji.duty.models import CallList, DutyRole, Handover, LogEntry, Shift

pytestmark = pytest.mark.django_db
CITY = "梅州市应急管理局"
MEIXIAN = "梅州市梅县区应急管理局"


def test_the_on_duty_endpoint_answers_for_a_given_time(make_shift, api):
    make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    response = api("meixian_office").get(
        "/api/v1/duty/shifts/on-duty/", {"at": "2026-12-01 08:30", "office": org(CITY).pk}
    )
    assert response.status_code == 200
    (board,) = response.json()["offices"]
    assert board["on_duty"][0]["name"] == "曾国平" and board["on_duty"][0]["phone"] == "13707539003"
    later = api("meixian_office").get("/api/v1/duty/shifts/on-duty/", {"at": "2026-12-01T17:30:00+08:00"})
    assert all(not b["on_duty"] for b in later.json()["offices"])


def test_a_shift_is_created_with_its_people_through_the_api(api):
    response = api("city_office").post(
        "/api/v1/duty/shifts/",
        {
            "owner": org(CITY).pk,
            "kind": "day",
            "starts_at": "2026-12-01T08:30:00+08:00",
            "ends_at": "2026-12-01T17:30:00+08:00",
            "members": [
                {"role": "duty_officer", "user": user("duty_city").pk},
                {"role": "shift_leader", "contact": contact("古俊杰").pk},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert {m["name"] for m in response.json()["members"]} == {"曾国平", "古俊杰"}


def test_the_api_refuses_an_overlapping_shift_naming_the_role(make_shift, api):
    make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    response = api("city_office").post(
        "/api/v1/duty/shifts/",
        {
            "owner": org(CITY).pk,
            "kind": "key",
            "starts_at": "2026-12-01T12:00:00+08:00",
            "ends_at": "2026-12-01T20:00:00+08:00",
            "members": [{"role": "duty_officer", "user": user("city_office").pk}],
        },
        format="json",
    )
    assert response.status_code == 400 and "duty_officer" in response.json()


def test_a_county_reads_the_city_roster_through_the_api_but_cannot_change_it(make_shift, api):
    shift = make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    client = api("meixian_office")
    assert client.get(f"/api/v1/duty/shifts/{shift.pk}/").status_code == 200
    assert client.patch(f"/api/v1/duty/shifts/{shift.pk}/", {"note": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/duty/shifts/{shift.pk}/").status_code == 404


def test_the_log_api_appends_and_never_edits(api):
    client = api("duty_city")
    response = client.post(
        "/api/v1/duty/log/",
        {"owner": org(CITY).pk, "kind": "call", "content": "来电报告内涝", "follow_up_needed": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert client.patch(f"/api/v1/duty/log/{pk}/", {"content": "改"}, format="json").status_code == 405
    assert api("city_office").delete(f"/api/v1/duty/log/{pk}/").status_code == 405
    assert api("meixian_office").get(f"/api/v1/duty/log/{pk}/").status_code == 404


def test_the_call_list_api_lists_members_with_phones(api):
    lst = services.save_scoped(user("city_admin"), CallList(owner=org(CITY), name="测试名单"))
    services.add_to_call_list(user("city_admin"), lst, contact("温少华"), "成员")
    data = api("city_office").get(f"/api/v1/duty/call-lists/{lst.pk}/").json()
    assert data["members"][0]["mobile"] == "13707530013"


def test_list_endpoints_take_a_fixed_number_of_queries(make_shift, api, django_assert_num_queries):
    client = api("city_office")
    for day in range(1, 4):
        make_shift(
            CITY,
            f"2026-12-{day:02d} 08:30",
            f"2026-12-{day:02d} 17:30",
            duty_officer=user("duty_city"),
            shift_leader=contact("古俊杰"),
        )
    client.get("/api/v1/duty/shifts/")
    with django_assert_num_queries(API_SHIFT_QUERIES):
        client.get("/api/v1/duty/shifts/")
    for day in range(4, 16):
        make_shift(
            CITY, f"2026-12-{day:02d} 08:30", f"2026-12-{day:02d} 17:30", shift_leader=contact("古俊杰")
        )
    with django_assert_num_queries(API_SHIFT_QUERIES):
        client.get("/api/v1/duty/shifts/")


API_SHIFT_QUERIES = 6  # token and its user, count, shifts with offices, members, their users, their contacts


def test_the_demo_loads_this_months_roster_and_changes_nothing_when_run_again():
    today = timezone.localdate()
    first = load_duty()
    assert first["shifts created"] > 0 and first["call lists created"] == 2
    counts = (
        Shift.objects.count(),
        LogEntry.objects.count(),
        Handover.objects.count(),
        CallList.objects.count(),
    )
    again = load_duty()
    assert again["shifts created"] == 0 and again["log entries created"] == 0
    assert counts == (
        Shift.objects.count(),
        LogEntry.objects.count(),
        Handover.objects.count(),
        CallList.objects.count(),
    )
    now = timezone.now()
    board = services.on_duty(org(CITY), now)
    assert board.get(DutyRole.DUTY_OFFICER) and board.get(DutyRole.LEADER_ON_DUTY)
    assert services.on_duty(org(MEIXIAN), now).get(DutyRole.DUTY_OFFICER)
    first_day = Shift.objects.filter(owner=org(CITY), starts_at__gte=services.local(today.replace(day=1)))
    assert first_day.filter(members__user__username="duty_city").exists()
    assert first_day.filter(members__user__username="leader_city").exists()
    handover = Handover.objects.get()
    assert handover.acknowledged_at and handover.pending.count() == 2


def test_the_demo_run_in_another_month_adds_that_month():
    today = timezone.localdate()
    load_duty(today)
    before = Shift.objects.count()
    following = (today.replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    load_duty(following)
    assert (
        Shift.objects.filter(starts_at__gte=services.local(following)).count()
        == Shift.objects.count() - before
    )
    assert Shift.objects.count() > before


def test_the_demo_respects_the_roster_rules():
    load_duty(datetime.date(2026, 12, 15))
    # Every shift was saved through the rules; a second duty officer at the city at any moment would show here.
    for at in ("2026-12-01 08:30", "2026-12-15 17:30", "2026-12-31 23:00"):
        board = services.on_duty(org(CITY), bj(at))
        assert board.get(DutyRole.DUTY_OFFICER) and board.get(DutyRole.SHIFT_LEADER)
