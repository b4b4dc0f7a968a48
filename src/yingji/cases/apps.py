from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "yingji.cases"
    label = "cases"
    verbose_name = _("Typical cases")
    demo_command = "demo_cases"  # run by `yingji demo`, after the incidents app's (INSTALLED_APPS order)

    def ready(self):
        from yingji.cases import indexing
        from yingji.cases.models import Case
        from yingji.cases.views import incident_panel
        from yingji.core.navigation import MenuItem, register, register_object_panel
        from yingji.search.registry import register as register_search

        register(_("Library"), MenuItem(_("Typical cases"), "cases:case_list", "cases.Case"))
        register_object_panel("incidents.Incident", "cases/_incident_panel.html", incident_panel)
        register_search(
            Case, kind="case", label=_("Typical cases"), entry=indexing.entry, queryset=indexing.queryset
        )
