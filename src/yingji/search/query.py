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

# Counting stops here: "1000+ results" costs the same as 1000, whatever the number of matches.
COUNT_LIMIT = 1000
# Beyond COUNT_LIMIT matches, the ranking also considers this many of the newest entries with the phrase in
# their title (see search()).
TITLE_CANDIDATES = 200
EPOCH = datetime.date(1, 1, 1)
SNIPPET_CHARS = 160
MAX_QUERY_CHARS = 200


@dataclass
class Hit:
    entry: SearchEntry
    score: float
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
    page: int = 1
    per_page: int = 20

    @property
    def more(self) -> bool:
        """True when there are more matches than were counted."""
        return self.count >= COUNT_LIMIT

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

    Matches are first listed newest-indexed first, up to COUNT_LIMIT + 1 (that is the count). Up to that many,
    all of them are ranked; beyond it, the ranking considers those newest COUNT_LIMIT matches and the newest
    TITLE_CANDIDATES entries whose title holds the phrase: a word found in most of the library (应急) costs
    the same as a rare one, and a document named after the words still comes first.
    """
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    results = Results(query=q, page=max(1, page), per_page=per_page)
    terms = tokenizer.query_terms(q)
    if not terms:
        return results
    vendor = connection.vendor
    base = entries_for(user, **filters)
    matched = backends.match(base, terms, vendor, ranked=False)
    ids = list(backends.newest_first(matched, vendor).values_list("pk", flat=True)[: COUNT_LIMIT + 1])
    results.count = min(len(ids), COUNT_LIMIT)
    offset = (results.page - 1) * per_page
    if offset >= results.count:
        return results
    ranked = backends.match(base, terms, vendor).defer("tokens", "title_tokens")
    order = ("-score", "-date", "-pk")
    wanted = offset + per_page
    if len(ids) <= COUNT_LIMIT:
        page_entries = list(backends.from_id(ranked, vendor, ids[-1]).order_by(*order)[offset:wanted])
    else:
        newest = list(backends.from_id(ranked, vendor, ids[COUNT_LIMIT - 1]).order_by(*order)[:wanted])
        in_titles = backends.match(base, terms, vendor, ranked=False, title_only=True)
        titled = [
            pk
            for pk in backends.newest_first(in_titles, vendor).values_list("pk", flat=True)[:TITLE_CANDIDATES]
            if pk < ids[COUNT_LIMIT - 1]
        ]
        older = list(backends.among(ranked, vendor, titled).order_by(*order)[:wanted]) if titled else []
        merged = sorted(newest + older, key=lambda e: (-e.score, -(e.date or EPOCH).toordinal(), -e.pk))
        page_entries = merged[offset:wanted]
    pattern = tokenizer.highlighter(q)
    for entry in page_entries:
        results.hits.append(
            Hit(
                entry=entry,
                score=entry.score,
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
