"""End to end in a real browser: Debian's Chromium driven by Playwright."""

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Yingji@2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(chromium_path, live_server, demo_live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.base_url = live_server.url
        yield page
        browser.close()
        assert outside == [], f"the pages loaded from outside the server: {outside}"


def test_a_city_office_user_signs_in_opens_the_tree_and_a_county_then_switches_to_english(page):
    from playwright.sync_api import expect

    page.goto(page.base_url + "/login/")
    expect(page.locator("h1")).to_contain_text("应急管理")
    page.fill("#id_username", "city_office")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("nav")).to_contain_text("组织机构")

    page.goto(page.base_url + "/org/tree/")
    expect(page.locator("[data-testid=org-tree]")).to_contain_text("梅州市应急管理局")
    page.get_by_role("link", name="梅县区", exact=True).click()
    expect(page.locator("h1")).to_contain_text("梅县区")
    expect(page.locator("body")).to_contain_text("梅县区应急管理局")

    page.locator("[data-testid=language-switch] button", has_text="English").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("梅县区")
    expect(page.locator("body")).to_contain_text("Divisions below")

    page.goto(page.base_url + "/org/tree/")
    expect(page.locator("h1")).to_have_text("Organisation tree")
