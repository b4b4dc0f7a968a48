from django.urls import path

from yingji.core.generic import crud_urls
from yingji.hazards import api, views
from yingji.hazards.models import Hazard, Inspection

app_name = "hazards"

urlpatterns = [
    path("map/", views.map_view, name="map"),
    path("stats/", views.stats_view, name="stats"),
    path("import/", views.HazardImportView.as_view(), name="hazard_import"),
    *crud_urls(
        "registry",
        Hazard,
        list_view=views.HazardListView,
        detail_view=views.HazardDetailView,
        edit_view=views.HazardEditView,
        delete_view=views.HazardDeleteView,
    ),
    path("registry/<int:pk>/assess/", views.assess, name="assess"),
    path("registry/<int:pk>/rectifications/", views.add_rectification, name="rectification_add"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectification_list"),
    path("rectifications/<int:pk>/<str:step>/", views.rectification_step, name="rectification_step"),
    *crud_urls(
        "inspections",
        Inspection,
        list_view=views.InspectionListView,
        detail_view=views.InspectionDetailView,
        edit_view=views.InspectionEditView,
        delete_view=views.InspectionDeleteView,
    ),
    path("inspections/<int:pk>/hazards/", views.create_hazards, name="inspection_hazards"),
]

api_urlpatterns = api.urlpatterns
