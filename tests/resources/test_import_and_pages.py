"""Imports are all-or-nothing and update on re-import; pages run a fixed number of queries."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from yingji.resources.models import Expert, Shelter, Team

pytestmark = pytest.mark.django_db

TEAM_HEADER = "name,kind,team_class,headcount,owner,division,latitude,longitude,readiness\n"


def upload(body: str, header: str = TEAM_HEADER, name="teams.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (header + body).encode("utf-8-sig"), content_type="text/csv")


def test_a_team_file_with_one_bad_row_imports_nothing_and_names_that_row(login):
    client = login("meixian_office")
    body = (
        "甲防汛队,flood_rescue,professional,30,梅州市梅县区应急管理局,梅县区,24.27,116.08,ready\n"
        "乙防汛队,flood_rescue,professional,-3,梅州市梅县区应急管理局,梅县区,24.28,116.09,ready\n"
        "丙防汛队,flood_rescue,professional,20,梅州市梅县区应急管理局,梅县区,95,116.09,ready\n"
    )
    page = client.post("/resources/teams/import/", {"file": upload(body)}).content.decode()
    assert not Team.objects.filter(name__in=["甲防汛队", "乙防汛队", "丙防汛队"]).exists()
    assert "headcount" in page or "人数" in page or "Headcount" in page
    assert ">3<" in page and ">4<" in page  # rows 3 and 4 of the file (row 1 is the header)


def test_re_importing_a_team_file_updates_instead_of_duplicating(login):
    client = login("meixian_office")
    line = "甲防汛队,flood_rescue,professional,{n},梅州市梅县区应急管理局,梅县区,24.27,116.08,ready\n"
    assert client.post("/resources/teams/import/", {"file": upload(line.format(n=30))}).status_code == 302
    assert client.post("/resources/teams/import/", {"file": upload(line.format(n=45))}).status_code == 302
    team = Team.objects.get(name="甲防汛队")
    assert team.headcount == 45 and team.cell is not None


def test_a_county_cannot_import_into_another_countys_team(login, make_team):
    make_team("甲防汛队", 24.27, 116.08)
    line = "甲防汛队,flood_rescue,professional,1,兴宁市应急管理局,兴宁市,24.1,115.7,ready\n"
    response = login("xingning_office").post("/resources/teams/import/", {"file": upload(line)})
    assert response.status_code == 200
    assert Team.objects.get(name="甲防汛队").headcount == 30


def test_experts_and_shelters_import_with_their_many_to_many_columns(login):
    client = login("city_office")
    experts = upload(
        "王水利,防汛抗旱;geology,高级工程师,梅州市水利局,梅江区,梅州市应急管理局,13707530011,available\n",
        header="name,fields,title,employer,division,owner,phone,availability\n",
    )
    assert client.post("/resources/experts/import/", {"file": experts}).status_code == 302
    expert = Expert.objects.get(name="王水利")
    assert sorted(expert.fields.values_list("code", flat=True)) == ["flood", "geology"]
    assert expert.position_from_division
    shelters = upload(
        "江南体育馆,I,indoor,梅州市梅江区应急管理局,梅江区,24.3,116.12,5000,2000,0,closed,是,是,是,否,否,梅江区,30000\n",
        header="name,shelter_class,setting,owner,division,latitude,longitude,area_m2,capacity,occupancy,status,"
        "water,power,toilets,medical,kitchen,divisions_served,population_served\n",
    )
    assert client.post("/resources/shelters/import/", {"file": shelters}).status_code == 302
    shelter = Shelter.objects.get(name="江南体育馆")
    assert shelter.water and not shelter.kitchen and shelter.divisions_served.get().name == "梅江区"


def test_the_import_page_offers_a_template(login):
    client = login("city_office")
    response = client.get("/resources/shelters/import/?template=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["name", "shelter_class", "setting"]


@pytest.mark.parametrize(
    ("url", "queries"),
    [("/resources/teams/", 6), ("/resources/experts/", 8), ("/resources/shelters/", 6)],
)
def test_list_pages_take_a_fixed_number_of_queries(
    url, queries, login, make_team, make_expert, make_shelter, django_assert_num_queries
):
    for i in range(6):
        make_team(f"队伍{i}", 24.3 + i / 100, 116.1)
        make_expert(f"专家{i}", phone=f"1370753010{i}", fields=["flood", "geology"])
        make_shelter(f"场所{i}", 24.3 + i / 100, 116.1)
    client = login("city_office")
    client.get(url)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200 and "5</a>" in response.content.decode()


def test_lists_export_csv_and_xlsx(login, make_team):
    make_team("导出的队伍", 24.3, 116.1)
    client = login("duty_city")
    assert "导出的队伍" in client.get("/resources/teams/?export=csv").content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get("/resources/teams/?export=xlsx").content))
    assert any(c.value == "导出的队伍" for row in book.active.iter_rows() for c in row)


def test_the_nearest_page_lists_and_maps_each_kind(login, make_team, make_shelter):
    make_team("近的防汛队", 24.27, 116.08)
    make_shelter("近的场所", 24.27, 116.08)
    page = login("duty_city").get("/resources/nearest/?lat=24.266&lon=116.082").content.decode()
    assert 'data-testid="nearest-team"' in page and "近的防汛队" in page and "近的场所" in page
    assert 'id="nearest-markers"' in page


def test_the_nearest_page_names_a_bad_parameter(login):
    page = login("duty_city").get("/resources/nearest/?lat=100&lon=116&kind=team").content.decode()
    assert "is-invalid" in page


def test_an_incidents_page_shows_the_three_nearest_ready_flood_rescue_teams(login, report, make_team):
    for i, (lat, lon) in enumerate([(24.27, 116.08), (24.28, 116.09), (24.25, 116.07), (24.5, 116.5)]):
        make_team(f"防汛队{i}", lat, lon)
    make_team("最近但在休整", 24.266, 116.082, readiness="resting")
    incident = report("duty_city", "11A01", division="441403")
    page = login("city_office").get(incident.get_absolute_url()).content.decode()
    start = page.index('data-testid="nearest-teams"')
    panel = page[start : page.index("</div>", page.index("</ol>", start))]
    assert [n for n in ("防汛队0", "防汛队1", "防汛队2", "防汛队3", "最近但在休整") if n in panel] == [
        "防汛队0",
        "防汛队1",
        "防汛队2",
    ]
    assert f"/resources/nearest/?incident={incident.pk}" in panel
    nearest_page = login("city_office").get(f"/resources/nearest/?incident={incident.pk}").content.decode()
    assert "防汛队0" in nearest_page


def test_coverage_and_census_show_capacity_against_population(login, make_shelter, make_team, make_expert):
    make_shelter("梅江体育馆", capacity=1000, code="441402")
    make_team("梅县区防汛抢险队", 24.27, 116.08)
    make_expert("王水利")
    client = login("xingning_office")
    page = client.get("/resources/coverage/").content.decode()
    row = page[page.index('data-division="441402"') :]
    row = row[: row.index("</tr>")]
    assert ">1000<" in row and ">435000<" in row  # 436000 people, 1000 places
    census = client.get("/resources/census/").content.decode()
    assert "梅县区" in census and "1 / 30" in census
    book = load_workbook(io.BytesIO(client.get("/resources/census/?export=xlsx").content))
    assert book.active["B1"].value == "梅州市"
    assert client.get("/resources/coverage/?export=xlsx").status_code == 200


def test_detail_pages_show_history_and_steps(login, make_team, make_shelter, make_expert):
    team = make_team("梅县区防汛抢险队", 24.27, 116.08)
    client = login("meixian_office")
    client.post(f"/resources/teams/{team.pk}/equipment/", {"kind": "冲锋舟", "count": 3})
    client.post(
        f"/resources/teams/{team.pk}/deployments/", {"date": "2026-06-01", "note": "抢险", "mark": "on"}
    )
    team.refresh_from_db()
    assert team.readiness == "deployed" and team.equipment.get().count == 3
    page = client.get(team.get_absolute_url()).content.decode()
    assert "冲锋舟" in page and "抢险" in page
    shelter = make_shelter("梅江体育馆", capacity=100)
    client = login("city_office")
    client.post(f"/resources/shelters/{shelter.pk}/occupancy/", {"occupancy": 100, "status": "open"})
    assert Shelter.objects.get(pk=shelter.pk).status == "full"
    expert = make_expert("王水利")
    client.post(f"/resources/experts/{expert.pk}/missions/", {"date": "2026-06-01", "description": "会商"})
    assert "会商" in client.get(expert.get_absolute_url()).content.decode()
    assert client.get("/resources/teams/add/").status_code == 200
    assert client.get(f"/resources/experts/{expert.pk}/edit/").status_code == 200
