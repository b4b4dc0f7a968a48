from django.urls import path

from yingji.core.generic import crud_urls
from yingji.resources import api, views
from yingji.resources.models import Expert, ExpertField, Shelter, Team

app_name = "resources"

urlpatterns = [
    path("nearest/", views.nearest_view, name="nearest"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("census/", views.census_view, name="census"),
    *crud_urls(
        "teams",
        Team,
        list_view=views.TeamListView,
        detail_view=views.TeamDetailView,
        edit_view=views.TeamEditView,
        delete_view=views.TeamDeleteView,
    ),
    path("teams/import/", views.TeamImportView.as_view(), name="team_import"),
    path("teams/<int:pk>/deployments/", views.add_deployment, name="deployment_add"),
    path("teams/<int:pk>/equipment/", views.set_equipment, name="equipment_set"),
    *crud_urls(
        "experts",
        Expert,
        list_view=views.ExpertListView,
        detail_view=views.ExpertDetailView,
        edit_view=views.ExpertEditView,
        delete_view=views.ExpertDeleteView,
    ),
    path("experts/import/", views.ExpertImportView.as_view(), name="expert_import"),
    path("experts/<int:pk>/missions/", views.add_mission, name="mission_add"),
    *crud_urls(
        "shelters",
        Shelter,
        list_view=views.ShelterListView,
        detail_view=views.ShelterDetailView,
        edit_view=views.ShelterEditView,
        delete_view=views.ShelterDeleteView,
    ),
    path("shelters/import/", views.ShelterImportView.as_view(), name="shelter_import"),
    path("shelters/<int:pk>/occupancy/", views.set_occupancy, name="occupancy_set"),
    *crud_urls("fields", ExpertField, **views.FIELD_VIEWS),
]

api_urlpatterns = api.urlpatterns
