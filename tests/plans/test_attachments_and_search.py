import pytest
from django.db import transaction

from yingji.core.models import User
from yingji.plans import services
from yingji.search.query import search

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plans_reference(demo_live):
    """A transactional test empties the database: load the plans' reference data again."""
    import importlib

    from django.apps import apps

    importlib.import_module("yingji.plans.migrations.0002_reference_data").load(apps, None)


def titles(username, q):
    return [hit.entry.title for hit in search(User.objects.get(username=username), q).hits]


def test_the_text_of_a_plans_attachment_is_found_by_search(plans_reference, make_plan, plan_file):
    plan = make_plan("梅州市梅县区水利局", title="梅县区山洪灾害防御预案", status="issued")
    with transaction.atomic():
        services.add_attachment(
            User.objects.get(username="meixian_office"),
            plan,
            plan_file("附件：山洪灾害危险区转移路线图说明"),
            "转移路线",
        )
    assert "梅县区山洪灾害防御预案" in titles("xingning_office", "转移路线")
    assert titles("xingning_office", "路线图说明") == ["梅县区山洪灾害防御预案"]


def test_a_county_never_finds_another_countys_unpublished_plan(plans_reference, make_plan, plan_file):
    draft = make_plan("梅州市梅县区水利局", title="梅县区停电应对预案草案")
    with transaction.atomic():
        services.add_version(
            User.objects.get(username="meixian_office"), draft, plan_file("大面积停电时的供水保障")
        )
    assert titles("meixian_office", "停电") == ["梅县区停电应对预案草案"]
    assert titles("city_office", "停电") == ["梅县区停电应对预案草案"]
    assert titles("xingning_office", "停电") == []
