"""The regulations library: demo texts, pages, roles and scope, API, and its place in search."""

import datetime

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from yingji.core.models import User
from yingji.regulations import text
from yingji.regulations.demo.loader import load_regulations, read_rows
from yingji.regulations.models import Regulation, RegulationStatus
from yingji.search import query

pytestmark = pytest.mark.django_db


def api_as(username):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def library(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_regulations()
    return Regulation.objects.all()


def make(username="city_office", **fields):
    user = User.objects.get(username=username)
    values = {
        "title": "测试文件",
        "kind": "normative",
        "issuing_body": "梅州市人民政府",
        "level": "city",
        "owner": user.organisation,
        **fields,
    }
    return Regulation.objects.create(**values)


def test_the_demo_library_holds_the_eight_national_texts(library):
    assert library.count() == len(read_rows()) == 8
    law = Regulation.objects.get(title="中华人民共和国突发事件应对法")
    assert law.effective_on == datetime.date(2024, 11, 1)
    assert law.level == "national"
    assert "第一百零六条 本法自2024年11月1日起施行。" in law.text
    assert not law.text.startswith("#")  # the title line is a field, not part of the text
    geo = Regulation.objects.get(title="地质灾害防治条例")
    assert (geo.document_number, geo.issued_on) == ("国务院令第394号", datetime.date(2003, 11, 24))


def test_loading_the_demo_again_changes_nothing(library):
    before = {r.pk: r.updated_at for r in Regulation.objects.all()}
    counts = load_regulations()
    assert counts == {"created": 0, "updated": 0, "unchanged": 8}
    assert {r.pk: r.updated_at for r in Regulation.objects.all()} == before


def test_a_demo_document_edited_since_is_put_back(library):
    law = Regulation.objects.get(title="地质灾害防治条例")
    law.text = "改过"
    law.save()
    assert load_regulations()["updated"] == 1
    law.refresh_from_db()
    assert law.text.startswith("2003年11月19日")


def test_the_demo_command_runs(library):
    call_command("demo_regulations", verbosity=0)
    assert Regulation.objects.count() == 8


def test_every_signed_in_user_reads_the_library(library, login):
    law = Regulation.objects.get(title="地质灾害防治条例")
    for username in ("xingning_office", "duty_city", "leader_city", "dept_water"):
        client = login(username)
        assert client.get("/regulations/").context["paginator"].count == 8, username
        assert client.get(f"/regulations/{law.pk}/").status_code == 200, username


def test_the_detail_page_shows_the_full_text_with_headings(library, login):
    law = Regulation.objects.get(title="地质灾害防治条例")
    body = login("duty_city").get(f"/regulations/{law.pk}/").content.decode()
    assert '<h3 class="h5" id="s1">第一章 总则</h3>' in body
    assert '<a href="#s1">第一章 总则</a>' in body
    assert '<strong class="article-no">第一条</strong>' in body


def test_the_full_text_is_escaped():
    html, headings = text.render("## 第一章 <b>总则</b>\n第一条 <script>x</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert headings[0].text == "第一章 <b>总则</b>"
    assert "&lt;b&gt;总则&lt;/b&gt;" in html


def test_the_list_filters_by_level_status_and_issuing_body(library, login):
    make(title="梅州市防汛应急预案管理办法", status=RegulationStatus.REPEALED)
    client = login("city_office")
    assert client.get("/regulations/", {"level": "city"}).context["paginator"].count == 1
    assert client.get("/regulations/", {"status": "repealed"}).context["paginator"].count == 1
    assert client.get("/regulations/", {"issuing_body": "全国人民代表大会"}).context["paginator"].count == 1


def test_the_list_search_reads_the_full_text_through_the_index(library, login):
    client = login("city_office")
    rows = client.get("/regulations/", {"q": "台风"}).context["rows"]
    assert [obj.title for obj, _ in rows] == ["气象灾害防御条例"]  # 台风 appears only in its text
    rows = client.get("/regulations/", {"q": "国务院令第394号"}).context["rows"]
    assert [obj.title for obj, _ in rows] == ["地质灾害防治条例"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_list_exports(library, login, fmt):
    response = login("city_office").get("/regulations/", {"export": fmt, "level": "national"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        assert "地质灾害防治条例" in content.decode("utf-8-sig")
    else:
        assert content[:2] == b"PK"


def test_an_office_adds_a_document_through_the_form(login):
    client = login("meixian_office")
    owner = User.objects.get(username="meixian_office").organisation
    response = client.post(
        "/regulations/add/",
        {
            "title": "梅县区突发事件应急预案管理办法",
            "kind": "normative",
            "issuing_body": "梅县区人民政府",
            "level": "city",
            "status": "in_force",
            "owner": owner.pk,
            "text": "## 第一章 总则\n第一条 为了规范……",
        },
    )
    assert response.status_code == 302
    assert Regulation.objects.get(title="梅县区突发事件应急预案管理办法").owner == owner


def test_a_duty_officer_may_not_add_or_change(library, login):
    law = Regulation.objects.first()
    client = login("duty_city")
    assert client.get("/regulations/add/").status_code == 403
    assert client.get(f"/regulations/{law.pk}/edit/").status_code == 404


def test_a_county_office_reads_but_may_not_change_the_citys_documents(library, login):
    law = Regulation.objects.get(title="地质灾害防治条例")
    client = login("meixian_office")
    assert client.get(f"/regulations/{law.pk}/").status_code == 200
    assert client.get(f"/regulations/{law.pk}/edit/").status_code == 404
    assert client.post(f"/regulations/{law.pk}/delete/").status_code == 404


def test_a_document_in_force_has_no_replacement(library, login):
    old = make(title="旧办法")
    new = make(title="新办法")
    response = login("city_office").post(
        f"/regulations/{old.pk}/edit/",
        {
            "title": "旧办法",
            "kind": "normative",
            "issuing_body": "梅州市人民政府",
            "level": "city",
            "status": "in_force",
            "replaced_by": new.pk,
            "owner": old.owner_id,
        },
    )
    assert response.status_code == 200
    assert "replaced_by" in response.context["form"].errors


def test_the_api_lists_without_the_full_text_and_reads_it_per_document(library):
    client = api_as("leader_city")
    data = client.get("/api/v1/regulations/", {"level": "national"}).json()
    assert data["count"] == 8
    assert "text" not in data["results"][0]
    one = client.get(f"/api/v1/regulations/{data['results'][0]['id']}/").json()
    assert len(one["text"]) > 1000


def test_the_api_writes_by_role():
    body = {
        "title": "梅州市森林防火规定",
        "kind": "local",
        "issuing_body": "梅州市人大常委会",
        "level": "city",
    }
    assert api_as("leader_city").post("/api/v1/regulations/", body, format="json").status_code == 403
    response = api_as("city_office").post("/api/v1/regulations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == User.objects.get(username="city_office").organisation_id


def test_the_api_does_not_let_a_county_change_the_citys_documents(library):
    law = Regulation.objects.get(title="地质灾害防治条例")
    client = api_as("xingning_office")
    assert client.get(f"/api/v1/regulations/{law.pk}/").status_code == 200
    assert client.patch(f"/api/v1/regulations/{law.pk}/", {"title": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/regulations/{law.pk}/").status_code == 404


def test_the_library_is_searchable_by_every_user(library):
    for username in ("xingning_office", "dept_water", "duty_city"):
        results = query.search(User.objects.get(username=username), "山洪")
        assert "气象灾害防御条例" not in [h.entry.title for h in results.hits]  # it speaks of 台风, not 山洪
        results = query.search(User.objects.get(username=username), "台风", kind="regulation")
        assert [h.entry.title for h in results.hits] == ["气象灾害防御条例"], username


def test_a_new_document_is_found_once_saved_and_gone_once_deleted(django_capture_on_commit_callbacks):
    user = User.objects.get(username="city_office")
    with django_capture_on_commit_callbacks(execute=True):
        doc = make(title="梅州市停电应急办法", text="大面积停电事件的应对")
    hit = query.search(user, "停电").hits[0]
    assert (hit.entry.title, hit.entry.url, hit.entry.level) == (
        "梅州市停电应急办法",
        doc.get_absolute_url(),
        "city",
    )
    with django_capture_on_commit_callbacks(execute=True):
        doc.delete()
    assert query.search(user, "停电").count == 0


def test_the_list_page_costs_a_fixed_number_of_queries(library, login, django_assert_max_num_queries):
    client = login("city_office")
    client.get("/regulations/")
    with django_assert_max_num_queries(8):
        client.get("/regulations/")
