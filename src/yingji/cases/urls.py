from django.urls import path
from rest_framework.routers import DefaultRouter

from yingji.cases import api, views

app_name = "cases"

urlpatterns = [
    # The routes of core.generic.crud_urls, at the root of /cases/ (crud_urls wants a prefix).
    path("", views.CaseListView.as_view(), name="case_list"),
    path("add/", views.CaseEditView.as_view(), name="case_add"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("<int:pk>/delete/", views.CaseDeleteView.as_view(), name="case_delete"),
    path("from-incident/<int:incident_pk>/", views.from_incident, name="from_incident"),
    path("<int:pk>/attachments/", views.upload_attachment, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("attachments/<int:pk>/delete/", views.delete_attachment, name="attachment_delete"),
]

router = DefaultRouter()
router.register("cases", api.CaseViewSet)
api_urlpatterns = router.urls
