from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "yingji.incidents"
    label = "incidents"
    verbose_name = _("Information reporting")
    demo_command = "demo_incidents"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_home_panel
        from yingji.incidents import reminders, tasks  # noqa: F401  (register the periodic job and the loop)
        from yingji.incidents.views import deadline_panel

        register_home_panel("incidents/_deadline_panel.html", deadline_panel)

        register(
            _("Incidents"),
            MenuItem(_("New report"), "incidents:incident_add", "incidents.Incident"),
            MenuItem(_("Incidents"), "incidents:incident_list", "incidents.Incident"),
            MenuItem(_("Map of open incidents"), "incidents:incident_map", "incidents.Incident"),
            MenuItem(_("Reporting deadlines"), "incidents:obligation_list", "incidents.Incident"),
            MenuItem(_("Event types"), "incidents:eventtype_list", "incidents.EventType"),
            MenuItem(_("Grading and reporting rules"), "incidents:rules", "incidents.RuleTable"),
        )
