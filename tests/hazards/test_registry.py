"""The registry: polygons, scoping, pages, exports, import, inspections."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tests.hazards.conftest import XINGNING_EMA, org, user
from yingji.core.models import Division
from yingji.hazards import services
from yingji.hazards.models import Hazard, Inspection, clean_area

pytestmark = pytest.mark.django_db
LANDSLIDE = [[24.41, 116.32], [24.42, 116.33], [24.40, 116.34]]


def test_a_danger_zone_polygon_is_closed_on_save_and_its_centroid_is_its_position(make_hazard):
    zone = make_hazard(
        "雁洋镇滑坡体", kind="zone", code="441403105", area=LANDSLIDE, latitude=None, longitude=None
    )
    zone.refresh_from_db()
    assert zone.area == [*LANDSLIDE, LANDSLIDE[0]]
    assert zone.latitude == Decimal("24.410000") and zone.longitude == Decimal("116.330000")


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ([[24.4, 116.3], [24.5, 116.3]], "3 distinct points"),
        ([[24.4, 116.3], [24.5, 116.3], [24.4, 116.3], [24.5, 116.3]], "3 distinct points"),
        ([[24.4, 116.3], [95, 116.3], [24.5, 116.4]], "Point 2"),
        ([[24.4, 116.3], [24.5, 190], [24.5, 116.4]], "Point 2"),
        ([[24.4, 116.3], [24.5], [24.5, 116.4]], "Point 2"),
        ("not a list", "list"),
    ],
)
def test_a_bad_polygon_is_refused_naming_the_area_field(area, message):
    with pytest.raises(ValidationError) as caught:
        clean_area(area)
    assert "area" in caught.value.message_dict and message in str(caught.value.message_dict["area"])


def test_the_form_and_the_api_name_the_area_field_for_a_bad_polygon(login, api):
    client = login("meixian_office")
    response = client.post(
        "/hazards/registry/add/",
        {
            "name": "坏多边形",
            "kind": "zone",
            "owner": org("梅州市梅县区应急管理局").pk,
            "division": Division.objects.get(code="441403").pk,
            "area": "[[24.4, 116.3], [24.5, 116.3]]",
            "people_exposed": 0,
            "property_exposed": 0,
            "status": "monitored",
        },
    )
    assert response.status_code == 200 and "3 distinct points" in response.content.decode()
    assert response.context["form"].errors["area"]
    answer = api("meixian_office").post(
        "/api/v1/hazards/",
        {
            "name": "坏多边形",
            "kind": "zone",
            "owner": org("梅州市梅县区应急管理局").pk,
            "division": Division.objects.get(code="441403").pk,
            "area": [[24.4, 116.3], [24.5, 116.3]],
        },
        format="json",
    )
    assert answer.status_code == 400 and "area" in answer.json()
    assert not Hazard.objects.filter(name="坏多边形").exists()


def test_another_county_gets_404_on_a_hazard_and_does_not_see_it_in_lists(login, api, make_hazard):
    hazard = make_hazard("梅县区液氯储罐区")
    other = login("xingning_office")
    assert other.get(hazard.get_absolute_url()).status_code == 404
    assert "梅县区液氯储罐区" not in other.get("/hazards/registry/").content.decode()
    assert "梅县区液氯储罐区" not in other.get("/hazards/map/").content.decode()
    assert api("xingning_office").get(f"/api/v1/hazards/{hazard.pk}/").status_code == 404
    assert (
        api("xingning_office").post(f"/api/v1/hazards/{hazard.pk}/assess/", {"method": "lec"}).status_code
        == 404
    )
    # The city above both sees it.
    assert api("city_office").get(f"/api/v1/hazards/{hazard.pk}/").status_code == 200


def test_the_list_filters_by_kind_level_status_division_and_event_type(login, make_hazard):
    a = make_hazard("加油站甲", event_types="12C 12D")
    b = make_hazard(
        "滑坡乙",
        kind="zone",
        code="441422",
        owner="大埔县应急管理局",
        event_types="11D",
        area=[[24.3, 116.7], [24.31, 116.71], [24.3, 116.72]],
    )
    services.assess(user("city_admin"), a, "matrix", {"likelihood": 5, "severity": 5})
    client = login("city_office")

    def names(query):
        return {h.name for h in client.get("/hazards/registry/?" + query).context["object_list"]}

    assert names("kind=zone") == {b.name}
    assert names("level=red") == {a.name}
    assert names(f"division={Division.objects.get(code='441422').pk}") == {b.name}
    assert names("event_type=12D") == {a.name} and names("event_type=11") == {b.name}
    assert names("status=monitored") >= {a.name, b.name}


def test_the_hazard_list_takes_a_fixed_number_of_queries(login, make_hazard, django_assert_num_queries):
    for i in range(6):
        make_hazard(f"隐患{i}")
    client = login("city_office")
    client.get("/hazards/registry/")
    with django_assert_num_queries(6):
        response = client.get("/hazards/registry/")
    assert response.status_code == 200


def test_the_hazard_list_endpoint_takes_a_fixed_number_of_queries(
    api, make_hazard, django_assert_num_queries
):
    for i in range(6):
        make_hazard(f"隐患{i}")
    client = api("city_office")
    client.get("/api/v1/hazards/")
    with django_assert_num_queries(3):
        response = client.get("/api/v1/hazards/")
    assert response.json()["count"] == 6


def test_pages_show_the_detail_map_and_statistics_and_export(login, make_hazard):
    zone = make_hazard("松口镇滑坡体", kind="zone", code="441403104", area=LANDSLIDE, event_types="11D")
    services.assess(
        user("city_admin"), zone, "lec", {"likelihood": "10", "exposure": "6", "consequence": "7"}
    )
    client = login("city_office")
    detail = client.get(zone.get_absolute_url())
    assert detail.status_code == 200 and "420" in detail.content.decode()
    page = client.get("/hazards/map/")
    marker = next(m for m in page.context["markers"] if m["label"].startswith("松口镇滑坡体"))
    assert marker["level"] == "1" and len(marker["polygon"]) == 4
    stats = client.get("/hazards/stats/").content.decode()
    assert "梅县区" in stats and "11D" in stats
    assert "松口镇滑坡体" in client.get("/hazards/registry/?export=csv").content.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(client.get("/hazards/registry/?export=xlsx").content))
    assert any(c.value == "松口镇滑坡体" for row in book.active.iter_rows() for c in row)


def test_an_inspection_turns_its_findings_into_safety_hazards_once(login, make_hazard):
    office = user("meixian_office")
    inspection = services.save_inspection(
        office,
        Inspection(
            date="2026-03-01",
            inspected_unit="梅县区某工贸公司",
            owner=org("梅州市梅县区应急管理局"),
            division=Division.objects.get(code="441403"),
            inspectors="李文清、钟晓敏",
            findings="消防通道堵塞\n\n配电箱未接地\n",
        ),
    )
    created = services.create_hazards_from_findings(office, inspection)
    assert [h.description for h in created] == ["消防通道堵塞", "配电箱未接地"]
    assert all(h.kind == Hazard.Kind.SAFETY and h.inspection_id == inspection.pk for h in created)
    assert services.create_hazards_from_findings(office, inspection) == []
    page = login("meixian_office").get(inspection.get_absolute_url()).content.decode()
    assert "消防通道堵塞" in page
    with pytest.raises(Exception):  # noqa: B017  (another county may not touch it)
        services.create_hazards_from_findings(user("xingning_office"), inspection)


def test_the_import_creates_hazards_from_a_csv(login):
    client = login("meixian_office")
    header = "name,kind,category,event_types,owner,division,address,latitude,longitude,area,people_exposed,property_exposed,responsible_person,responsible_phone,status,description"
    row = "导入的加油站,source,加油站,12C,梅州市梅县区应急管理局,梅县区,,24.3,116.1,,10,100000,王某,13800000000,monitored,"
    upload = io.BytesIO(f"{header}\n{row}\n".encode())
    upload.name = "hazards.csv"
    response = client.post("/hazards/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Hazard.objects.filter(name="导入的加油站", owner__name="梅州市梅县区应急管理局").exists()


def test_a_county_may_not_own_a_hazard_outside_its_reach(make_hazard):
    with pytest.raises(Exception):  # noqa: B017
        services.save_hazard(
            user("meixian_office"),
            Hazard(
                name="越权",
                kind="source",
                owner=org(XINGNING_EMA),
                division=Division.objects.get(code="441481"),
            ),
        )


@pytest.mark.parametrize("username", ["city_office", "duty_city", "leader_city", "meixian_office"])
def test_every_page_opens_for_each_role_that_reads_hazards(login, make_hazard, make_rectification, username):
    hazard = make_hazard("页面检查", area=LANDSLIDE, kind="zone")
    make_rectification(hazard)
    client = login(username)
    for url in [
        "/hazards/registry/",
        hazard.get_absolute_url(),
        "/hazards/map/",
        "/hazards/stats/",
        "/hazards/rectifications/",
        "/hazards/rectifications/?overdue=true",
        "/hazards/inspections/",
        "/",
    ]:
        assert client.get(url).status_code == 200, url
    editable = username.endswith("office")
    assert (client.get("/hazards/registry/add/").status_code == 200) == editable
    assert (client.get("/hazards/import/").status_code == 200) == editable


def test_the_form_saves_a_zone_with_its_polygon(login):
    client = login("meixian_office")
    response = client.post(
        "/hazards/registry/add/",
        {
            "name": "程江镇低洼易涝区",
            "kind": "zone",
            "owner": org("梅州市梅县区应急管理局").pk,
            "division": Division.objects.get(code="441403101").pk,
            "area": "[[24.25, 116.06], [24.26, 116.06], [24.26, 116.07], [24.25, 116.07]]",
            "people_exposed": 120,
            "property_exposed": "3500000.50",
            "status": "monitored",
        },
    )
    assert response.status_code == 302
    zone = Hazard.objects.get(name="程江镇低洼易涝区")
    assert len(zone.area) == 5 and zone.latitude == Decimal("24.255000")
    assert zone.property_exposed == Decimal("3500000.50")
