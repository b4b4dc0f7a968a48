"""In the browser: a department submits a special plan for filing, the city office files it."""

import importlib

import pytest
from django.apps import apps

from tests.conftest import sign_in
from yingji.plans.demo.loader import load_plans
from yingji.plans.models import Plan

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_plans(demo_live):
    importlib.import_module("yingji.plans.migrations.0002_reference_data").load(apps, None)
    load_plans()
    return Plan.objects.get(title="梅州市防汛防旱防风应急预案").get_absolute_url()


def coverage_state(page, cell="cell-1-0"):  # 防汛防旱防风 × 梅州市
    page.goto(page.base_url + "/plans/coverage/")
    return page.get_by_test_id(cell).get_attribute("data-state")


def test_a_department_submits_a_special_plan_and_the_city_office_files_it(demo_plans, page, tmp_path):
    # The database is read before the browser starts: Playwright runs an event loop in this thread.
    plan_url = demo_plans
    text = tmp_path / "防汛防旱防风应急预案（2026年修订）.txt"
    text.write_text("1 总则\n为防御洪涝、干旱和台风灾害，制定本预案。", encoding="utf-8")

    sign_in(page, "dept_water")
    page.goto(page.base_url + plan_url)
    page.locator("details:has([data-testid=upload-version]) > summary").click()
    page.set_input_files("input[type=file][name=file]", str(text))
    page.get_by_test_id("upload-version").click()
    assert "防汛防旱防风应急预案（2026年修订）.txt" in page.get_by_test_id("versions").inner_text()
    assert page.get_by_test_id("plan-state").get_attribute("data-state") == "unfiled"
    page.get_by_test_id("submit-filing").click()
    assert page.get_by_test_id("filing").get_attribute("data-filing") == "submitted"

    page.context.clear_cookies()
    sign_in(page, "city_office")
    assert coverage_state(page) == "unfiled"
    page.goto(page.base_url + plan_url)
    page.get_by_test_id("receive-plan").click()
    assert page.get_by_test_id("filing").get_attribute("data-filing") == "received"
    page.get_by_test_id("file-plan").click()
    assert page.get_by_test_id("filing").get_attribute("data-filing") == "filed"
    assert coverage_state(page) == "filed"
