"""In the browser: the duty officer sees who is on duty, logs a call that needs a follow-up and hands over."""

import pytest
from django.utils import timezone

from tests.conftest import sign_in
from yingji.core.models import Organisation
from yingji.duty import services
from yingji.duty.demo.loader import load_duty
from yingji.duty.models import CallList

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_duty(demo_live):
    load_duty()
    city = Organisation.objects.get(name="梅州市应急管理局")
    shift = next(m.shift for m in services.on_duty(city).rows() if m.role == "duty_officer")
    flood = CallList.objects.get(name="梅州市防汛指挥部成员单位")
    return {"city": city.pk, "shift": shift.pk, "flood": flood.pk}


def test_the_duty_officer_sees_who_is_on_duty_logs_a_call_and_hands_over(demo_duty, page):
    # The database is read before the browser starts: Playwright runs an event loop in this thread.
    sign_in(page, "duty_city")
    board = page.get_by_test_id("on-duty-now")
    assert "梅州市应急管理局" in board.inner_text()
    assert board.locator("[data-role=duty_officer]").count() == 1

    page.goto(page.base_url + f"/duty/lists/{demo_duty['flood']}/print/")
    assert "温少华" in page.get_by_test_id("phone-list").inner_text()

    page.goto(page.base_url + "/duty/log/add/")
    page.select_option("#id_owner", str(demo_duty["city"]))
    page.fill("#id_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_kind", "call")
    page.fill("#id_source", "梅县区应急管理局 邓秀兰")
    page.fill("#id_content", "松口镇一处民房进水，已转移3人，需跟进水位。")
    page.check("#id_follow_up_needed")
    page.get_by_role("button", name="保存").click()
    assert "松口镇一处民房进水" in page.locator("main").inner_text()

    page.goto(page.base_url + f"/duty/shifts/{demo_duty['shift']}/handover/")
    assert "松口镇一处民房进水" in page.get_by_test_id("pending").inner_text()
    page.fill("#id_open_matters", "松口镇水位每小时跟进")
    page.fill("#id_equipment_status", "正常")
    page.get_by_role("button", name="保存").click()
    assert "松口镇一处民房进水" in page.get_by_test_id("pending").inner_text()
