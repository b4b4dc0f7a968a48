from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yingji.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from yingji.core import changelog, checks, signals  # noqa: F401  (connect receivers, register checks)
