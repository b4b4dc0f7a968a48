"""The search index: one SearchEntry per indexed record, with what the results page shows and filters on.

The full-text part lives beside it, per database (see backends.py and migration 0002): on SQLite an FTS5 table
`search_fts` over `title_tokens` and `tokens` (external content, kept current by triggers); on PostgreSQL a
column `tsv` (tsvector, filled by a trigger, with a GIN index). Entries are derived data:
`yingji reindex` rebuilds them all from the registered models.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    kind = models.CharField(_("kind"), max_length=40)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    title = models.CharField(_("title"), max_length=500)
    text = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500)
    # The owning organisation (None: the whole platform's). Deleting it deletes the entries: they are derived.
    owner = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    public = models.BooleanField(_("public"), default=False)
    # GB/T 35561 codes, each followed by a space and the first preceded by one: " 11A01 12D02 ", so that a
    # code or a code's prefix (" 11A") is one substring test on either database.
    event_types = models.CharField(_("event types"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=40, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)
    # The tokenizer's output (tokenizer.index_text), with a space before and after: what the full-text index
    # holds, and what a phrase is checked against on PostgreSQL (LIKE '% t1 t2 %').
    title_tokens = models.TextField(blank=True, editable=False)
    tokens = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="search_one_entry_per_object")
        ]
        indexes = [models.Index(fields=["kind", "date"]), models.Index(fields=["date"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url

    @property
    def event_type_codes(self) -> list[str]:
        return self.event_types.split()
