import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.incidents.conftest import api, report  # noqa: F401  (the incidents fixtures, reused)
from yingji.core.models import Organisation, User
from yingji.plans import services
from yingji.plans.models import Plan, RequiredPlan


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


@pytest.fixture
def make_plan(db):
    """A plan saved through the service as the city administrator: make_plan("梅州市水利局", kind="special")."""

    def _make(owner: str, *, title: str = "测试应急预案", required: int | None = None, **fields) -> Plan:
        fields.setdefault("kind", "special")
        fields.setdefault("category", "natural")
        if fields.get("status", "draft") != "draft":
            fields.setdefault("issued_on", datetime.date(2026, 11, 2))
        plan = Plan(
            owner=org(owner),
            title=title,
            required=RequiredPlan.objects.get(order=required) if required else None,
            **fields,
        )
        return services.save_plan(User.objects.get(username="city_admin"), plan)

    return _make


@pytest.fixture
def plan_file():
    def _file(text: str = "1 总则\n为做好防汛防旱防风工作，制定本预案。", name: str = "预案.txt"):
        return SimpleUploadedFile(name, text.encode(), content_type="text/plain")

    return _file
