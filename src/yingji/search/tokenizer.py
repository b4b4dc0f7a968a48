"""The search tokenizer: pure Python, no Django, the same for documents and queries and for every database.

Text is normalised (NFKC: full-width letters and digits become ASCII; then lower case) and cut into runs:

- a run of CJK characters (Han, kana, hangul) becomes its overlapping bigrams followed by its last character:
  台风预警 -> 台风 风预 预警 警. So every character of a run starts exactly one token, and a phrase of two or more
  characters is a sequence of adjacent bigrams: 山洪 is found in 山洪暴发 but not in 山，洪 (tokens 山 洪);
- a run of other letters and digits becomes one lower-case word: GB/T 2260 -> gb t 2260; 5·12 -> 5 12;
- everything else (spaces, punctuation, symbols) separates runs.

A query is cut the same way and matched as a phrase (its tokens adjacent, in order). Its runs give:

- two or more CJK characters: the bigrams, plus the last character when another token follows (the document's
  run must end there too, and ends with that character as a token);
- one CJK character followed by another token: that character (it ends a run in the document);
- one CJK character at the end of the query: a prefix (the character starts a token in any document run), so a
  one-character query finds every occurrence of the character.

`Term(text, prefix)` is one query token; the backends turn the list into an FTS5 phrase or a PostgreSQL check.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Tokenizer version: stored with the index; a change means `yingji reindex`.
VERSION = 1

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3040, 0x30FF),  # kana
    (0x3100, 0x312F),  # bopomofo
    (0x3130, 0x318F),  # hangul jamo
    (0x31A0, 0x31FF),
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xA960, 0xA97F),
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x3FFFF),  # extensions B and later
)


# A longer run of letters or digits (a hash, an encoded blob) is cut to this length, in documents and queries.
MAX_WORD = 64


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def is_word(ch: str) -> bool:
    """A character that belongs to a token: letters and digits (what SQLite's unicode61 keeps, too)."""
    return unicodedata.category(ch)[0] in "LN"


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


_CJK_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES)
# A run: CJK characters, or other letters and digits (`\\w` without "_" and CJK).
_RUN = re.compile(rf"(?P<cjk>[{_CJK_CLASS}]+)|(?P<word>[^\W_{_CJK_CLASS}]+)")
# A Latin-run character, for the highlighter's word boundaries.
_NOT_WORD_LOOK = rf"[^\W_{_CJK_CLASS}]"


def runs(text: str) -> list[tuple[bool, str]]:
    """(is_cjk, run) for each run of the normalised text."""
    found = []
    for m in _RUN.finditer(normalise(text)):
        if m.lastgroup == "cjk":
            found.append((True, m.group()))
        else:
            found.append((False, m.group()[:MAX_WORD]))
    return found


def _cjk_tokens(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str) -> list[str]:
    """The document tokens of `text`, in order."""
    out: list[str] = []
    for cjk, run in runs(text):
        if cjk:
            out.extend(_cjk_tokens(run))
        else:
            out.append(run)
    return out


def index_text(text: str) -> str:
    """The tokens joined by spaces: what the full-text index is given."""
    return " ".join(tokens(text))


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


def query_terms(query: str, max_terms: int = 64) -> list[Term]:
    """The phrase a query stands for (see the module's doc). Empty when the query has no letters or digits."""
    parts = runs(query)
    terms: list[Term] = []
    for i, (cjk, run) in enumerate(parts):
        followed = i + 1 < len(parts)
        if not cjk:
            terms.append(Term(run))
        elif len(run) == 1:
            terms.append(Term(run, prefix=not followed))
        else:
            terms.extend(Term(run[j : j + 2]) for j in range(len(run) - 1))
            if followed:
                terms.append(Term(run[-1]))
    return terms[:max_terms]


def matches(terms: list[Term], doc_tokens: list[str]) -> bool:
    """Whether the phrase occurs in the tokens (the reference semantics the database backends implement)."""
    n = len(terms)
    if not n:
        return False
    for start in range(len(doc_tokens) - n + 1):
        for k, term in enumerate(terms):
            token = doc_tokens[start + k]
            if not (token.startswith(term.text) if term.prefix else token == term.text):
                break
        else:
            return True
    return False


def highlighter(query: str) -> re.Pattern | None:
    """A regular expression that finds the query's phrase in the original text (for snippets).

    Runs are matched literally (case-insensitive), separated by any non-word characters; a Latin run must not
    be part of a longer word. Full-width forms in the text are not matched (the index does match them).
    """
    parts = runs(query)
    if not parts:
        return None
    pieces = []
    for cjk, run in parts:
        if cjk:
            pieces.append(re.escape(run))
        else:
            pieces.append(rf"(?<!{_NOT_WORD_LOOK})" + re.escape(run) + rf"(?!{_NOT_WORD_LOOK})")
    return re.compile(r"[\W_]*?".join(pieces), re.IGNORECASE)
