from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarningsConfig(AppConfig):
    name = "yingji.warnings"
    label = "warnings"
    verbose_name = _("Warnings")
    demo_command = "demo_warnings"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register, register_home_panel
        from yingji.warnings import cache, jobs, views  # noqa: F401  (jobs: the feed poll; cache: its signals)

        register_home_panel("warnings/_home_panel.html", views.home_panel)
        register(
            _("Warnings"),
            MenuItem(_("Warnings"), "warnings:warning_list", "warnings.Warning"),
            MenuItem(_("New warning"), "warnings:warning_add", "warnings.Warning"),
            MenuItem(_("Warnings map"), "warnings:map"),
            MenuItem(_("Received warnings"), "warnings:externalwarning_list", "warnings.ExternalWarning"),
            MenuItem(_("Import a CAP message"), "warnings:import", "warnings.ExternalWarning"),
            MenuItem(_("Feed sources"), "warnings:feedsource_list", "warnings.FeedSource"),
            MenuItem(_("Monitoring stations"), "warnings:station_list", "warnings.Station"),
            MenuItem(_("Public page"), "warnings:public"),
        )
