"""Plans in the search index: title, summary and the text of every version's file."""

from django.utils.translation import gettext_lazy as _

from yingji.plans.models import Plan


def entry(plan: Plan):
    from yingji.search.registry import Entry

    texts = [plan.summary, *(v.text for v in plan.versions.all()), *(a.text for a in plan.attachments.all())]
    return Entry(
        title=plan.title,
        text="\n".join(t for t in texts if t),
        url=plan.get_absolute_url(),
        owner=plan.owner,
        public=plan.status in (Plan.Status.ISSUED, Plan.Status.REVISING),
        event_types=plan.event_type_prefixes(),
        level=plan.level,
        date=plan.issued_on,
    )


def register_plans() -> None:
    from yingji.search.registry import register

    register(
        Plan,
        kind="plan",
        label=_("Plans"),
        entry=entry,
        queryset=lambda: Plan.objects.select_related("owner").prefetch_related("versions", "attachments"),
    )
