import datetime

import pytest
from django.utils import translation

from tests.plans.conftest import org
from yingji.core.models import Contact, Delivery, User
from yingji.plans import coverage, services
from yingji.plans.models import Plan, ResponseLevel, UnitDuty

pytestmark = pytest.mark.django_db


def cell(user, required_order, division_name):
    matrix = coverage.matrix(User.objects.get(username=user))
    column = [d.name for d in matrix.columns].index(division_name)
    row = next(cells for required, cells in matrix.rows if required.order == required_order)
    return row[column][0]


def test_each_coverage_state_appears_in_its_cell(make_plan):
    today = services.today()
    make_plan("梅州市梅县区水利局", required=1, title="县防汛草稿")
    make_plan("梅州市梅县区自然资源局", required=2, status="issued", issued_on=today)
    filed = make_plan("兴宁市水利局", required=1, status="issued", issued_on=today, last_evaluated_on=today)
    Plan.objects.filter(pk=filed.pk).update(
        filing=Plan.Filing.FILED, last_drilled_on=today, drill_due=today.replace(year=today.year + 3)
    )
    old = make_plan("兴宁市人民政府", required=4, status="issued", issued_on=datetime.date(2020, 1, 6))
    Plan.objects.filter(pk=old.pk).update(filing=Plan.Filing.FILED)
    undrilled = make_plan(
        "兴宁市应急管理局", required=7, status="issued", issued_on=today, last_evaluated_on=today
    )
    Plan.objects.filter(pk=undrilled.pk).update(
        filing=Plan.Filing.FILED, drill_due=today - datetime.timedelta(days=1)
    )
    assert cell("city_office", 1, "梅县区") == coverage.Cell.DRAFT
    assert cell("city_office", 2, "梅县区") == coverage.Cell.UNFILED
    assert cell("city_office", 3, "梅县区") == coverage.Cell.MISSING
    assert cell("city_office", 1, "兴宁市") == coverage.Cell.FILED
    assert cell("city_office", 4, "兴宁市") == coverage.Cell.EVALUATION_OVERDUE
    assert cell("city_office", 7, "兴宁市") == coverage.Cell.DRILL_OVERDUE


def test_the_best_plan_of_a_jurisdiction_decides_its_cell(make_plan):
    make_plan("梅州市梅县区水利局", required=1, title="草稿")
    make_plan("梅州市梅县区人民政府", required=1, title="已发布", status="issued")
    assert cell("city_office", 1, "梅县区") == coverage.Cell.UNFILED


def test_a_county_user_sees_only_its_own_column(make_plan):
    matrix = coverage.matrix(User.objects.get(username="meixian_office"))
    assert [d.name for d in matrix.columns] == ["梅县区"]


def test_counts_per_kind_leave_out_drafts(make_plan):
    make_plan("梅州市水利局", kind="department", status="issued", title="部门预案一")
    make_plan("梅州市水利局", kind="department", title="部门预案草稿")
    make_plan("梅州市梅县区松口镇人民政府", kind="town", status="issued", title="松口镇预案")
    counts = dict(coverage.counts(User.objects.get(username="city_office")))
    by_name = {d.name: n for d, n in counts.items()}
    kinds = [k.value for k in coverage.COUNTED_KINDS]
    assert by_name["梅州市"][kinds.index("department")] == 1
    assert by_name["梅县区"][kinds.index("town")] == 1


def sections(plan, lead, duties, levels=(1, 2, 3, 4)):
    for level in levels:
        response = ResponseLevel.objects.create(
            plan=plan, level=level, trigger_incident_level=level, lead=lead
        )
        for unit, duty in duties:
            UnitDuty.objects.create(response_level=response, unit=unit, duty=duty, within_hours=2)


def test_a_county_plan_that_differs_from_the_citys_is_listed(make_plan):
    city = make_plan("梅州市应急管理局", required=8, status="issued", title="市危化预案")
    county = make_plan("兴宁市应急管理局", required=8, status="issued", title="县危化预案")
    same = make_plan("梅州市梅县区应急管理局", required=8, status="issued", title="梅县危化预案")
    sections(city, org("梅州市安全生产委员会"), [])
    sections(county, org("兴宁市应急管理局"), [], levels=(2, 3, 4))
    sections(same, org("梅州市梅县区应急管理局"), [], levels=(1, 2, 3, 4))
    ResponseLevel.objects.filter(plan=same).update(lead=org("梅州市梅县区应急管理局"))
    ResponseLevel.objects.filter(plan=city, level=4).update(lead=org("梅州市应急管理局"))
    ResponseLevel.objects.filter(plan=same, level__lte=3).delete()
    sections(same, org("梅州市安全生产委员会"), [], levels=(1, 2, 3))
    with translation.override("en"):
        found = coverage.consistency(User.objects.get(username="city_office"))
    problems = [(m.county_plan.title, m.problem) for m in found]
    assert ("县危化预案", "Level I is missing.") in problems
    assert any(t == "县危化预案" and "Level II is led by 兴宁市应急管理局" in p for t, p in problems)
    assert all(t != "梅县危化预案" for t, p in problems)


@pytest.fixture
def hazchem_plan(make_plan):
    plan = make_plan(
        "梅州市应急管理局",
        required=8,
        status="issued",
        title="梅州市危险化学品事故应急预案",
        event_types="12D",
        category="safety",
    )
    sections(
        plan,
        org("梅州市安全生产委员会"),
        [
            (org("梅州市消防救援支队"), "灭火、堵漏和人员搜救"),
            (org("梅州市卫生健康局"), "伤员救治"),
            (org("梅州市生态环境局"), "环境应急监测"),
        ],
    )
    return plan


def test_an_incident_of_a_covered_type_proposes_the_plan_at_the_matching_level(hazchem_plan, report):
    incident = report("duty_city", "12D01", deaths=3, division="441403", title="化工厂爆炸")
    assert incident.level == 3
    proposals = services.proposals(User.objects.get(username="duty_city"), incident)
    assert [(p.plan, p.response.level) for p in proposals] == [(hazchem_plan, 3)]
    road = report("duty_city", "12H01", deaths=3, division="441403")
    assert services.proposals(User.objects.get(username="duty_city"), road) == []


def test_activating_level_two_tasks_every_member_unit_and_notifies_its_contacts(hazchem_plan, report):
    incident = report("duty_city", "12D01", deaths=12, division="441403", title="化工厂爆炸")
    units = [org(n) for n in ("梅州市消防救援支队", "梅州市卫生健康局", "梅州市生态环境局")]
    for unit in units:
        Contact.objects.get_or_create(
            owner=unit,
            name=f"{unit.short_name or unit.name}值班员",
            defaults={"email": f"duty{unit.pk}@mz.example.gov.cn"},
        )
    activation = services.activate(User.objects.get(username="duty_city"), hazchem_plan, incident, 2)
    incident.refresh_from_db()
    assert incident.status == "responding" and incident.response_level == 2
    tasks = list(incident.tasks.order_by("pk"))
    assert [t.unit for t in tasks] == units
    assert [t.title for t in tasks] == ["灭火、堵漏和人员搜救", "伤员救治", "环境应急监测"]
    assert all(t.due_at == activation.at + datetime.timedelta(hours=2) for t in tasks)
    emails = set(Contact.objects.filter(owner__in=units).exclude(email="").values_list("email", flat=True))
    sent = set(Delivery.objects.filter(subject__contains="化工厂爆炸").values_list("address", flat=True))
    assert emails and emails <= sent
    assert incident.log.filter(text__contains=hazchem_plan.title).exists()


def test_a_plan_level_that_does_not_exist_cannot_be_activated(hazchem_plan, report):
    from django.core.exceptions import ValidationError

    ResponseLevel.objects.filter(plan=hazchem_plan, level=1).delete()
    incident = report("duty_city", "12D01", deaths=40, division="441403")
    with pytest.raises(ValidationError):
        services.activate(User.objects.get(username="duty_city"), hazchem_plan, incident, 1)
    assert not incident.tasks.exists()
