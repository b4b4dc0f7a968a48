"""The tokenizer alone (no database): what a document and a query become, and that a phrase is found."""

from hypothesis import given, settings
from hypothesis import strategies as st

from yingji.search.tokenizer import Term, highlighter, matches, query_terms, runs, tokens


def found(query: str, text: str) -> bool:
    return matches(query_terms(query), tokens(text))


def test_a_chinese_run_becomes_its_bigrams_and_its_last_character():
    assert tokens("台风预警") == ["台风", "风预", "预警", "警"]
    assert tokens("风") == ["风"]


def test_latin_and_digit_runs_become_lowercase_words():
    assert tokens("GB/T 2260-2007") == ["gb", "t", "2260", "2007"]
    assert tokens("5·12汶川地震") == ["5", "12", "汶川", "川地", "地震", "震"]


def test_full_width_forms_are_the_same_as_ascii():
    assert tokens("ＧＢ／Ｔ　２２６０") == tokens("GB/T 2260")


def test_a_two_character_word_is_found_only_when_its_characters_are_adjacent():
    assert found("台风", "今年第3号台风登陆")
    assert not found("台风", "平台上的风很大")
    assert not found("台风", "台，风")
    assert found("山洪", "山洪暴发")
    assert not found("山洪", "山上洪水")


def test_a_longer_phrase_must_occur_as_written():
    assert found("台风预警", "发布台风预警信号")
    assert not found("台风预警", "台风过后发布预警")


def test_mixed_chinese_and_latin_queries():
    assert found("5·12", "汶川“5.12”地震")
    assert found("5.12地震", "“5·12”地震")
    assert found("GB/T 2260", "依据GB/T 2260—2007的代码")
    assert not found("GB/T 2260", "GB/T 22600")
    assert found("A洞", "隧道A洞口")
    assert found("洞A", "山洞A区")


def test_a_one_character_query_is_a_prefix_found_anywhere_in_a_run():
    assert query_terms("洪") == [Term("洪", prefix=True)]
    assert found("洪", "山洪暴发")
    assert found("洪", "防洪")
    assert not found("洪", "山水")


def test_a_query_of_punctuation_only_has_no_terms():
    assert query_terms("，。！ ") == []
    assert not found("", "台风")


def test_the_highlighter_finds_the_phrase_in_the_original_text():
    pattern = highlighter("GB/T 2260")
    assert pattern.search("依据GB/T 2260规定").group() == "GB/T 2260"
    assert pattern.search("依据GB/T 22601规定") is None


CJK = st.sampled_from(list("台风山洪停电暴雨应急预案地震滑坡泥石流防汛抗旱"))
LATIN = st.sampled_from(list("abcGBT"))
DIGIT = st.sampled_from(list("0125"))
SEP = st.sampled_from(list(" ，。、·/-()《》\n"))
TEXT = st.lists(st.one_of(CJK, CJK, CJK, LATIN, DIGIT, SEP), min_size=2, max_size=60).map("".join)


def _cuts_a_word(text: str, start: int, end: int) -> bool:
    """Whether [start:end] splits a run of Latin letters or digits (a query cannot find half a word)."""

    def latin(i):
        return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()

    return (latin(start - 1) and latin(start)) or (latin(end - 1) and latin(end))


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_any_substring_of_two_or_more_characters_is_found_in_its_text(text, data):
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 2, len(text)))
    query = text[start:end]
    if _cuts_a_word(text, start, end) or not runs(query):
        return
    doc = tokens(text)
    terms = query_terms(query)
    assert matches(terms, doc), (query, text, terms, doc)
    # Each query token is a document token (or, for a final prefix, begins one).
    for term in terms:
        assert any(t.startswith(term.text) if term.prefix else t == term.text for t in doc)
