from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "yingji.search"
    label = "search"
    verbose_name = _("Search")
    # Run last by `yingji demo` (this app comes last in INSTALLED_APPS): the demo ends with a current index.
    demo_command = "reindex"
