from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "yingji.duty"
    label = "duty"
    verbose_name = _("Duty")
    demo_command = "demo_duty"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_home_panel, register_object_panel
        from yingji.duty import views

        register_home_panel("duty/_home_panel.html", views.home_panel)
        register_object_panel("incidents.Incident", "duty/_incident_panel.html", views.incident_panel)
        register(
            _("Duty"),
            MenuItem(_("On duty now"), "duty:now"),
            MenuItem(_("Duty roster"), "duty:roster", "duty.Shift"),
            MenuItem(_("Shifts"), "duty:shift_list", "duty.Shift"),
            MenuItem(_("Fill a month"), "duty:fill", "duty.Shift"),
            MenuItem(_("Import shifts"), "duty:shift_import", "duty.Shift"),
            MenuItem(_("Duty log"), "duty:logentry_list", "duty.LogEntry"),
            MenuItem(_("Handovers"), "duty:handover_list", "duty.Handover"),
            MenuItem(_("Call lists"), "duty:calllist_list", "duty.CallList"),
            MenuItem(_("Phone book"), "duty:phone_book", "core.Contact"),
        )
