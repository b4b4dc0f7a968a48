"""Libraries are read city-wide; changes stay within the user's reach. A shelter never holds more than it can."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from yingji.core.models import User
from yingji.resources import services
from yingji.resources.models import Shelter, Team

pytestmark = pytest.mark.django_db


def test_a_county_user_reads_another_countys_team_but_cannot_change_it(make_team, login, api):
    team = make_team("梅县区防汛抢险队", 24.27, 116.08)
    client = login("xingning_office")
    assert client.get("/resources/teams/").content.decode().count("梅县区防汛抢险队") == 1
    assert client.get(team.get_absolute_url()).status_code == 200
    assert client.get(f"/resources/teams/{team.pk}/edit/").status_code == 404
    assert client.post(f"/resources/teams/{team.pk}/delete/").status_code == 404
    rest = api("xingning_office")
    assert rest.get(f"/api/v1/teams/{team.pk}/").status_code == 200
    assert rest.patch(f"/api/v1/teams/{team.pk}/", {"headcount": 1}, format="json").status_code == 404
    assert Team.objects.get(pk=team.pk).headcount == 30


def test_the_owning_county_changes_its_team(make_team, api):
    team = make_team("梅县区防汛抢险队", 24.27, 116.08)
    response = api("meixian_office").patch(
        f"/api/v1/teams/{team.pk}/", {"readiness": "deployed"}, format="json"
    )
    assert response.status_code == 200
    assert Team.objects.get(pk=team.pk).readiness == "deployed"


def test_a_county_user_cannot_create_a_team_for_another_county(api):
    from yingji.core.models import Division, Organisation

    response = api("xingning_office").post(
        "/api/v1/teams/",
        {
            "name": "越权队伍",
            "kind": "medical",
            "team_class": "semi",
            "headcount": 5,
            "owner": Organisation.objects.get(name="梅州市梅县区应急管理局").pk,
            "division": Division.objects.get(code="441403").pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "owner" in response.json()
    assert not Team.objects.filter(name="越权队伍").exists()


def test_occupancy_above_capacity_is_refused_by_the_service_and_by_the_database(make_shelter):
    shelter = make_shelter("梅江体育馆", capacity=100)
    user = User.objects.get(username="city_admin")
    with pytest.raises(ValidationError) as error:
        services.set_occupancy(user, shelter, 101)
    assert "occupancy" in error.value.message_dict
    shelter.occupancy = 101
    with pytest.raises(ValidationError):
        services.save_shelter(user, shelter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shelter.objects.filter(pk=shelter.pk).update(occupancy=101)
    assert Shelter.objects.get(pk=shelter.pk).occupancy == 0


def test_a_shelter_filled_to_capacity_becomes_full_and_opens_again_when_people_leave(make_shelter):
    shelter = make_shelter("梅江体育馆", capacity=100)
    user = User.objects.get(username="city_admin")
    assert services.set_occupancy(user, shelter, 100).status == "full"
    assert services.set_occupancy(user, shelter, 60).status == "open"


def test_another_county_cannot_record_occupancy(make_shelter):
    shelter = make_shelter("梅江体育馆", capacity=100)
    with pytest.raises(PermissionDenied):
        services.set_occupancy(User.objects.get(username="xingning_office"), shelter, 10)


def test_an_expert_without_a_position_sits_at_the_seat_of_their_division(make_expert):
    expert = make_expert("王水利", code="441403")
    assert (float(expert.latitude), float(expert.longitude)) == (24.266, 116.082)
    assert expert.position_from_division and expert.cell is not None
    from yingji.core.models import Division

    expert.division = Division.objects.get(code="441481")
    expert.save()
    assert (expert.latitude, expert.longitude) == (expert.division.latitude, expert.division.longitude)


def test_an_expert_given_a_position_keeps_it_and_one_cleared_goes_back_to_the_seat(make_expert, api):
    expert = make_expert("王水利", code="441403")
    response = api("city_office").patch(
        f"/api/v1/experts/{expert.pk}/", {"latitude": "24.500000", "longitude": "116.300000"}, format="json"
    )
    assert response.status_code == 200
    expert.refresh_from_db()
    assert (str(expert.latitude), expert.position_from_division) == ("24.500000", False)
    api("city_office").patch(
        f"/api/v1/experts/{expert.pk}/", {"latitude": None, "longitude": None}, format="json"
    )
    expert.refresh_from_db()
    assert (float(expert.latitude), expert.position_from_division) == (24.266, True)


@pytest.mark.django_db(transaction=True)
def test_teams_experts_and_shelters_are_found_by_search_from_any_county(demo_live):
    import importlib

    from django.apps import apps

    from yingji.core.models import Organisation, User
    from yingji.resources.models import Expert, ExpertField, Shelter, Team
    from yingji.search.query import search

    importlib.import_module("yingji.resources.migrations.0002_expert_fields").load(apps, None)
    owner = Organisation.objects.get(name="梅州市梅县区应急管理局")
    Team.objects.create(
        name="梅县区冲锋舟救援分队",
        kind="flood_rescue",
        team_class="professional",
        headcount=20,
        owner=owner,
        division=owner.division,
    )
    expert = Expert.objects.create(
        name="钟山岳", employer="梅县区地质勘查队", division=owner.division, owner=owner
    )
    expert.fields.add(ExpertField.objects.first())
    Shelter.objects.create(
        name="松口中学避难场所",
        shelter_class="II",
        setting="outdoor",
        area_m2=3000,
        capacity=800,
        owner=owner,
        division=owner.division,
    )
    reader = User.objects.get(username="xingning_office")
    kinds = {hit.entry.kind for q in ("冲锋舟", "勘查队", "松口中学") for hit in search(reader, q).hits}
    assert kinds == {"team", "expert", "shelter"}
