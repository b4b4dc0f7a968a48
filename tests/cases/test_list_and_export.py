"""The case list: filters, a fixed number of queries, and exports carrying the whole write-up."""

import csv
import io

import pytest
from openpyxl import load_workbook

from yingji.core.models import Division

pytestmark = pytest.mark.django_db

# Session, user, count, page rows (with type, division and owner), unread notifications, division filter choices.
LIST_QUERIES = 6
# Token with user; count; page rows; their attachments.
API_QUERIES = 4


def test_the_list_runs_a_fixed_number_of_queries(case, login, django_assert_num_queries):
    case("xingning_office", published=True)
    client = login("city_office")
    client.get("/cases/")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/cases/").status_code == 200
    for i in range(6):
        case("city_office" if i % 2 else "meixian_office", published=bool(i % 3), title=f"案例{i}")
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/cases/")
    assert len(response.context["rows"]) == 7


def test_the_list_endpoint_runs_a_fixed_number_of_queries(case, api, django_assert_num_queries):
    case("xingning_office", published=True)
    client = api("city_office")
    client.get("/api/v1/cases/")
    with django_assert_num_queries(API_QUERIES):
        client.get("/api/v1/cases/")
    for i in range(6):
        case("city_office", title=f"案例{i}")
    with django_assert_num_queries(API_QUERIES):
        assert client.get("/api/v1/cases/").json()["count"] == 7


def test_the_list_filters_by_type_level_date_division_publication_and_text(case, login):
    chemical = case("xingning_office", published=True, deaths=3, title="储罐中毒")
    road = case("meixian_office", code="12H02", deaths=1, title="客车相撞")
    client = login("city_office")

    def titles(query):
        return {row[0].title for row in client.get(f"/cases/?{query}").context["rows"]}

    assert titles("type=12D") == {"储罐中毒"}
    assert titles("type=12H02") == {"客车相撞"}
    assert titles(f"level={chemical.level}") == {"储罐中毒"} != titles(f"level={road.level}")
    day = chemical.date.isoformat()
    assert titles(f"since={day}&until={day}") == {"储罐中毒", "客车相撞"}
    assert titles("since=2999-01-01") == set()
    xingning = Division.objects.get(code="441481")
    assert titles(f"division={xingning.pk}") == {"储罐中毒"}
    assert titles("published=true") == {"储罐中毒"}
    assert titles("published=false") == {"客车相撞"}
    assert titles("q=相撞") == {"客车相撞"}
    assert titles("q=作业审批") == {"储罐中毒"}  # the lessons are searched too


def test_exports_carry_the_write_up_of_the_cases_in_reach(case, login):
    published = case("xingning_office", published=True, deaths=2)
    case("meixian_office", title="梅县草稿")
    client = login("xingning_office")
    response = client.get("/cases/?export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and the published case; another county's draft is not exported
    row = dict(zip(rows[0], rows[1], strict=True))
    assert published.title in row.values() and "作业审批流于形式。" in row.values()
    assert any(published.course.splitlines()[0] in value for value in row.values())

    response = client.get("/cases/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert published.title in values and "作业审批流于形式。" in values and 2 in values


def test_the_detail_page_shows_the_figures_texts_and_source_incident(case, login):
    written = case("xingning_office", published=True, deaths=2)
    page = login("xingning_office").get(written.get_absolute_url()).content.decode()
    assert written.incident.get_absolute_url() in page and "作业审批流于形式。" in page
    # Another county reads the case but not the incident behind it: no link it could not follow.
    page = login("meixian_office").get(written.get_absolute_url()).content.decode()
    assert written.incident.get_absolute_url() not in page and written.incident.number in page


def test_the_menu_lists_the_library(login):
    assert "/cases/" in login("duty_city").get("/").content.decode()


def test_a_case_is_indexed_for_search_with_its_write_up_and_visibility(case):
    from yingji.cases import indexing

    published = case("xingning_office", published=True, deaths=3)
    entry = indexing.entry(published)
    assert entry.title == published.title and entry.url == published.get_absolute_url()
    assert "作业审批流于形式。" in entry.text and published.response in entry.text
    assert entry.public is True and entry.owner == published.owner
    assert entry.event_types == ["12D04"] and entry.level == "较大" and entry.date == published.date
    assert indexing.entry(case("meixian_office", title="草稿")).public is False
