"""End to end: a county writes a closed incident up as a case in the browser; another county reads it published."""

import datetime

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Yingji@2026"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"]


@pytest.fixture
def browser(chromium_path, live_server, closed_incident):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(browser, base_url, username, width=1280):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base_url + "/")
    return page


@pytest.fixture
def closed_incident(demo_live):
    """Made before the browser starts: Playwright's event loop forbids database calls in the test."""
    from django.utils import timezone

    from yingji.core.models import User
    from yingji.incidents import services
    from yingji.incidents.models import EventType

    user = User.objects.get(username="xingning_office")
    now = timezone.now()
    data = {
        "event_type": EventType.objects.get(code="12D04"),
        "title": "某化工企业储罐清洗作业中毒窒息",
        "division": user.organisation.division,
        "occurred_at": now - datetime.timedelta(days=2),
        "received_at": now - datetime.timedelta(days=2),
        "deaths": 3,
    }
    incident, _ = services.receive(user, data, channel="phone")
    return services.advance(user, incident, "closed", incident.version)


def test_a_county_writes_up_a_closed_incident_and_another_county_reads_the_published_case(
    closed_incident, browser, live_server
):
    from playwright.sync_api import expect

    incident = closed_incident
    page = signed_in(browser, live_server.url, "xingning_office")
    page.goto(f"{live_server.url}/cases/from-incident/{incident.pk}/")
    expect(page.locator("#id_title")).to_have_value(incident.title)
    expect(page.locator("#id_deaths")).to_have_value("3")
    expect(page.locator("#id_course")).to_contain_text("接报")
    page.fill("#id_lessons", "有限空间作业审批流于形式。")
    page.check("#id_published")
    page.locator("[data-testid=save-case]").click()
    expect(page.locator("h1")).to_contain_text(incident.title)
    expect(page.locator("[data-testid=case-texts]")).to_contain_text("有限空间作业审批流于形式。")
    expect(page.locator("[data-testid=case-incident] a")).to_have_attribute(
        "href", incident.get_absolute_url()
    )

    other = signed_in(browser, live_server.url, "meixian_office", width=375)
    other.goto(f"{live_server.url}/cases/?published=true")
    other.get_by_role("link", name=incident.title).click()
    expect(other.locator("[data-testid=case-figures]")).to_contain_text("3")
    expect(other.get_by_role("link", name="编辑")).to_have_count(0)
