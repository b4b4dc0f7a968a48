from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "yingji.plans"
    label = "plans"
    verbose_name = _("Plans")
    demo_command = "demo_plans"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_object_panel
        from yingji.plans import search
        from yingji.plans.views import incident_panel, regulation_panel

        search.register_plans()
        register_object_panel("incidents.Incident", "plans/_incident_panel.html", incident_panel)
        register_object_panel("regulations.Regulation", "plans/_regulation_panel.html", regulation_panel)
        register(
            _("Plans"),
            MenuItem(_("Plans"), "plans:plan_list", "plans.Plan"),
            MenuItem(_("Plan coverage"), "plans:coverage", "plans.Plan"),
            MenuItem(_("Import plans"), "plans:import", "plans.Plan"),
            MenuItem(_("Required special plans"), "plans:requiredplan_list", "plans.RequiredPlan"),
            MenuItem(_("Review cycles"), "plans:reviewcycle_list", "plans.ReviewCycle"),
            MenuItem(_("Holiday calendar"), "plans:calendarday_list", "plans.CalendarDay"),
        )
