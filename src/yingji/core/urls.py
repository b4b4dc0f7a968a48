from django.urls import path
from rest_framework.routers import DefaultRouter

from yingji.core import api, views
from yingji.core.generic import crud_urls
from yingji.core.models import Contact, Division, Organisation, User

app_name = "core"

urlpatterns = [
    path("tree/", views.tree, name="tree"),
    *crud_urls(
        "divisions",
        Division,
        list_view=views.DivisionListView,
        detail_view=views.DivisionDetailView,
        edit_view=views.DivisionEditView,
        delete_view=views.DivisionDeleteView,
    ),
    *crud_urls(
        "organisations",
        Organisation,
        list_view=views.OrganisationListView,
        detail_view=views.OrganisationDetailView,
        edit_view=views.OrganisationEditView,
        delete_view=views.OrganisationDeleteView,
    ),
    *crud_urls(
        "contacts",
        Contact,
        list_view=views.ContactListView,
        detail_view=views.ContactDetailView,
        edit_view=views.ContactEditView,
        delete_view=views.ContactDeleteView,
    ),
    path("contacts/import/", views.ContactImportView.as_view(), name="contact_import"),
    *crud_urls(
        "users",
        User,
        list_view=views.UserListView,
        detail_view=views.UserDetailView,
        edit_view=views.UserEditView,
        delete_view=views.UserDeleteView,
    ),
    path("changes/", views.ChangeListView.as_view(), name="objectchange_list"),
    path("changes/<int:pk>/", views.ChangeDetailView.as_view(), name="objectchange_detail"),
    path("sign-ins/", views.AuthEventListView.as_view(), name="authevent_list"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("api-token/", views.api_token, name="api_token"),
]

router = DefaultRouter()
router.register("divisions", api.DivisionViewSet)
router.register("organisations", api.OrganisationViewSet)
router.register("contacts", api.ContactViewSet)
router.register("changes", api.ObjectChangeViewSet)
api_urlpatterns = router.urls
