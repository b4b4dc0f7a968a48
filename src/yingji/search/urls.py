from django.urls import path

from yingji.search import api, views

app_name = "search"

urlpatterns = [path("", views.search_page, name="search")]
api_urlpatterns = [path("search/", api.SearchView.as_view(), name="search")]
