from django.urls import path
from rest_framework.routers import DefaultRouter

from yingji.regulations import api, views

app_name = "regulations"

urlpatterns = [
    path("", views.RegulationListView.as_view(), name="regulation_list"),
    path("add/", views.RegulationEditView.as_view(), name="regulation_add"),
    path("<int:pk>/", views.RegulationDetailView.as_view(), name="regulation_detail"),
    path("<int:pk>/edit/", views.RegulationEditView.as_view(), name="regulation_edit"),
    path("<int:pk>/delete/", views.RegulationDeleteView.as_view(), name="regulation_delete"),
]

router = DefaultRouter()
router.register("regulations", api.RegulationViewSet)
api_urlpatterns = router.urls
