from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "yingji.resources"
    label = "resources"
    verbose_name = _("Resources")
    demo_command = "demo_resources"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_object_panel
        from yingji.resources import search, sources
        from yingji.resources.views import incident_panel

        sources.register_sources()
        search.register_libraries()
        register_object_panel("incidents.Incident", "resources/_incident_panel.html", incident_panel)
        register(
            _("Resources"),
            MenuItem(_("Nearest resources"), "resources:nearest", "resources.Team"),
            MenuItem(_("Teams"), "resources:team_list", "resources.Team"),
            MenuItem(_("Experts"), "resources:expert_list", "resources.Expert"),
            MenuItem(_("Shelters"), "resources:shelter_list", "resources.Shelter"),
            MenuItem(_("Shelter coverage"), "resources:coverage", "resources.Shelter"),
            MenuItem(_("Census"), "resources:census", "resources.Team"),
            MenuItem(_("Fields of expertise"), "resources:expertfield_list", "resources.ExpertField"),
        )
