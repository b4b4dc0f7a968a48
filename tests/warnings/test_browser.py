"""In the browser: city_office drafts an orange rainstorm warning for two counties; the author cannot approve it;
leader_city approves and publishes it; it is on the public page and in the feed; cancelling it removes it."""

import pytest

from tests.conftest import sign_in
from yingji.core.models import Division, Organisation
from yingji.incidents.models import EventType

pytestmark = pytest.mark.e2e


@pytest.fixture
def ids(demo_live):
    # The database is read before the browser starts: Playwright runs an event loop in this thread.
    return {
        "owner": str(Organisation.objects.get(name="梅州市应急管理局").pk),
        "rain": str(EventType.objects.get(code="11B03").pk),
        "counties": [str(d.pk) for d in Division.objects.filter(code__in=["441403", "441481"])],
    }


def test_a_warning_is_drafted_approved_by_another_published_and_cancelled(ids, page):
    sign_in(page, "city_office")
    page.goto(page.base_url + "/warnings/all/add/")
    page.select_option("#id_owner", ids["owner"])
    page.select_option("#id_event_type", ids["rain"])
    page.select_option("#id_level", "orange")
    page.select_option("#id_status", "Actual")
    page.fill("#id_description", "预计未来6小时梅县区、兴宁市将出现50毫米以上降水。")
    page.select_option("#id_divisions", ids["counties"])
    page.fill("#id_expires", "2099-01-01T08:00")
    page.locator("main form button[type=submit]").click()
    headline = "梅州市应急管理局发布暴雨橙色预警[Ⅱ级/严重]"
    assert headline in page.locator("main").inner_text()
    detail = page.url
    assert page.get_by_test_id("author-note").count() == 1
    assert page.get_by_test_id("approve").count() == 0

    page.context.clear_cookies()
    sign_in(page, "leader_city")
    page.goto(detail)
    page.get_by_test_id("approve").click()
    page.get_by_test_id("publish").click()
    assert page.get_by_test_id("publish-confirm").get_attribute("data-status") == "Actual"
    assert headline in page.get_by_test_id("publish-headline").inner_text()
    page.get_by_test_id("confirm-publish").click()
    assert page.get_by_test_id("warning-state").get_attribute("data-state") == "published"

    public = page.request.get(page.base_url + "/warnings/public/").text()
    assert headline in public
    feed = page.request.get(page.base_url + "/warnings/feed.atom").text()
    assert headline in feed

    page.context.clear_cookies()
    sign_in(page, "city_office")
    page.goto(detail)
    page.get_by_test_id("cancel").click()
    assert page.get_by_test_id("cancel-confirm").get_attribute("data-status") == "Actual"
    assert headline in page.get_by_test_id("cancel-headline").inner_text()
    page.get_by_test_id("confirm-cancel").click()
    page.goto(detail)
    assert page.get_by_test_id("warning-state").get_attribute("data-state") == "cancelled"
    assert headline not in page.request.get(page.base_url + "/warnings/public/").text()
    assert headline not in page.request.get(page.base_url + "/warnings/feed.atom").text()
