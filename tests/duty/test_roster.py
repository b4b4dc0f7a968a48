import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.duty.conftest import bj, contact, org, user
from yingji.duty import services
from yingji.duty.models import DutyRole, Shift

pytestmark = pytest.mark.django_db
CITY = "梅州市应急管理局"
MEIXIAN = "梅州市梅县区应急管理局"


@pytest.fixture
def day_and_night(make_shift):
    day = make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    night = make_shift(
        CITY, "2026-12-01 17:30", "2026-12-02 08:30", kind=Shift.Kind.NIGHT, duty_officer=user("city_office")
    )
    return day, night


def officer_at(text: str) -> str | None:
    member = services.on_duty(org(CITY), bj(text)).get(DutyRole.DUTY_OFFICER)
    return member.user.username if member else None


def test_a_shift_starts_on_duty_at_its_first_minute(day_and_night):
    assert officer_at("2026-12-01 08:29:59") is None
    assert officer_at("2026-12-01 08:30") == "duty_city"


def test_at_the_boundary_the_incoming_shift_is_on_duty_and_the_outgoing_is_not(day_and_night):
    assert officer_at("2026-12-01 17:29:59") == "duty_city"
    assert officer_at("2026-12-01 17:30") == "city_office"


def test_a_night_shift_stays_on_duty_across_midnight_in_beijing_time(day_and_night):
    # 00:15 in Beijing is 16:15 UTC of the day before: the night shift is still on.
    assert officer_at("2026-12-02 00:15") == "city_office"
    assert officer_at("2026-12-02 08:29") == "city_office"
    assert officer_at("2026-12-02 08:30") is None


def test_times_are_stored_in_utc(day_and_night):
    day, _night = day_and_night
    day.refresh_from_db()
    assert day.starts_at == datetime.datetime(2026, 12, 1, 0, 30, tzinfo=datetime.UTC)


def test_on_duty_without_a_time_means_now(make_shift):
    from django.utils import timezone

    now = timezone.localtime()
    make_shift(
        CITY,
        f"{now - datetime.timedelta(hours=1):%Y-%m-%d %H:%M}",
        f"{now + datetime.timedelta(hours=1):%Y-%m-%d %H:%M}",
        shift_leader=contact("古俊杰"),
    )
    assert services.on_duty(org(CITY)).get(DutyRole.SHIFT_LEADER).name == "古俊杰"


def test_a_second_duty_officer_on_an_overlapping_shift_is_refused_naming_the_role(day_and_night, make_shift):
    with pytest.raises(ValidationError) as error:
        make_shift(CITY, "2026-12-01 12:00", "2026-12-01 20:00", duty_officer=contact("古俊杰"))
    assert set(error.value.message_dict) == {"duty_officer"}
    assert "2026-12-01 08:30" in error.value.message_dict["duty_officer"][0]
    assert not Shift.objects.filter(starts_at=bj("2026-12-01 12:00")).exists()


def test_a_leader_on_duty_may_span_several_shifts_of_the_same_office(day_and_night, make_shift):
    make_shift(
        CITY, "2026-12-01 08:30", "2026-12-03 08:30", kind=Shift.Kind.KEY, leader_on_duty=user("leader_city")
    )
    board = services.on_duty(org(CITY), bj("2026-12-02 03:00"))
    assert board.get(DutyRole.DUTY_OFFICER).user.username == "city_office"
    assert board.get(DutyRole.LEADER_ON_DUTY).user.username == "leader_city"


def test_a_shift_must_end_after_it_starts(make_shift):
    with pytest.raises(ValidationError) as error:
        make_shift(CITY, "2026-12-01 17:30", "2026-12-01 08:30")
    assert "ends_at" in error.value.message_dict


def test_the_database_also_refuses_a_shift_ending_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(
            owner=org(CITY), starts_at=bj("2026-12-01 17:30"), ends_at=bj("2026-12-01 08:30")
        )


def test_a_person_cannot_be_on_duty_at_two_offices_at_once(make_shift):
    make_shift(
        CITY, "2026-12-01 08:30", "2026-12-02 08:30", kind=Shift.Kind.FULL, shift_leader=contact("古俊杰")
    )
    with pytest.raises(ValidationError) as error:
        make_shift(MEIXIAN, "2026-12-01 20:00", "2026-12-02 08:00", duty_officer=contact("古俊杰"))
    assert CITY in error.value.message_dict["duty_officer"][0]


def test_consecutive_shifts_of_one_person_do_not_overlap(make_shift):
    make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    make_shift(MEIXIAN, "2026-12-01 17:30", "2026-12-02 08:30", duty_officer=user("duty_city"))
    assert Shift.objects.filter(members__user__username="duty_city").count() == 2


def test_filling_a_month_rotates_the_people_through_day_and_night_shifts():
    people = [user("duty_city"), user("city_office"), contact("古俊杰")]
    result = services.fill_month(
        user("city_admin"),
        org(CITY),
        2026,
        12,
        services.PATTERNS["day_night"],
        {DutyRole.DUTY_OFFICER: people, DutyRole.SHIFT_LEADER: [contact("谢婉婷")]},
    )
    assert result.created == 62
    shifts = list(Shift.objects.filter(owner=org(CITY)).order_by("starts_at").prefetch_related("members"))
    officers = [next(m.name for m in s.members.all() if m.role == DutyRole.DUTY_OFFICER) for s in shifts[:4]]
    assert officers == ["曾国平", "钟晓敏", "古俊杰", "曾国平"]
    assert shifts[-1].ends_at == bj("2027-01-01 08:30")
    assert services.on_duty(org(CITY), bj("2026-12-31 23:00")).get(DutyRole.SHIFT_LEADER).name == "谢婉婷"


def test_filling_again_adds_nothing():
    args = (user("city_admin"), org(CITY), 2026, 12, services.PATTERNS["full"])
    services.fill_month(*args, {DutyRole.DUTY_OFFICER: [user("duty_city")]})
    again = services.fill_month(*args, {DutyRole.DUTY_OFFICER: [user("duty_city")]})
    assert (again.created, again.skipped) == (0, 31)


def test_a_fill_that_breaks_a_rule_adds_nothing_and_names_the_shift(make_shift):
    make_shift(MEIXIAN, "2026-12-10 09:00", "2026-12-10 10:00", duty_officer=user("duty_city"))
    with pytest.raises(ValidationError) as error:
        services.fill_month(
            user("city_admin"),
            org(CITY),
            2026,
            12,
            services.PATTERNS["full"],
            {DutyRole.DUTY_OFFICER: [user("duty_city")]},
        )
    assert "2026-12-10 08:30" in error.value.messages[0]
    assert not Shift.objects.filter(owner=org(CITY)).exists()


def test_a_county_office_cannot_write_the_citys_roster(make_shift):
    shift = make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    with pytest.raises(PermissionDenied):
        services.save_shift(user("meixian_office"), shift, {DutyRole.DUTY_OFFICER: contact("邓秀兰")})
    with pytest.raises(PermissionDenied):
        services.save_shift(
            user("meixian_office"),
            Shift(owner=org(CITY), starts_at=bj("2026-12-02 08:30"), ends_at=bj("2026-12-02 17:30")),
            {},
        )


def test_a_county_office_writes_its_own_roster(make_shift):
    make_shift(
        MEIXIAN, "2026-12-01 08:30", "2026-12-02 08:30", by="meixian_office", duty_officer=contact("邓秀兰")
    )
    assert (
        services.on_duty(org(MEIXIAN), bj("2026-12-01 12:00")).get(DutyRole.DUTY_OFFICER).phone
        == "13707530043"
    )


def test_the_duty_office_of_a_department_is_its_divisions_emergency_office():
    assert services.duty_office(org("梅州市梅县区水利局")) == org(MEIXIAN)
    assert services.duty_office(org("梅州市梅县区松口镇人民政府")) == org(MEIXIAN)
    assert services.city_office() == org(CITY)
