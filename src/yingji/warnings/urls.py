from django.urls import path

from yingji.core.generic import crud_urls
from yingji.warnings import api, views
from yingji.warnings.models import FeedSource, Station, Warning

app_name = "warnings"

urlpatterns = [
    # Public, no sign-in: the page of warnings in force, the Atom feed, each warning's CAP message.
    path("public/", views.public, name="public"),
    path("feed.atom", views.feed, name="feed"),
    path("cap/<str:identifier>.xml", views.cap_xml, name="cap"),
    path("map/", views.map_view, name="map"),
    *crud_urls(
        "all",
        Warning,
        list_view=views.WarningListView,
        detail_view=views.WarningDetailView,
        edit_view=views.WarningEditView,
        delete_view=views.WarningDeleteView,
    ),
    path("new/", views.WarningFromAlertView.as_view(), name="warning_from_alert"),
    path("all/<int:pk>/approve/", views.approve, name="warning_approve"),
    path("all/<int:pk>/publish/", views.publish, name="warning_publish"),
    path("all/<int:pk>/update/", views.start_update, name="warning_update"),
    path("all/<int:pk>/cancel/", views.cancel, name="warning_cancel"),
    path("received/", views.ExternalWarningListView.as_view(), name="externalwarning_list"),
    path("received/<int:pk>/", views.ExternalWarningDetailView.as_view(), name="externalwarning_detail"),
    path(
        "received/<int:pk>/delete/", views.ExternalWarningDeleteView.as_view(), name="externalwarning_delete"
    ),
    path("import/", views.import_view, name="import"),
    *crud_urls(
        "feeds",
        FeedSource,
        list_view=views.FeedSourceListView,
        detail_view=views.FeedSourceDetailView,
        edit_view=views.FeedSourceEditView,
        delete_view=views.FeedSourceDeleteView,
    ),
    path("feeds/<int:pk>/poll/", views.poll_now, name="feedsource_poll"),
    *crud_urls(
        "stations",
        Station,
        list_view=views.StationListView,
        detail_view=views.StationDetailView,
        edit_view=views.StationEditView,
        delete_view=views.StationDeleteView,
    ),
]

api_urlpatterns = api.urlpatterns
