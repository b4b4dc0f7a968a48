from django.urls import path

from yingji.core.generic import crud_urls
from yingji.duty import api, views
from yingji.duty.models import CallList, Shift

app_name = "duty"

urlpatterns = [
    path("", views.now, name="now"),
    path("roster/", views.roster, name="roster"),
    path("roster/fill/", views.fill, name="fill"),
    path("shifts/import/", views.ShiftImportView.as_view(), name="shift_import"),
    *crud_urls(
        "shifts",
        Shift,
        list_view=views.ShiftListView,
        detail_view=views.ShiftDetailView,
        edit_view=views.ShiftEditView,
        delete_view=views.ShiftDeleteView,
    ),
    path("shifts/<int:pk>/handover/", views.hand_over, name="shift_handover"),
    path("handovers/", views.HandoverListView.as_view(), name="handover_list"),
    path("handovers/<int:pk>/", views.HandoverDetailView.as_view(), name="handover_detail"),
    path("handovers/<int:pk>/acknowledge/", views.acknowledge, name="handover_acknowledge"),
    path("log/", views.LogEntryListView.as_view(), name="logentry_list"),
    path("log/add/", views.LogEntryAddView.as_view(), name="logentry_add"),
    path("log/<int:pk>/", views.LogEntryDetailView.as_view(), name="logentry_detail"),
    *crud_urls(
        "lists",
        CallList,
        list_view=views.CallListListView,
        detail_view=views.CallListDetailView,
        edit_view=views.CallListEditView,
        delete_view=views.CallListDeleteView,
    ),
    path("lists/<int:pk>/print/", views.call_list_print, name="calllist_print"),
    path("lists/<int:pk>/members/", views.add_member, name="calllist_member_add"),
    path(
        "lists/<int:pk>/members/<int:member_pk>/remove/", views.remove_member, name="calllist_member_remove"
    ),
    path("phone-book/", views.phone_book, name="phone_book"),
]

api_urlpatterns = api.urlpatterns
