"""The demo city: it loads, loads again without change, and holds what the demo promises."""

import shutil
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate

from yingji.core.demo import loader
from yingji.core.demo.loader import PASSWORD, DemoDataError, load_demo, read_csv
from yingji.core.models import Contact, Division, ObjectChange, Organisation, OrganisationKind, User

# The county-level divisions of 梅州市 (441400) with their seats, copied from the shared reference
# file meizhou_divisions.csv (GB/T 2260 codes; seat coordinates approximate).
REFERENCE_COUNTIES = {
    "441402": ("梅江区", "24.310", "116.117"),
    "441403": ("梅县区", "24.266", "116.082"),
    "441422": ("大埔县", "24.351", "116.695"),
    "441423": ("丰顺县", "23.760", "116.180"),
    "441424": ("五华县", "23.932", "115.776"),
    "441426": ("平远县", "24.567", "115.891"),
    "441427": ("蕉岭县", "24.658", "116.171"),
    "441481": ("兴宁市", "24.138", "115.731"),
}

DEMO_USERS = {
    "city_admin": ("admin", "梅州市应急管理局"),
    "city_office": ("office", "梅州市应急管理局"),
    "duty_city": ("duty", "梅州市应急管理局"),
    "leader_city": ("leader", "梅州市人民政府"),
    "meixian_office": ("office", "梅州市梅县区应急管理局"),
    "xingning_office": ("office", "兴宁市应急管理局"),
    "dept_water": ("liaison", "梅州市水利局"),
}

COMMAND_BODIES = {
    "梅州市自然灾害应急领导小组",
    "梅州市安全生产委员会",
    "梅州市突发公共卫生应急指挥部",
    "梅州市社会安全事件应急领导小组",
    "梅州市突发环境与民用核辐射污染事故预防和应急救援管理委员会",
    "梅州市防震抗震救灾工作领导小组",
}

FILES = {
    "Division": "divisions.csv",
    "Organisation": "organisations.csv",
    "Contact": "contacts.csv",
    "User": "users.csv",
}


def test_the_demo_loads_every_row_of_its_files(db):
    counts = load_demo()

    for model, filename in FILES.items():
        assert sum(counts[model].values()) == len(read_csv(filename)), model
    city = Division.objects.get(code="441400")
    assert (city.name, city.level, city.parent) == ("梅州市", "city", None)
    assert Organisation.objects.get(name="梅州市人民政府", division=city).parent is None


def test_loading_the_demo_twice_creates_nothing_new(db):
    load_demo()
    models = (Division, Organisation, Contact, User)
    before = {model: model.objects.count() for model in models}
    changes = ObjectChange.objects.count()

    counts = load_demo()

    assert all(n["created"] == 0 and n["updated"] == 0 for n in counts.values()), counts
    assert {model: model.objects.count() for model in models} == before
    assert ObjectChange.objects.count() == changes


def test_loading_the_demo_restores_an_edited_record_and_logs_it_as_system(db):
    load_demo()
    office = Organisation.objects.get(name="梅州市应急管理局")
    office.phone = "0753-0000000"
    office.save()

    counts = load_demo()

    assert counts["Organisation"]["updated"] == 1
    office.refresh_from_db()
    assert office.phone == "0753-2180110"
    change = ObjectChange.objects.filter(object_id=str(office.pk)).first()  # newest first
    assert (change.user_name, change.action) == ("system", "update")
    assert (change.before["phone"], change.after["phone"]) == ("0753-0000000", "0753-2180110")


def test_the_eight_counties_have_the_codes_and_seats_of_the_reference_list(db):
    load_demo()
    counties = Division.objects.filter(parent__code="441400")

    assert {d.code: (d.name, d.latitude, d.longitude) for d in counties} == {
        code: (name, Decimal(lat), Decimal(lon)) for code, (name, lat, lon) in REFERENCE_COUNTIES.items()
    }
    assert {d.level for d in counties} == {"county"}


def test_every_town_and_village_code_extends_its_parents_code(db):
    load_demo()
    for division in Division.objects.filter(level__in=["town", "village"]).select_related("parent"):
        assert division.code.startswith(division.parent.code), division.code
        assert len(division.code) == {"town": 9, "village": 12}[division.level], division.code


def test_every_demo_organisation_lies_within_its_parents_division(db):
    load_demo()
    for org in Organisation.objects.filter(parent__isnull=False).select_related(
        "division", "parent__division"
    ):
        assert org.division.path.startswith(org.parent.division.path), org.name


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_demo_user_has_its_role_and_signs_in_with_the_demo_password(db, username):
    load_demo()
    role, organisation = DEMO_USERS[username]

    user = authenticate(request=None, username=username, password=PASSWORD)

    assert user is not None
    assert (user.role, user.organisation.name) == (role, organisation)
    assert user.first_name and user.email.endswith(".example.gov.cn")


def test_the_city_committee_has_exactly_six_command_bodies(db):
    load_demo()
    committee = Organisation.objects.get(name="梅州市突发事件应急委员会", division__code="441400")

    assert committee.kind == OrganisationKind.COMMITTEE
    bodies = Organisation.objects.filter(kind=OrganisationKind.COMMAND_BODY, division__code="441400")
    assert {body.name for body in bodies} == COMMAND_BODIES
    assert {body.parent_id for body in bodies} == {committee.pk}


def test_a_bad_row_names_its_file_and_line_and_writes_nothing(db, tmp_path, monkeypatch):
    load_demo()
    shutil.copytree(loader.DATA_DIR, tmp_path, dirs_exist_ok=True)
    divisions = tmp_path / "divisions.csv"
    divisions.write_text(
        divisions.read_text(encoding="utf-8").replace(",梅州市,", ",梅州,", 1), encoding="utf-8"
    )
    contacts = tmp_path / "contacts.csv"
    lines = contacts.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",1370753", ",2370753")  # a mobile number must start with 1
    contacts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", tmp_path)
    changes = ObjectChange.objects.count()

    with pytest.raises(DemoDataError, match=r"contacts\.csv, line 3: .*mobile"):
        load_demo()

    assert Division.objects.get(code="441400").name == "梅州市"  # the division update was rolled back
    assert ObjectChange.objects.count() == changes
