"""Searching: `search(user, q, ...)` returns a page of ranked, highlighted hits the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from yingji.core.models import Organisation
from yingji.core.scoping import can, scope_filter
from yingji.search import backends, tokenizer
from yingji.search.models import SearchEntry
from yingji.search.registry import KINDS

# Counting stops here: "500+ results" costs the same as 500, whatever the number of matches; nobody pages
# through more, and on PostgreSQL each counted match of a long phrase is checked token by token.
COUNT_LIMIT = 500
# How many matches are ranked (the newest), and how many title matches join them when there are more.
RANK_CANDIDATES = 200
TITLE_CANDIDATES = 200
SNIPPET_CHARS = 160
MAX_QUERY_CHARS = 200


@dataclass
class Hit:
    entry: SearchEntry
    score: float | None  # None: beyond the ranked matches
    title_html: SafeString
    snippet_html: SafeString
    kind_label: str

    @property
    def url(self) -> str:
        return self.entry.url


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0  # at most COUNT_LIMIT
    more: bool = False  # more matches than counted
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


def visible_kinds(user) -> list[str]:
    return [name for name, kind in KINDS.items() if can(user, "view", kind.model)]


def visible_q(user) -> Q:
    """Entries the user may see: public ones, and those whose owner lies within the user's reach."""
    if user.is_superuser:
        return Q()
    condition = Q(public=True)
    if user.organisation is not None:
        reach = scope_filter(user, Organisation)
        orgs = Organisation.objects.filter(reach) if reach is not None else Organisation.objects.all()
        condition |= Q(owner__in=orgs.values("pk"))
    return condition


def event_type_q(code: str) -> Q:
    """Entries about this GB/T 35561 type or any under it (12D finds 12D01), or filed under a broader code
    that holds it (a plan for 11A, all floods, is found with 11A01)."""
    code = code.strip().upper()
    condition = Q(event_types__contains=f" {code}")
    for k in range(1, len(code)):
        condition |= Q(event_types__contains=f" {code[:k]} ")
    return condition


def entries_for(
    user,
    *,
    kind: str = "",
    event_type: str = "",
    level: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
):
    """The entries the user may see, filtered (no text condition)."""
    kinds = visible_kinds(user)
    queryset = SearchEntry.objects.filter(visible_q(user), kind__in=[kind] if kind in kinds else kinds)
    if event_type:
        queryset = queryset.filter(event_type_q(event_type))
    if level:
        queryset = queryset.filter(level=level)
    if date_from:
        queryset = queryset.filter(date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__lte=date_to)
    return queryset


def search(user, q: str, *, page: int = 1, per_page: int = 20, **filters) -> Results:
    """A page of ranked hits for `q` among what `user` may see, filtered.

    1. The matches, newest indexed first, up to COUNT_LIMIT + 1: that is the count ("more than 500").
    2. The newest RANK_CANDIDATES of them are ranked; when there are more matches than that, so are the newest
       TITLE_CANDIDATES with the phrase in their title, older ones included. The order of the results is the
       ranked ones, best first, then the other matches, newest first.
    3. The page's entries are read (with their text, for the snippets).

    So a word found in most of the library (应急) costs what a rare one costs, and a document named after the
    words comes first however old it is.
    """
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    results = Results(query=q, page=max(1, page), per_page=per_page)
    terms = tokenizer.query_terms(q)
    if not terms:
        return results
    vendor = connection.vendor
    base = entries_for(user, **filters)
    ids = backends.newest(base, terms, vendor, COUNT_LIMIT + 1)
    results.more = len(ids) > COUNT_LIMIT
    ids = ids[:COUNT_LIMIT]
    results.count = len(ids)
    offset = (results.page - 1) * per_page
    if offset >= results.count:
        return results
    pool = ids[:RANK_CANDIDATES]
    if len(ids) > RANK_CANDIDATES:
        in_pool = set(pool)
        titled = backends.newest(base, terms, vendor, TITLE_CANDIDATES, title_only=True)
        pool += [pk for pk in titled if pk not in in_pool]
    scores = dict(backends.rank(terms, vendor, pool))
    order = list(scores) + [pk for pk in ids if pk not in scores]
    page_ids = order[offset : offset + per_page]
    entries = SearchEntry.objects.defer("tokens", "title_tokens").in_bulk(page_ids)
    pattern = tokenizer.highlighter(q)
    for pk in page_ids:
        entry = entries[pk]
        results.hits.append(
            Hit(
                entry=entry,
                score=scores.get(pk),
                title_html=highlight(entry.title, pattern),
                snippet_html=snippet(entry.text, pattern),
                kind_label=str(KINDS[entry.kind].label) if entry.kind in KINDS else entry.kind,
            )
        )
    return results


def highlight(text: str, pattern) -> SafeString:
    """`text` with every match of `pattern` in <mark>; everything else escaped."""
    if pattern is None or not text:
        return escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.end() == m.start():
            continue
        out.append(escape(text[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308  (every piece of text above is escaped)


def snippet(text: str, pattern, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of the text around the first match (or its beginning), highlighted and escaped."""
    text = text or ""
    m = pattern.search(text) if pattern is not None else None
    if m is None:
        start = 0
    else:
        start = max(0, m.start() - length // 3)
        # Begin at a sentence or line start nearby when there is one.
        for mark in ("\n", "。", "；"):
            cut = text.rfind(mark, start, m.start())
            if cut != -1:
                start = cut + 1
                break
    end = min(len(text), start + length)
    window = " ".join(text[start:end].split())
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(escape(prefix) + highlight(window, pattern) + escape(suffix))  # noqa: S308
