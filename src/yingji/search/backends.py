"""The database side of full-text search: SQLite FTS5 or PostgreSQL tsvector behind one small interface.

Both hold the same thing, the tokenizer's output (SearchEntry.title_tokens and .tokens), and both answer the
same question, "which entries hold this phrase of tokens", exactly:

- SQLite: an FTS5 table `search_fts` with external content (it reads the tokens from search_searchentry and
  stores only the inverted index), kept current by triggers on search_searchentry; the query is an FTS5 phrase,
  `"t1 t2 t3"` (with ` *` when the last term is a prefix); ranking by bm25, the title weighing 10 times the text.
- PostgreSQL: a column `tsv` filled by a trigger (title weight A, text weight D, 'simple' configuration over the
  space-separated tokens) with a GIN index. The index finds the entries holding every token (`t1 & t2 & t3`);
  a phrase of more than one term is then checked on the tokens themselves (`tokens LIKE '% t1 t2 t3 %'`), which
  has none of the tsvector's position limits (16,383 positions, 256 per word); ranking by ts_rank.

The SQL that creates these is here, not only in the migration, so that a later migration which rebuilds
search_searchentry on SQLite (SQLite drops a table's triggers when Django remakes the table) can call
`install(schema_editor)` again.
"""

import json

from django.db import connections, transaction

from yingji.search.tokenizer import Term

# Weight of the title against the text in bm25 (SQLite); PostgreSQL's ts_rank weighs A (title) 1.0, D 0.1.
TITLE_WEIGHT = 10.0

SQLITE_INSTALL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title_tokens, tokens, content='search_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_au",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    # Rows that were there before the triggers (none on a fresh install; all after a table rebuild).
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_INSTALL = [
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS tsv tsvector",
    "ALTER TABLE search_searchentry ADD COLUMN IF NOT EXISTS title_tsv tsvector",
    """CREATE OR REPLACE FUNCTION search_entry_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv := setweight(to_tsvector('simple'::regconfig, NEW.title_tokens), 'A')
                || setweight(to_tsvector('simple'::regconfig, NEW.tokens), 'D');
        NEW.title_tsv := to_tsvector('simple'::regconfig, NEW.title_tokens);
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS search_entry_tsv ON search_searchentry",
    """CREATE TRIGGER search_entry_tsv BEFORE INSERT OR UPDATE OF title_tokens, tokens ON search_searchentry
        FOR EACH ROW EXECUTE FUNCTION search_entry_tsv()""",
    "UPDATE search_searchentry SET tokens = tokens WHERE tsv IS NULL OR title_tsv IS NULL",
    "CREATE INDEX IF NOT EXISTS search_entry_tsv_gin ON search_searchentry USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS search_entry_title_tsv_gin ON search_searchentry USING gin (title_tsv)",
    # Keep the rows small (title, link, filters) and every long value (text, tokens, tsv) out of line: the
    # bitmap scans below then read a few MB of rows, not the texts.
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 128)",
]
POSTGRES_UNINSTALL = [
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    "DROP INDEX IF EXISTS search_entry_title_tsv_gin",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS title_tsv",
    "DROP INDEX IF EXISTS search_entry_tsv_gin",
    "DROP TRIGGER IF EXISTS search_entry_tsv ON search_searchentry",
    "DROP FUNCTION IF EXISTS search_entry_tsv()",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(schema_editor, statements) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_INSTALL)
    else:
        raise NotImplementedError(f"full-text search is not implemented for {vendor}")


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_UNINSTALL if vendor == "sqlite" else POSTGRES_UNINSTALL)


def optimise(connection) -> None:
    """After a bulk rebuild: merge FTS5's segments (SQLite); refresh the planner's statistics (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE search_searchentry")


def _fts5_phrase(terms: list[Term], title_only: bool = False) -> str:
    # Tokens are letters and digits only: nothing in them needs quoting inside an FTS5 string.
    phrase = '"' + " ".join(t.text for t in terms) + '"'
    if terms[-1].prefix:
        phrase += " *"
    return f"title_tokens : {phrase}" if title_only else phrase


def _like_pattern(terms: list[Term]) -> str:
    # Tokens hold no LIKE wildcards (% and _ are never part of a token).
    body = " ".join(t.text for t in terms)
    return f"% {body}%" if terms[-1].prefix else f"% {body} %"


def _tsquery(terms: list[Term]) -> str:
    return " & ".join(f"{t.text}:*" if t.prefix else t.text for t in terms)


# `extra()` below: the only ORM way to join the FTS5 table and call bm25() beside the model's own filters. The SQL
# text is constant; the query's terms are always passed as parameters. The SQL added names search_searchentry:
# these querysets are evaluated here, never used as subqueries (Django renames the table there).
def match(queryset, terms: list[Term], vendor: str, *, title_only: bool = False):
    """`queryset` (of SearchEntry) narrowed to entries holding the phrase (in the title only, if so asked)."""
    if vendor == "sqlite":
        return queryset.extra(  # noqa: S610
            tables=["search_fts"],
            where=["search_fts.rowid = search_searchentry.id", "search_fts MATCH %s"],
            params=[_fts5_phrase(terms, title_only)],
        )
    if vendor == "postgresql":
        column = "title_tsv" if title_only else "tsv"
        where = [f"search_searchentry.{column} @@ to_tsquery('simple'::regconfig, %s)"]
        params = [_tsquery(terms)]
        if len(terms) > 1:
            if title_only:
                where.append("search_searchentry.title_tokens LIKE %s")
                params.append(_like_pattern(terms))
            else:
                where.append("(search_searchentry.tokens LIKE %s OR search_searchentry.title_tokens LIKE %s)")
                params += [_like_pattern(terms)] * 2
        return queryset.extra(where=where, params=params)  # noqa: S610
    raise NotImplementedError(f"full-text search is not implemented for {vendor}")


def newest(queryset, terms: list[Term], vendor: str, limit: int, *, title_only: bool = False) -> list[int]:
    """Ids of the entries of `queryset` holding the phrase, newest indexed first, at most `limit`.

    SQLite: FTS5 walks the phrase's rowids backwards and the join stops at `limit`.
    PostgreSQL: for a phrase the statistics say is in a large share of the entries (see below), the primary key
    is walked backwards, each row checked, until `limit` are found. Otherwise the GIN index gives every entry
    holding all the tokens without reading them (a bitmap scan, which the planner is made to take: it does not
    count the reading of each row's tsvector from TOAST as costly and would often walk the key instead), the rows
    are sorted by id, and only then, for a phrase of several tokens, the phrase is checked on their tokens one
    after the other until `limit` are found.
    """
    if vendor == "sqlite":
        matched = match(queryset, terms, vendor, title_only=title_only)
        return list(matched.extra(order_by=["-search_fts.rowid"]).values_list("pk", flat=True)[:limit])  # noqa: S610
    if vendor != "postgresql":
        raise NotImplementedError(f"full-text search is not implemented for {vendor}")
    column = "title_tsv" if title_only else "tsv"
    tsquery = _tsquery(terms)
    candidates = queryset.extra(  # noqa: S610
        where=[f"search_searchentry.{column} @@ to_tsquery('simple'::regconfig, %s)"], params=[tsquery]
    ).order_by("-pk")
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        share, total = _share(cursor, column, tsquery)
        # Walking the key reads about limit / share rows' tsvectors (~10 µs each); the bitmap fetches and sorts
        # share × total rows (~0.7 µs each): the walk wins when share² × total > 14 × limit (share > 0.37 for
        # 100,000 entries and a limit of 1,001).
        common = share * share * total > 14 * limit
        if len(terms) == 1 or common:
            # One token: the index is exact. A common phrase: walking the newest rows finds enough soon.
            if len(terms) > 1:
                candidates = match(queryset, terms, vendor, title_only=title_only).order_by("-pk")
            sql, params = candidates.values_list("pk", flat=True)[:limit].query.sql_with_params()
        else:
            pattern = _like_pattern(terms)
            if title_only:
                inner, inner_params = candidates.values("pk", "title_tokens").query.sql_with_params()
                check, check_params = 'c."title_tokens" LIKE %s', [pattern]
            else:
                inner, inner_params = candidates.values(
                    "pk", "tokens", "title_tokens"
                ).query.sql_with_params()
                check, check_params = '(c."tokens" LIKE %s OR c."title_tokens" LIKE %s)', [pattern, pattern]
            # OFFSET 0 keeps the phrase check out of the scan: it runs on the sorted rows, up to the limit.
            sql = f'SELECT c."pk" FROM ({inner} OFFSET 0) c WHERE {check} LIMIT %s'  # noqa: S608
            params = (*inner_params, *check_params, limit)
        cursor.execute(
            "SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan'), "
            "set_config('enable_indexscan', %s, true), set_config('enable_seqscan', 'off', true)",
            ["on" if common else "off"],
        )
        indexscan, seqscan = cursor.fetchone()[:2]
        try:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute(
                "SELECT set_config('enable_indexscan', %s, true), set_config('enable_seqscan', %s, true)",
                [indexscan, seqscan],
            )


def _share(cursor, column: str, tsquery: str) -> tuple[float, float]:
    """The planner's estimate of the share of entries holding all the tokens (from the tsvector statistics),
    and the number of entries."""
    cursor.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_searchentry "  # noqa: S608  (column is one of two names)
        f"WHERE {column} @@ to_tsquery('simple'::regconfig, %s)",
        [tsquery],
    )
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'search_searchentry'")
    total = cursor.fetchone()[0]
    if not total or total <= 0:
        return 0.0, 0.0
    return plan[0]["Plan"]["Plan Rows"] / total, total


def rank(terms: list[Term], vendor: str, ids: list[int]) -> list[tuple[int, float]]:
    """(id, score) of these entries (all known to hold the phrase), best first: higher score, then later date."""
    from yingji.search.models import SearchEntry

    if not ids:
        return []
    order = ("-score", "-date", "-pk")
    if vendor == "sqlite":
        # The rowids' range is walked in the FTS5 index, the list checked on each (FTS5 would seek per rowid).
        marks = ", ".join(["%s"] * len(ids))
        ranked = match(SearchEntry.objects.all(), terms, vendor).extra(  # noqa: S610
            select={"score": f"-bm25(search_fts, {TITLE_WEIGHT}, 1.0)"},
            where=["search_fts.rowid BETWEEN %s AND %s", f"+search_fts.rowid IN ({marks})"],
            params=[min(ids), max(ids), *ids],
        )
    elif vendor == "postgresql":
        ranked = SearchEntry.objects.filter(pk__in=ids).extra(  # noqa: S610
            select={"score": "ts_rank(search_searchentry.tsv, to_tsquery('simple'::regconfig, %s), 1)"},
            select_params=[_tsquery(terms)],
        )
    else:
        raise NotImplementedError(f"full-text search is not implemented for {vendor}")
    return list(ranked.order_by(*order).values_list("pk", "score"))
