from django.urls import path

from yingji.core.generic import crud_urls
from yingji.materials import api, views
from yingji.materials.models import Item, MaterialClass, Warehouse

app_name = "materials"

urlpatterns = [
    path("alerts/", views.alerts_view, name="alerts"),
    path("stock/", views.BalanceListView.as_view(), name="balance_list"),
    path("stock/import/", views.StockCountImportView.as_view(), name="balance_import"),
    path("movements/", views.MovementListView.as_view(), name="movement_list"),
    path("warehouses/import/", views.WarehouseImportView.as_view(), name="warehouse_import"),
    path("items/import/", views.ItemImportView.as_view(), name="item_import"),
    *crud_urls(
        "warehouses",
        Warehouse,
        list_view=views.WarehouseListView,
        detail_view=views.WarehouseDetailView,
        edit_view=views.WarehouseEditView,
        delete_view=views.WarehouseDeleteView,
    ),
    path("warehouses/<int:pk>/movements/<slug:kind>/", views.record_movement, name="movement_add"),
    path("warehouses/<int:pk>/minimum/", views.set_minimum, name="minimum_set"),
    *crud_urls("items", Item, **views.ITEM_VIEWS),
    *crud_urls("classes", MaterialClass, **views.CLASS_VIEWS),
]

api_urlpatterns = api.urlpatterns
