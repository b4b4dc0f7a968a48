"""End to end in a real browser: Debian's Chromium driven by Playwright."""

import re

import pytest

from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.e2e


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


def test_a_duty_officer_records_an_explosion_sees_it_graded_and_submits_the_first_report_on_time(page):
    from playwright.sync_api import expect

    sign_in(page, "duty_city")
    page.goto(page.base_url + "/incidents/new/")
    page.fill("#id_event_type", "12D01 危险化学品爆炸事故")
    page.fill("#id_title", "梅县区化工厂反应釜爆炸")
    page.fill("#id_address", "梅县区畲江镇工业园")
    page.locator("summary", has_text="更多").click()
    page.locator("[data-testid=pick-map]").click(position={"x": 120, "y": 90})
    expect(page.locator("#id_latitude")).to_have_value(re.compile(r"^2\d\.\d{6}$"))
    expect(page.locator("#id_longitude")).to_have_value(re.compile(r"^11\d\.\d{6}$"))
    page.fill("#id_deaths", "3")
    page.locator("#id_deaths").press("Tab")
    preview = page.locator("[data-testid=grade-preview]")
    expect(preview).to_contain_text("较大")
    expect(preview).to_contain_text("死亡 3 人")
    page.locator("[data-testid=save-incident]").click()

    grade = page.locator("[data-testid=grade]")
    expect(grade).to_contain_text("较大")
    expect(grade).to_contain_text("死亡 3 人")
    expect(page.locator(".map")).to_have_count(1)  # the picked point is on the incident's map
    obligations = page.locator("[data-testid=obligations]")
    expect(obligations).to_contain_text("首报")
    expect(obligations).to_contain_text("省")
    expect(obligations.locator("tbody tr").first).to_contain_text(":")  # a due time

    page.locator("[data-testid=new-first-report]").click()
    report = page.locator("[data-testid=report]")
    expect(report).to_contain_text("突发事件信息报告")
    expect(report).to_contain_text("梅县区化工厂反应釜爆炸")
    with page.expect_download() as download:
        page.locator("[data-testid=docx]").click()
    assert download.value.suggested_filename.endswith(".docx")
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=report]")).to_contain_text("报送至")

    page.goto(page.url.split("/incidents/")[0] + "/incidents/")
    page.get_by_role("link", name="梅县区化工厂反应釜爆炸").click()
    expect(page.locator("[data-testid=obligations]")).to_contain_text("按时报送")
