from django.urls import path
from rest_framework.routers import DefaultRouter

from yingji.incidents import api, views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident_list"),
    path("new/", views.IncidentEditView.as_view(), name="incident_add"),
    path("grade-preview/", views.grade_preview, name="grade_preview"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("<int:pk>/edit/", views.IncidentEditView.as_view(), name="incident_edit"),
    path("<int:pk>/level/", views.set_level, name="incident_level"),
    path("<int:pk>/status/", views.advance, name="incident_status"),
    path("<int:pk>/merge/", views.merge, name="incident_merge"),
    path("<int:pk>/tasks/", views.add_task, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/", views.finish_task, name="task_finish"),
    path("<int:pk>/rectification/", views.add_rectification, name="rectification_add"),
    path("<int:pk>/rectification/<int:item_pk>/", views.rectification_step, name="rectification_step"),
    path("<int:pk>/obligations/<int:obligation_pk>/done/", views.complete_obligation, name="obligation_done"),
    path("<int:pk>/reports/new/", views.new_report, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/docx/", views.report_docx, name="report_docx"),
    path("reports/<int:pk>/submit/", views.submit_report, name="report_submit"),
    path("<int:pk>/attachments/", views.upload_attachment, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("rules/", views.rules, name="rules"),
    path("rules/<str:kind>.csv", views.rules_csv, name="rules_csv"),
    path("map/", views.incident_map, name="incident_map"),
    path("deadlines/", views.ObligationListView.as_view(), name="obligation_list"),
    path("event-types/", views.EventTypeListView.as_view(), name="eventtype_list"),
]

router = DefaultRouter()
router.register("incidents", api.IncidentViewSet)
router.register("intakes", api.IntakeViewSet)
api_urlpatterns = [*router.urls, path("grading/", api.GradingView.as_view(), name="grading")]
