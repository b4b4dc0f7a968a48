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
    """CREATE OR REPLACE FUNCTION search_entry_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.tsv := setweight(to_tsvector('simple'::regconfig, NEW.title_tokens), 'A')
                || setweight(to_tsvector('simple'::regconfig, NEW.tokens), 'D');
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS search_entry_tsv ON search_searchentry",
    """CREATE TRIGGER search_entry_tsv BEFORE INSERT OR UPDATE OF title_tokens, tokens ON search_searchentry
        FOR EACH ROW EXECUTE FUNCTION search_entry_tsv()""",
    "UPDATE search_searchentry SET tokens = tokens WHERE tsv IS NULL",
    "CREATE INDEX IF NOT EXISTS search_entry_tsv_gin ON search_searchentry USING gin (tsv)",
]
POSTGRES_UNINSTALL = [
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


def _tsquery(terms: list[Term], weight: str = "") -> str:
    return " & ".join(
        f"{t.text}:*{weight}" if t.prefix else f"{t.text}:{weight}" if weight else t.text for t in terms
    )


# `extra()` below: the only ORM way to join the FTS5 table and call bm25() beside the model's own filters. The SQL
# text is constant; the query's terms are always passed as parameters.
def match(queryset, terms: list[Term], vendor: str, *, ranked: bool = True, title_only: bool = False):
    """`queryset` (of SearchEntry) narrowed to entries holding the phrase (in the title only, if so asked), with
    `score` (higher is better) when ranked.

    The SQL added names search_searchentry: evaluate the result, do not use it as a subquery (Django renames
    the table there)."""
    if vendor == "sqlite":
        queryset = queryset.extra(  # noqa: S610
            tables=["search_fts"],
            where=["search_fts.rowid = search_searchentry.id", "search_fts MATCH %s"],
            params=[_fts5_phrase(terms, title_only)],
        )
        if ranked:
            # bm25() is lower for better matches.
            queryset = queryset.extra(select={"score": f"-bm25(search_fts, {TITLE_WEIGHT}, 1.0)"})  # noqa: S610
        return queryset
    if vendor == "postgresql":
        where = ["search_searchentry.tsv @@ to_tsquery('simple'::regconfig, %s)"]
        params = [_tsquery(terms, "A" if title_only else "")]
        if len(terms) > 1:
            if title_only:
                where.append("search_searchentry.title_tokens LIKE %s")
                params.append(_like_pattern(terms))
            else:
                where.append("(search_searchentry.tokens LIKE %s OR search_searchentry.title_tokens LIKE %s)")
                params += [_like_pattern(terms)] * 2
        queryset = queryset.extra(where=where, params=params)  # noqa: S610
        if ranked:
            queryset = queryset.extra(  # noqa: S610
                select={"score": "ts_rank(search_searchentry.tsv, to_tsquery('simple'::regconfig, %s), 1)"},
                select_params=[_tsquery(terms)],
            )
        return queryset
    raise NotImplementedError(f"full-text search is not implemented for {vendor}")


def from_id(queryset, vendor: str, lowest: int):
    """A matched queryset narrowed to entries with id >= lowest (FTS5 skips the others in its index itself)."""
    if vendor == "sqlite":
        return queryset.extra(where=["search_fts.rowid >= %s"], params=[lowest])  # noqa: S610
    return queryset.filter(pk__gte=lowest)


def among(queryset, vendor: str, ids: list[int]):
    """A matched queryset narrowed to these entries. On SQLite the index walks the range of their rowids and
    the list is checked on each match there (a rowid IN (…) given to FTS5 costs a seek per rowid, slower)."""
    if vendor == "sqlite":
        marks = ", ".join(["%s"] * len(ids))
        return queryset.extra(  # noqa: S610
            where=["search_fts.rowid BETWEEN %s AND %s", f"+search_fts.rowid IN ({marks})"],
            params=[min(ids), max(ids), *ids],
        )
    return queryset.filter(pk__in=ids)


def newest_first(queryset, vendor: str):
    """A matched queryset in the index's order, newest entry first (FTS5 walks its rowids backwards itself)."""
    if vendor == "sqlite":
        return queryset.extra(order_by=["-search_fts.rowid"])  # noqa: S610
    return queryset.order_by("-pk")
