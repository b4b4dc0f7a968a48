from django.urls import path

from yingji.core.generic import crud_urls
from yingji.plans import api, views
from yingji.plans.models import CalendarDay, Plan, RequiredPlan, ReviewCycle

app_name = "plans"

urlpatterns = [
    path("coverage/", views.coverage_view, name="coverage"),
    path("import/", views.import_view, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    *crud_urls(
        "all",
        Plan,
        list_view=views.PlanListView,
        detail_view=views.PlanDetailView,
        edit_view=views.PlanEditView,
        delete_view=views.PlanDeleteView,
    ),
    path("all/<int:pk>/submit/", views.submit, name="plan_submit"),
    path("all/<int:pk>/receive/", views.receive_plan, name="plan_receive"),
    path("all/<int:pk>/file/", views.file_plan, name="plan_file"),
    path("all/<int:pk>/return/", views.return_plan, name="plan_return"),
    path("all/<int:pk>/versions/", views.upload_version, name="version_add"),
    path("versions/<int:pk>/", views.version_file, name="version_file"),
    path("all/<int:pk>/attachments/", views.upload_attachment, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("all/<int:pk>/drills/", views.add_drill, name="drill_add"),
    path("all/<int:pk>/reviews/", views.add_review, name="review_add"),
    path("all/<int:pk>/levels/", views.add_level, name="level_add"),
    path("all/<int:pk>/levels/<int:level_pk>/duties/", views.add_duty, name="duty_add"),
    path("activate/<int:incident_pk>/", views.activate, name="activate"),
    *crud_urls("required", RequiredPlan, **views.REQUIRED_VIEWS),
    *crud_urls("calendar", CalendarDay, **views.CALENDAR_VIEWS),
    *crud_urls("cycles", ReviewCycle, **views.CYCLE_VIEWS),
]

api_urlpatterns = api.urlpatterns
