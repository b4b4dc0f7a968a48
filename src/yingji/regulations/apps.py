import re

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

HEADING_MARK = re.compile(r"^#+\s*", re.MULTILINE)


def search_entry(regulation):
    from yingji.search.registry import Entry

    head = " ".join(part for part in (regulation.issuing_body, regulation.document_number) if part)
    body = HEADING_MARK.sub("", regulation.text)  # "## 第一章 总则" reads "第一章 总则" in a snippet
    return Entry(
        title=regulation.title,
        text=f"{head}\n{body}",
        url=regulation.get_absolute_url(),
        owner=None,  # the library is the whole platform's
        public=True,
        level=regulation.level,
        date=regulation.issued_on,
    )


class RegulationsConfig(AppConfig):
    name = "yingji.regulations"
    label = "regulations"
    verbose_name = _("Regulations")
    demo_command = "demo_regulations"  # run by `yingji demo`

    def ready(self):
        from yingji.core.navigation import MenuItem, register
        from yingji.regulations.models import Regulation
        from yingji.search.registry import register as register_search

        register(
            _("Library"), MenuItem(_("Regulations"), "regulations:regulation_list", "regulations.Regulation")
        )
        register_search(Regulation, kind="regulation", label=_("Regulation"), entry=search_entry)
