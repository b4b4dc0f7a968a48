import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.plans.conftest import org
from yingji.core.models import Notification, User
from yingji.incidents.services import as_of
from yingji.plans import services
from yingji.plans.models import FilingStep, Plan

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


@pytest.mark.parametrize(
    ("owner", "kind", "filed_with"),
    [
        ("梅州市梅县区人民政府", "overall", "梅州市人民政府"),
        ("梅州市梅县区水利局", "special", "梅州市水利局"),
        ("梅州市梅县区自然资源局", "special", "梅州市自然资源局"),
        ("梅州市梅县区水利局", "department", "梅州市梅县区人民政府"),
        ("梅州市梅县区松口镇人民政府", "town", "梅州市梅县区人民政府"),
        ("梅州市梅县区雁洋镇桥溪村民委员会", "community", "梅州市梅县区雁洋镇人民政府"),
        ("梅州市畲江新材料有限公司", "enterprise", "梅州市梅县区应急管理局"),
        ("梅州市梅江区金山小学", "school", "梅州市梅江区教育局"),
        ("梅州市水利局", "department", "梅州市人民政府"),
        ("丰顺县人民政府", "joint", "梅州市人民政府"),
    ],
)
def test_each_plan_kind_is_filed_with_the_body_the_rules_name(make_plan, owner, kind, filed_with):
    plan = make_plan(owner, kind=kind)
    assert plan.filing_body.name == filed_with


def test_a_city_special_plan_is_filed_above_the_platform_and_recorded_by_the_city_office(make_plan):
    plan = make_plan("梅州市水利局", kind="special")
    assert plan.filing_body is None
    assert plan.filing_body_name == "上一级人民政府相应主管部门"
    assert services.may_file(user("city_office"), plan)
    assert not services.may_file(user("meixian_office"), plan)


def test_the_level_follows_the_owner_unless_given(make_plan):
    assert make_plan("梅州市梅县区松口镇人民政府", kind="town").level == "town"
    assert make_plan("梅州市畲江新材料有限公司", kind="enterprise").level == "unit"
    assert make_plan("梅州市水利局").level == "city"


def test_the_filing_deadline_is_twenty_working_days_after_issue_across_national_day(make_plan):
    plan = make_plan("梅州市水利局", status="issued", issued_on=datetime.date(2025, 9, 26))
    assert plan.filing_due == datetime.date(2025, 10, 30)


def test_an_issued_plan_needs_its_issue_date(make_plan):
    with pytest.raises(ValidationError) as error:
        make_plan("梅州市水利局", status="issued", issued_on=None)
    assert "issued_on" in error.value.message_dict


def test_a_plan_is_submitted_with_its_text_then_filed_by_the_office_that_receives_it(make_plan, plan_file):
    plan = make_plan("梅州市梅县区水利局", status="issued", issued_on=datetime.date(2026, 11, 2))
    county = user("meixian_office")
    with pytest.raises(ValidationError) as error:
        services.submit(county, plan)
    assert "file" in error.value.message_dict
    services.add_version(county, plan, plan_file())
    with as_of(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)):
        plan = services.submit(county, plan)
    assert plan.filing == Plan.Filing.SUBMITTED and not plan.filing_late
    assert Notification.objects.filter(
        recipient__username="city_office", subject__contains=plan.title
    ).exists()
    with pytest.raises(PermissionDenied):
        services.file(county, plan)  # the county cannot file its own plan
    with pytest.raises(PermissionDenied):
        services.file(user("xingning_office"), plan)
    with pytest.raises(PermissionDenied):
        services.receive(county, plan)
    plan = services.receive(user("city_office"), plan)
    assert plan.filing == Plan.Filing.RECEIVED
    with pytest.raises(ValidationError):
        services.receive(user("city_office"), plan)  # received once
    plan = services.file(user("city_office"), plan, "材料齐全")
    assert plan.filing == Plan.Filing.FILED and plan.filed_at
    steps = list(FilingStep.objects.filter(plan=plan).values_list("step", flat=True))
    assert steps == ["submitted", "received", "filed"]
    with pytest.raises(ValidationError):
        services.submit(county, plan)  # already filed


def test_a_returned_plan_needs_a_reason_and_can_be_submitted_again(make_plan, plan_file):
    plan = make_plan("梅州市梅县区水利局", status="issued")
    county = user("meixian_office")
    services.add_version(county, plan, plan_file())
    services.submit(county, plan)
    with pytest.raises(ValidationError):
        services.return_for_revision(user("city_office"), plan, "  ")
    plan = services.return_for_revision(user("city_office"), plan, "缺少应急响应分级标准")
    assert plan.filing == Plan.Filing.RETURNED and plan.filing_note == "缺少应急响应分级标准"
    assert Notification.objects.filter(recipient=county, body="缺少应急响应分级标准").exists()
    assert services.submit(county, plan).filing == Plan.Filing.SUBMITTED


def test_a_submission_after_twenty_working_days_is_flagged_late(make_plan, plan_file):
    plan = make_plan("梅州市梅县区水利局", status="issued", issued_on=datetime.date(2026, 9, 15))
    county = user("meixian_office")
    services.add_version(county, plan, plan_file())
    # 20 working days: Sunday 20 Sep and Saturday 10 Oct worked, Mid-Autumn and National Day skipped
    assert plan.filing_due == datetime.date(2026, 10, 19)
    with as_of(datetime.datetime(2026, 10, 19, 8, tzinfo=datetime.UTC)):
        assert not services.submit(county, plan).filing_late
    plan.filing, plan.submitted_at = Plan.Filing.RETURNED, None
    plan.save()
    with as_of(datetime.datetime(2026, 10, 20, 8, tzinfo=datetime.UTC)):
        assert services.submit(county, plan).filing_late


def test_a_draft_cannot_be_submitted(make_plan, plan_file):
    plan = make_plan("梅州市梅县区水利局")
    with pytest.raises(ValidationError) as error:
        services.submit(user("meixian_office"), plan)
    assert "status" in error.value.message_dict


def test_a_plan_file_of_another_type_is_refused_and_its_text_is_kept_for_search(make_plan, plan_file):
    plan = make_plan("梅州市水利局")
    with pytest.raises(ValidationError) as error:
        services.add_version(user("dept_water"), plan, plan_file(name="预案.exe"))
    assert "file" in error.value.message_dict
    version = services.add_version(user("dept_water"), plan, plan_file("山洪灾害防御"))
    assert version.number == 1 and "山洪" in version.text
    assert services.add_version(user("dept_water"), plan, plan_file()).number == 2


def test_a_drill_moves_the_drill_due_date_and_cannot_lie_in_the_future(make_plan):
    from yingji.plans.models import Drill

    plan = make_plan("梅州市梅县区水利局", status="issued", issued_on=datetime.date(2022, 3, 1))
    assert plan.drill_due == datetime.date(2025, 3, 1)
    drill = Drill(plan=plan, date=datetime.date(2026, 5, 20), organiser="梅县区水利局", scenario="山洪")
    services.record_drill(user("meixian_office"), drill)
    plan.refresh_from_db()
    assert (plan.last_drilled_on, plan.drill_due) == (datetime.date(2026, 5, 20), datetime.date(2029, 5, 20))
    with pytest.raises(ValidationError):
        services.record_drill(
            user("meixian_office"),
            Drill(plan=plan, date=datetime.date(2099, 1, 1), organiser="x", scenario="x"),
        )


def test_a_county_user_sees_another_countys_issued_plan_but_not_its_draft(make_plan, login):
    draft = make_plan("兴宁市水利局", title="兴宁草稿预案")
    issued = make_plan("兴宁市水利局", title="兴宁已发布预案", status="issued")
    client = login("meixian_office")
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(issued.get_absolute_url()).status_code == 200
    assert client.post(f"/plans/all/{issued.pk}/edit/", {"title": "改"}).status_code == 404
    listing = client.get("/plans/all/").content.decode()
    assert "兴宁已发布预案" in listing and "兴宁草稿预案" not in listing


def test_the_filing_body_sees_a_draft_it_must_file(make_plan):
    plan = make_plan("梅州市梅县区水利局", title="县水利专项预案")
    from yingji.core.scoping import scoped

    assert scoped(Plan.objects.filter(pk=plan.pk), user("dept_water")).exists()
    assert not scoped(Plan.objects.filter(pk=plan.pk), user("dept_water"), "change").exists()
    assert org("梅州市水利局") == plan.filing_body


def test_a_filing_step_lands_in_the_change_log_of_the_plans_county(make_plan, plan_file):
    from yingji.core.models import ObjectChange

    plan = make_plan("梅州市梅县区水利局", status="issued")
    services.add_version(user("meixian_office"), plan, plan_file())
    services.submit(user("meixian_office"), plan)
    step = ObjectChange.objects.filter(content_type__model="filingstep").latest("pk")
    assert step.division_path == plan.owner.division.path and step.organisation_path == plan.owner.path
