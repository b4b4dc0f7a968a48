"""Rectification: deadlines, overdue detection (Asia/Shanghai dates), a second person verifies, notices once."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.hazards.conftest import user
from yingji.core.models import Notification
from yingji.hazards import jobs, services
from yingji.hazards.models import Hazard, Rectification
from yingji.incidents.services import as_of

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def overdue_ids():
    return set(Rectification.objects.filter(services.overdue_q()).values_list("pk", flat=True))


def test_a_rectification_is_overdue_from_the_day_after_its_deadline_in_shanghai(make_rectification):
    item = make_rectification(deadline=datetime.date(2026, 3, 10))
    # 2026-03-10 23:59 in Shanghai is 15:59 UTC: still the deadline day.
    with as_of(datetime.datetime(2026, 3, 10, 15, 59, tzinfo=UTC)):
        assert item.pk not in overdue_ids()
    # 2026-03-11 00:00 in Shanghai is 16:00 UTC on the 10th: overdue, although the UTC date is still the 10th.
    with as_of(datetime.datetime(2026, 3, 10, 16, 0, tzinfo=UTC)):
        assert item.pk in overdue_ids()
    assert item.is_overdue(datetime.date(2026, 3, 11)) and not item.is_overdue(datetime.date(2026, 3, 10))


def test_a_rectification_reported_done_is_no_longer_overdue(make_rectification):
    item = make_rectification(deadline=datetime.date(2026, 1, 1))
    services.report_done(user("meixian_office"), item)
    with as_of(datetime.datetime(2026, 6, 1, tzinfo=UTC)):
        assert item.pk not in overdue_ids()


def test_the_person_who_reported_it_done_may_not_verify_it(make_rectification):
    item = make_rectification()
    services.report_done(user("meixian_office"), item, "已更换")
    with pytest.raises(ValidationError, match="second person"):
        services.verify(user("meixian_office"), item)
    assert Rectification.objects.get(pk=item.pk).status == "done"


def test_a_second_person_verifies_and_closes_it_and_the_hazard_returns_to_monitoring(make_rectification):
    item = make_rectification()
    assert item.hazard.status == Hazard.Status.RECTIFYING
    services.add_progress(user("meixian_office"), item, "已采购安全阀")
    services.report_done(user("meixian_office"), item)
    services.verify(user("city_office"), item, note="复核合格")
    item.refresh_from_db()
    assert item.status == "closed" and item.verified_by.username == "city_office"
    assert "已采购安全阀" in item.progress and "复核合格" in item.progress
    assert Hazard.objects.get(pk=item.hazard_id).status == Hazard.Status.MONITORED


def test_a_rejected_verification_sends_it_back_in_progress_and_may_remove_the_hazard_later(
    make_rectification,
):
    item = make_rectification()
    services.report_done(user("meixian_office"), item)
    with pytest.raises(ValidationError):
        services.verify(user("city_office"), item, accepted=False)  # a rejection needs its reason
    services.verify(user("city_office"), item, accepted=False, note="安全阀型号不符")
    assert Rectification.objects.get(pk=item.pk).status == "open"
    services.report_done(user("city_office"), item)
    services.verify(user("meixian_office"), item, remove_hazard=True)
    assert Hazard.objects.get(pk=item.hazard_id).status == Hazard.Status.REMOVED


def test_the_verify_endpoint_refuses_the_reporter(api, make_rectification):
    item = make_rectification()
    client = api("meixian_office")
    assert client.post(f"/api/v1/hazard-rectifications/{item.pk}/report_done/").status_code == 200
    refused = client.post(f"/api/v1/hazard-rectifications/{item.pk}/verify/")
    assert refused.status_code == 400 and "second person" in str(refused.json())
    assert (
        api("city_office").post(f"/api/v1/hazard-rectifications/{item.pk}/verify/").json()["status"]
        == "closed"
    )


def test_an_overdue_rectification_is_notified_once_and_again_after_a_new_deadline(make_rectification):
    item = make_rectification(deadline=datetime.date(2026, 3, 10))
    before = Notification.objects.count()
    with as_of(datetime.datetime(2026, 3, 12, tzinfo=UTC)):
        assert jobs.notify_overdue_rectifications() == 1
        assert jobs.notify_overdue_rectifications() == 0
        told = Notification.objects.count() - before
        assert told >= 1 and Notification.objects.filter(subject__contains=item.hazard.name).count() == told
        services.change_deadline(user("meixian_office"), item, datetime.date(2026, 3, 11), "设备到货延迟")
        assert jobs.notify_overdue_rectifications() == 1


def test_the_overdue_filter_and_the_home_panel_show_overdue_items(login, make_rectification, make_hazard):
    late = make_rectification(deadline=datetime.date(2020, 1, 1))
    make_rectification(make_hazard("另一个隐患"), deadline=datetime.date(2099, 1, 1))
    client = login("meixian_office")
    page = client.get("/hazards/rectifications/?overdue=true").content.decode()
    assert late.measures in page and "另一个隐患" not in page
    home = client.get("/").content.decode()
    assert 'data-testid="hazard-overdue-panel"' in home and late.hazard.name in home


def test_a_new_deadline_through_the_api_needs_a_date_and_a_reason(api, make_rectification):
    item = make_rectification(deadline=datetime.date(2026, 3, 10))
    client = api("meixian_office")
    url = f"/api/v1/hazard-rectifications/{item.pk}/change_deadline/"
    assert "deadline" in client.post(url, {"deadline": "soon", "reason": "x"}).json()
    assert "reason" in client.post(url, {"deadline": "2026-04-01"}).json()
    answer = client.post(url, {"deadline": "2026-04-01", "reason": "设备到货延迟"})
    assert answer.status_code == 200 and answer.json()["deadline"] == "2026-04-01"
    assert "设备到货延迟" in Rectification.objects.get(pk=item.pk).progress


def test_the_hazard_page_moves_a_rectification_through_its_steps(login, make_rectification):
    item = make_rectification(deadline=datetime.date(2026, 3, 10))
    office = login("meixian_office")
    base = f"/hazards/rectifications/{item.pk}"
    office.post(f"{base}/progress/", {"text": "已采购"})
    office.post(f"{base}/deadline/", {"deadline": "2026-04-01", "reason": "到货延迟"})
    office.post(f"{base}/done/", {"text": "已完成"})
    page = office.post(f"{base}/verify/", {"accepted": "yes"}, follow=True).content.decode()
    assert (
        "second person" in page or "第二人" in page or Rectification.objects.get(pk=item.pk).status == "done"
    )
    item.refresh_from_db()
    assert item.status == "done" and item.deadline == datetime.date(2026, 4, 1) and "已采购" in item.progress
    login("city_office").post(f"{base}/verify/", {"accepted": "yes"})
    assert Rectification.objects.get(pk=item.pk).status == "closed"
