"""What other apps code against: `register()` a model in AppConfig.ready(), `reindex(obj)` after changes that
are not saves of the object itself.

    from yingji.search.registry import Entry, register

    register(
        Regulation,
        kind="regulation",
        label=_("Regulation"),
        entry=lambda r: Entry(title=r.title, text=r.text, url=r.get_absolute_url(), owner=None, public=True),
    )

`entry(obj)` returning None means: not indexed (a draft, say); an entry that was indexed is then removed.
Saves and deletes of the model keep the index current, once the transaction commits (a rolled-back change
leaves the index alone). `yingji reindex` rebuilds everything in bulk.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save

if TYPE_CHECKING:
    from yingji.core.models import Organisation


@dataclass
class Entry:
    title: str
    text: str  # body; may be long (a law's full text, attachment text)
    url: str
    owner: Organisation | None  # None: belongs to the whole platform
    # True: every signed-in user sees it; False: only users whose reach (core/scoping.py) holds the owner
    public: bool
    event_types: list[str] = field(default_factory=list)  # GB/T 35561 codes
    level: str = ""  # a filter label, e.g. "city", "national", "较大"
    date: datetime.date | None = None


@dataclass
class Kind:
    model: type[Model]
    kind: str
    label: Any
    entry: Callable[[Any], Entry | None]
    queryset: Callable[[], QuerySet] | None = None

    def all(self) -> QuerySet:
        return self.queryset() if self.queryset is not None else self.model._default_manager.all()


KINDS: dict[str, Kind] = {}
_BY_MODEL: dict[type[Model], Kind] = {}


def register(
    model,
    *,
    kind: str,
    label,
    entry: Callable[[Any], Entry | None],
    queryset: Callable[[], QuerySet] | None = None,
) -> None:
    """Index `model`'s records as `kind` (a short stable name, stored in the index; `label` is shown)."""
    registered = Kind(model, kind, label, entry, queryset)
    KINDS[kind] = registered
    _BY_MODEL[model] = registered
    post_save.connect(_saved, sender=model, dispatch_uid=f"yingji.search.saved.{kind}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"yingji.search.deleted.{kind}")


def unregister(model) -> None:
    """Stop indexing `model` (its entries stay until `yingji reindex`). For tests and plug-ins."""
    kind = _BY_MODEL.pop(model, None)
    if kind is not None:
        KINDS.pop(kind.kind, None)
        post_save.disconnect(sender=model, dispatch_uid=f"yingji.search.saved.{kind.kind}")
        post_delete.disconnect(sender=model, dispatch_uid=f"yingji.search.deleted.{kind.kind}")


def kind_of(model: type[Model]) -> Kind | None:
    for cls in model.__mro__:
        if cls in _BY_MODEL:
            return _BY_MODEL[cls]
    return None


def reindex(obj) -> None:
    """Bring `obj`'s entry up to date once the current transaction commits (now, outside one)."""
    kind = kind_of(type(obj))
    if kind is None:
        raise LookupError(f"{type(obj).__name__} is not registered with the search index")

    def run():
        from yingji.search import index

        index.update(kind, [obj])

    # robust: a failing index update is logged, never undoes or fails the change itself (`yingji reindex`
    # repairs the index).
    transaction.on_commit(run, robust=True)


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex(instance)


def _deleted(sender, instance, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(type(instance))
    object_id = str(instance.pk)

    def run():
        from yingji.search import index

        index.remove(content_type, [object_id])

    transaction.on_commit(run, robust=True)
