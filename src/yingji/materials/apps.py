from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialsConfig(AppConfig):
    name = "yingji.materials"
    label = "materials"
    verbose_name = _("Materials")
    demo_command = "demo_materials"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_home_panel, register_object_panel
        from yingji.materials import alerts  # noqa: F401  (registers the periodic job)
        from yingji.materials.services import nearest_describe, nearest_queryset
        from yingji.materials.views import alert_panel, incident_panel
        from yingji.resources.nearest import register_source

        register_home_panel("materials/_alert_panel.html", alert_panel)
        register_object_panel("incidents.Incident", "materials/_incident_panel.html", incident_panel)
        register_source(
            "warehouse",
            _("Warehouses"),
            queryset=nearest_queryset,
            describe=nearest_describe,
            filters={"item": _("Item held (id or catalogue code)")},
        )
        register(
            _("Materials"),
            MenuItem(_("Warehouses"), "materials:warehouse_list", "materials.Warehouse"),
            MenuItem(_("Stock"), "materials:balance_list", "materials.Balance"),
            MenuItem(_("Stock movements"), "materials:movement_list", "materials.Movement"),
            MenuItem(_("Stock alerts"), "materials:alerts", "materials.Balance"),
            MenuItem(_("Item catalogue"), "materials:item_list", "materials.Item"),
            MenuItem(
                _("Material classes (GB/T 38565)"), "materials:materialclass_list", "materials.MaterialClass"
            ),
        )
