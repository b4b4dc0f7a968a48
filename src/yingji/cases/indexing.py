"""How a case appears in the platform's search (yingji.search): its write-up, visible as the case itself is."""

from yingji.cases.models import Case


def entry(case: Case):
    from yingji.search.registry import Entry

    return Entry(
        title=case.title,
        text="\n\n".join(
            part for part in (case.course, case.response, case.lessons, case.rectification) if part
        ),
        url=case.get_absolute_url(),
        owner=case.owner,
        public=case.published,
        event_types=[case.event_type.code],
        level=case.level_name,
        date=case.date,
    )


def queryset():
    """What a full reindex reads: with the related records each entry names, in one query."""
    return Case.objects.select_related("event_type", "owner")
