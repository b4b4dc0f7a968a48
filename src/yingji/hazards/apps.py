from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "yingji.hazards"
    label = "hazards"
    verbose_name = _("Hazards")
    demo_command = "demo_hazards"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_home_panel
        from yingji.hazards import jobs  # noqa: F401  (registers the periodic job)
        from yingji.hazards.views import overdue_panel

        register_home_panel("hazards/_overdue_panel.html", overdue_panel)
        register(
            _("Hazards"),
            MenuItem(_("Hazards"), "hazards:hazard_list", "hazards.Hazard"),
            MenuItem(_("Hazard map"), "hazards:map", "hazards.Hazard"),
            MenuItem(_("Hazard statistics"), "hazards:stats", "hazards.Hazard"),
            MenuItem(_("Rectifications"), "hazards:rectification_list", "hazards.Rectification"),
            MenuItem(_("Inspections"), "hazards:inspection_list", "hazards.Inspection"),
            MenuItem(_("Import hazards"), "hazards:hazard_import", "hazards.Hazard"),
        )
