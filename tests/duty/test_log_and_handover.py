import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.duty.conftest import bj, org, user
from yingji.duty import services
from yingji.duty.models import LogEntry, Shift

pytestmark = pytest.mark.django_db
CITY = "梅州市应急管理局"


def entry(content: str, at: str, *, by="duty_city", **fields) -> LogEntry:
    fields.setdefault("kind", LogEntry.Kind.CALL)
    return services.log(user(by), LogEntry(owner=org(CITY), at=bj(at), content=content, **fields))


@pytest.fixture
def shifts(make_shift):
    day = make_shift(CITY, "2026-12-01 08:30", "2026-12-01 17:30", duty_officer=user("duty_city"))
    night = make_shift(
        CITY, "2026-12-01 17:30", "2026-12-02 08:30", kind=Shift.Kind.NIGHT, duty_officer=user("city_office")
    )
    return day, night


def test_an_entry_is_tied_to_the_shift_on_duty_at_its_time(shifts):
    day, night = shifts
    assert entry("来电", "2026-12-01 17:29").shift == day
    assert entry("来电", "2026-12-01 17:30").shift == night


def test_the_log_is_append_only(shifts):
    first = entry("县里报告山体滑坡", "2026-12-01 09:00")
    first.content = "改过的内容"
    with pytest.raises(ValidationError):
        first.save()
    with pytest.raises(ValidationError):
        services.log(user("duty_city"), first)
    assert LogEntry.objects.get(pk=first.pk).content == "县里报告山体滑坡"


def test_a_correction_is_a_new_entry_that_names_the_old_one(shifts):
    first = entry("滑坡转移2户7人", "2026-12-01 09:00", follow_up_needed=True)
    fix = entry("更正：转移3户9人", "2026-12-01 09:10", corrects=first, follow_up_needed=True)
    assert list(first.corrections.all()) == [fix]
    assert list(services.open_follow_ups(org(CITY))) == [fix]


def test_the_handover_lists_the_follow_ups_still_open(shifts):
    day, night = shifts
    open_one = entry("省厅通知待领导批示", "2026-12-01 09:00", follow_up_needed=True)
    closed = entry("气象预警待各县回复", "2026-12-01 10:00", follow_up_needed=True)
    services.close_follow_up(user("duty_city"), closed, "八县均已回复")
    entry("一般来电，无需跟进", "2026-12-01 11:00")
    half_done = entry("核实伤亡人数", "2026-12-01 12:00", follow_up_needed=True)
    services.log(
        user("duty_city"),
        LogEntry(owner=org(CITY), at=bj("2026-12-01 13:00"), content="已联系，待回电", follows_up=half_done),
    )
    handover = services.hand_over(
        user("duty_city"), day, open_matters="滑坡点监测", equipment_status="正常", at=bj("2026-12-01 17:30")
    )
    assert list(handover.pending.order_by("at")) == [open_one, half_done]
    assert handover.next_shift == night


def test_only_the_incoming_duty_officer_acknowledges_the_handover(shifts):
    day, _night = shifts
    handover = services.hand_over(user("duty_city"), day, at=bj("2026-12-01 17:30"))
    assert not services.may_acknowledge(user("duty_city"), handover)
    with pytest.raises(PermissionDenied):
        services.acknowledge(user("duty_city"), handover)
    services.acknowledge(user("city_office"), handover)
    handover.refresh_from_db()
    assert handover.acknowledged_by.username == "city_office" and handover.acknowledged_at
    with pytest.raises(ValidationError):
        services.acknowledge(user("city_office"), handover)


def test_a_county_cannot_write_in_the_citys_log(shifts):
    with pytest.raises(PermissionDenied):
        entry("县里写市里的日志", "2026-12-01 09:00", by="meixian_office")


def test_closing_needs_an_entry_to_close():
    with pytest.raises(ValidationError) as error:
        entry("无对象", "2026-12-01 09:00", follow_up_done=True)
    assert "follow_up_done" in error.value.message_dict


def test_an_entry_may_name_an_incident(shifts, report):
    incident = report("duty_city", "11A01", title="梅江区内涝")
    logged = entry("内涝现场报告", "2026-12-01 10:00", incident=incident)
    assert list(incident.duty_log_entries.all()) == [logged]
