"""Writes to the search index: one record, a batch, or everything (`yingji reindex`).

Only SearchEntry rows are written here; the full-text index follows them through database triggers
(see backends.py), so a row and its index entry can never disagree.
"""

import time
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from yingji.search import backends, tokenizer
from yingji.search.models import SearchEntry
from yingji.search.registry import KINDS, Entry, Kind

# Text beyond this many characters of a record is not indexed (PostgreSQL's tsvector holds at most 1 MB).
MAX_TEXT = 200_000
BATCH = 500


def _padded(text: str) -> str:
    joined = tokenizer.index_text(text)
    return f" {joined} " if joined else ""


def build(kind: Kind, content_type: ContentType, obj, entry: Entry) -> SearchEntry:
    text = entry.text or ""
    return SearchEntry(
        kind=kind.kind,
        content_type=content_type,
        object_id=str(obj.pk),
        title=(entry.title or "")[:500],
        text=text,
        url=entry.url[:500],
        owner_id=entry.owner.pk if entry.owner is not None else None,
        public=entry.public,
        event_types=f" {' '.join(entry.event_types)} " if entry.event_types else "",
        level=(entry.level or "")[:40],
        date=entry.date,
        title_tokens=_padded(entry.title or ""),
        tokens=_padded(text[:MAX_TEXT]),
    )


FIELDS = [
    "kind",
    "title",
    "text",
    "url",
    "owner",
    "public",
    "event_types",
    "level",
    "date",
    "title_tokens",
    "tokens",
]


@transaction.atomic
def update(kind: Kind, objs: Iterable) -> int:
    """Index (or unindex, when `entry()` says None) these records of one kind; returns the entries written."""
    content_type = ContentType.objects.get_for_model(kind.model)
    built, gone = [], []
    for obj in objs:
        entry = kind.entry(obj)
        if entry is None:
            gone.append(str(obj.pk))
        else:
            built.append(build(kind, content_type, obj, entry))
    if gone:
        remove(content_type, gone)
    if not built:
        return 0
    existing = dict(
        SearchEntry.objects.filter(
            content_type=content_type, object_id__in=[e.object_id for e in built]
        ).values_list("object_id", "pk")
    )
    new = []
    for e in built:
        if e.object_id in existing:
            e.pk = existing[e.object_id]
            # One row at a time: the update triggers keep the full-text index in step.
            e.save(update_fields=[*FIELDS, "indexed_at"])
        else:
            new.append(e)
    SearchEntry.objects.bulk_create(new, batch_size=BATCH)
    return len(built)


def remove(content_type: ContentType, object_ids: list[str]) -> None:
    SearchEntry.objects.filter(content_type=content_type, object_id__in=object_ids).delete()


def rebuild(kinds: list[str] | None = None, *, stdout=None) -> dict[str, dict]:
    """Every entry of these kinds (default: all registered) written afresh, in bulk; one transaction per kind."""
    report = {}
    for name in kinds or list(KINDS):
        kind = KINDS[name]
        started = time.monotonic()
        content_type = ContentType.objects.get_for_model(kind.model)
        with transaction.atomic():
            SearchEntry.objects.filter(kind=name).delete()
            SearchEntry.objects.filter(content_type=content_type).delete()
            count, batch = 0, []
            for obj in kind.all().iterator(chunk_size=BATCH):
                entry = kind.entry(obj)
                if entry is not None:
                    batch.append(build(kind, content_type, obj, entry))
                if len(batch) >= BATCH:
                    SearchEntry.objects.bulk_create(batch)
                    count, batch = count + len(batch), []
            SearchEntry.objects.bulk_create(batch)
            count += len(batch)
        report[name] = {"entries": count, "seconds": round(time.monotonic() - started, 2)}
        if stdout is not None:
            stdout.write(f"{name:<16} {count:>7} entries in {report[name]['seconds']:.1f} s")
    # Entries of kinds no longer registered are dropped by a full rebuild.
    if kinds is None:
        SearchEntry.objects.exclude(kind__in=list(KINDS)).delete()
    backends.optimise(connection)
    return report
