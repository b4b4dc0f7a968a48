"""The search engine on the database in use (the suite runs on SQLite and on PostgreSQL: the same answers)."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db import connection

from yingji.core.models import Contact
from yingji.search import backends, query, tokenizer
from yingji.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def titles(username, q, user, **filters):
    return [h.entry.title for h in query.search(user(username), q, per_page=100, **filters).hits]


def test_a_two_character_word_finds_only_texts_where_its_characters_are_adjacent(notes, user):
    notes("防台风工作方案", "做好台风防御准备")
    notes("平台检修", "平台上的风机检修，台、风两字分开")
    assert titles("city_office", "台风", user) == ["防台风工作方案"]


@pytest.mark.parametrize("word", ["台风", "山洪", "停电"])
def test_common_two_character_words_are_found_in_the_text(notes, user, word):
    notes("预案", f"遇到{word}时立即启动响应")
    notes("其他", "".join(reversed(word)) + "与本预案无关")
    assert titles("city_office", word, user) == ["预案"]


def test_mixed_chinese_and_latin_queries_are_found(notes, user):
    notes("汶川地震案例", "“5·12”汶川特大地震的应急响应")
    notes("区划代码说明", "行政区划代码执行GB/T 2260—2007标准")
    notes("其他标准", "执行GB/T 22600标准，5月12日演练")
    assert titles("city_office", "5·12", user) == ["汶川地震案例"]
    assert titles("city_office", "5.12汶川", user) == ["汶川地震案例"]
    assert titles("city_office", "GB/T 2260", user) == ["区划代码说明"]
    assert titles("city_office", "gb/t2260", user) == []  # "t2260" is one word, not two


def test_a_one_character_query_finds_the_character_anywhere(notes, user):
    notes("防洪", "")
    notes("山洪", "")
    notes("山火", "")
    assert sorted(titles("city_office", "洪", user)) == ["山洪", "防洪"]


def test_full_width_letters_and_case_do_not_matter(notes, user):
    notes("ＣＯＶＩＤ-19 防控", "")
    assert titles("city_office", "covid-19", user) == ["ＣＯＶＩＤ-19 防控"]


def test_a_private_entry_of_one_county_is_not_seen_by_another_county(notes, user, api):
    notes("梅县区内部预案", "山洪转移名单", owner="meixian_office", public=False)
    assert titles("meixian_office", "山洪", user) == ["梅县区内部预案"]
    assert titles("city_office", "山洪", user) == [
        "梅县区内部预案"
    ]  # the city office's reach holds the county
    assert titles("xingning_office", "山洪", user) == []
    assert api("xingning_office").get("/api/v1/search/", {"q": "山洪"}).json()["count"] == 0
    assert api("meixian_office").get("/api/v1/search/", {"q": "山洪"}).json()["count"] == 1


def test_a_public_entry_is_seen_by_every_county(notes, user):
    notes("梅县区公开案例", "山洪", owner="meixian_office", public=True)
    assert titles("xingning_office", "山洪", user) == ["梅县区公开案例"]


def test_a_liaison_sees_private_entries_of_their_own_organisation_only(notes, user):
    notes("水利局预案", "山洪", owner="dept_water", public=False)
    notes("应急局预案", "山洪", owner="city_office", public=False)
    assert titles("dept_water", "山洪", user) == ["水利局预案"]


def test_a_title_match_ranks_above_a_text_match(notes, user):
    notes("防汛工作通知", "请各单位做好山洪灾害防御工作，加强值守。" * 3)
    notes("山洪灾害防御预案", "本预案适用于本市范围内的防御工作。" * 3)
    assert titles("city_office", "山洪", user)[0] == "山洪灾害防御预案"


def test_more_occurrences_rank_higher(notes, user):
    notes("甲", "内涝" + "，其他内容" * 30)
    notes("乙", "内涝，内涝，内涝" + "，其他内容" * 28)
    assert titles("city_office", "内涝", user) == ["乙", "甲"]


def test_snippets_and_titles_are_escaped_and_highlighted(notes, user):
    notes("<b>台风</b>预案", "<script>alert(1)</script>台风 & 暴雨")
    hit = query.search(user("city_office"), "台风").hits[0]
    assert hit.title_html == "&lt;b&gt;<mark>台风</mark>&lt;/b&gt;预案"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>台风</mark> &amp; 暴雨" in hit.snippet_html
    assert "<script>" not in hit.snippet_html


def test_the_snippet_shows_the_text_around_the_match(notes, user):
    notes("长文", "无关内容。" * 200 + "第五十条 发生山洪时应当转移群众。" + "其他。" * 200)
    snippet = query.search(user("city_office"), "山洪").hits[0].snippet_html
    assert snippet.startswith("… 第五十条 发生<mark>山洪</mark>时")


def test_filters_by_kind_event_type_level_and_date(notes, user):
    notes("甲", "暴雨", event_types=["11B01"], level="city", date=datetime.date(2025, 6, 1))
    notes("乙", "暴雨", event_types=["11A01", "12D01"], level="county", date=datetime.date(2024, 6, 1))
    assert titles("city_office", "暴雨", user, kind="note") == ["甲", "乙"] or set(
        titles("city_office", "暴雨", user, kind="note")
    ) == {"甲", "乙"}
    assert titles("city_office", "暴雨", user, kind="regulation") == []
    assert titles("city_office", "暴雨", user, event_type="11B") == ["甲"]
    assert titles("city_office", "暴雨", user, event_type="12D01") == ["乙"]
    assert titles("city_office", "暴雨", user, level="county") == ["乙"]
    assert titles("city_office", "暴雨", user, date_from=datetime.date(2025, 1, 1)) == ["甲"]
    assert titles("city_office", "暴雨", user, date_to=datetime.date(2025, 1, 1)) == ["乙"]


def test_saving_and_deleting_keep_the_index_current(notes, user, django_capture_on_commit_callbacks):
    contact = notes("停电预案", "大面积停电")
    assert titles("city_office", "停电", user) == ["停电预案"]
    with django_capture_on_commit_callbacks(execute=True):
        Contact.objects.get(pk=contact.pk).delete()
    assert titles("city_office", "停电", user) == []
    assert not SearchEntry.objects.filter(kind="note").exists()


def test_a_rolled_back_change_leaves_the_index_alone(notes, user, django_capture_on_commit_callbacks):
    from django.db import transaction

    contact = notes("停电预案", "大面积停电")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        Contact.objects.get(pk=contact.pk).delete()
        raise RuntimeError
    assert titles("city_office", "停电", user) == ["停电预案"]


def test_reindex_rebuilds_every_entry(notes, user):
    notes("停电预案", "大面积停电")
    SearchEntry.objects.filter(kind="note").update(title="stale")  # as if the index had drifted
    call_command("reindex", "note", verbosity=0)
    assert titles("city_office", "停电", user) == ["停电预案"]


def test_results_are_paginated_and_counted(notes, user):
    for i in range(25):
        notes(f"预案{i}", "地震应急")
    first = query.search(user("city_office"), "地震", per_page=10)
    third = query.search(user("city_office"), "地震", per_page=10, page=3)
    assert first.count == 25 and first.pages == 3 and len(first.hits) == 10
    assert len(third.hits) == 5
    assert not {h.entry.pk for h in first.hits} & {h.entry.pk for h in third.hits}


def test_the_database_finds_exactly_what_the_tokenizer_says(notes, user):
    """The FTS5 / tsvector backends against the reference phrase matcher, over texts and queries built to trip
    them: adjacent and separated characters, Latin next to Chinese, one-character runs, repeats."""
    texts = [
        "台风来袭，山洪暴发",
        "平台，风力；山上洪水",
        "A洞口发生塌方",
        "隧道洞A区",
        "GB/T 2260标准",
        "5·12地震三周年",
        "洪洪洪",
        "风台风",
        "停 电",
    ]
    for i, text in enumerate(texts):
        notes(f"doc{i}", text)
    queries = [
        "台风",
        "风台",
        "山洪",
        "洪",
        "洪洪",
        "A洞",
        "洞A",
        "洞口",
        "GB/T 2260",
        "5·12地震",
        "停电",
        "风台风",
    ]
    entries = SearchEntry.objects.filter(kind="note")
    for q in queries:
        terms = tokenizer.query_terms(q)
        expected = {f"doc{i}" for i, t in enumerate(texts) if tokenizer.matches(terms, tokenizer.tokens(t))}
        got = set(backends.match(entries, terms, connection.vendor).values_list("title", flat=True))
        assert got == expected, q
        newest = backends.newest(entries, terms, connection.vendor, 100)
        assert set(entries.filter(pk__in=newest).values_list("title", flat=True)) == expected, q
        assert newest == sorted(newest, reverse=True)


def test_the_search_page_shows_ranked_highlighted_hits(notes, login):
    notes("防汛<抗旱>预案", "山洪灾害防御")
    response = login("city_office").get("/search/", {"q": "山洪"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "防汛&lt;抗旱&gt;预案" in body
    assert "<mark>山洪</mark>灾害防御" in body
    assert 'data-testid="nav-search"' in body


def test_the_search_page_accepts_from_and_to(notes, login):
    notes("甲", "暴雨", date=datetime.date(2025, 6, 1))
    response = login("city_office").get("/search/", {"q": "暴雨", "from": "2026-01-01"})
    assert response.context["results"].count == 0
    response = login("city_office").get("/search/", {"q": "暴雨", "from": "2025-01-01", "to": "2025-12-31"})
    assert response.context["results"].count == 1


def test_the_search_page_without_a_query_shows_the_form(login):
    response = login("duty_city").get("/search/")
    assert response.status_code == 200
    assert response.context["results"] is None


def test_the_api_answers_ranked_results_with_snippets(notes, api):
    notes("山洪灾害防御预案", "山洪")
    notes("防汛通知", "山洪")
    data = api("duty_city").get("/api/v1/search/", {"q": "山洪", "page_size": 1}).json()
    assert data["count"] == 2 and data["pages"] == 2
    (hit,) = data["results"]
    assert hit["title"] == "山洪灾害防御预案"
    assert hit["title_html"] == "<mark>山洪</mark>灾害防御预案"
    assert hit["kind"] == "note"


def test_the_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/search/", {"q": "山洪"}).status_code in (401, 403)


def test_a_search_costs_a_fixed_number_of_queries(notes, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    from yingji.core.models import User

    city_office = User.objects.select_related("organisation__division").get(username="city_office")
    notes("预案", "地震应急")
    with CaptureQueriesContext(connection) as one:
        query.search(city_office, "地震")
    for i in range(30):
        notes(f"预案{i}", "地震应急")
    with django_assert_num_queries(len(one)):
        assert len(query.search(city_office, "地震").hits) == 20


def test_pages_beyond_the_results_are_empty(notes, user):
    notes("甲", "地震")
    assert query.search(user("city_office"), "地震", page=5).hits == []


def test_a_long_document_is_found_far_into_its_text(notes, user):
    """PostgreSQL's tsvector keeps positions only up to 16,383: the phrase check does not rely on them."""
    filler = "".join(itertools.islice(itertools.cycle("甲乙丙丁戊己庚辛壬癸"), 40_000))
    notes("长文", filler + "山洪转移")
    assert titles("city_office", "洪转移", user) == ["长文"]
    assert titles("city_office", "山洪转移", user) == ["长文"]


def test_with_more_matches_than_ranked_an_older_title_match_still_ranks_first(notes, user, monkeypatch):
    monkeypatch.setattr(query, "COUNT_LIMIT", 5)
    monkeypatch.setattr(query, "RANK_CANDIDATES", 3)
    notes("山洪灾害防御预案", "本预案")  # the oldest: outside the 5 newest matches
    for i in range(8):
        notes(f"通知{i}", "请做好山洪防御")
    results = query.search(user("city_office"), "山洪", per_page=3)
    assert results.count == 5 and results.more
    assert results.hits[0].entry.title == "山洪灾害防御预案"
    assert len(results.hits) == 3
    # Past the ranked ones, the other matches follow newest first, without a score.
    second = query.search(user("city_office"), "山洪", per_page=3, page=2)
    assert [h.entry.title for h in second.hits] == ["通知5", "通知4", "通知3"]
    assert second.hits[0].score is not None and [h.score for h in second.hits[1:]] == [None, None]


def test_with_more_matches_than_counted_pages_stop_at_the_count(notes, user, monkeypatch):
    monkeypatch.setattr(query, "COUNT_LIMIT", 4)
    monkeypatch.setattr(query, "RANK_CANDIDATES", 2)
    for i in range(7):
        notes(f"通知{i}", "停电")
    first = query.search(user("city_office"), "停电", per_page=3)
    second = query.search(user("city_office"), "停电", per_page=3, page=2)
    assert first.more and first.pages == 2 and len(first.hits) == 3 and len(second.hits) == 1
    assert query.search(user("city_office"), "停电", per_page=3, page=3).hits == []


def test_an_entry_filed_under_a_broader_event_type_is_found_with_a_narrower_one(notes, user):
    notes("防汛预案", "暴雨", event_types=["11A"])
    notes("台风预案", "暴雨", event_types=["11B"])
    assert titles("city_office", "暴雨", user, event_type="11A01") == ["防汛预案"]
    assert titles("city_office", "暴雨", user, event_type="11") == sorted(["防汛预案", "台风预案"]) or set(
        titles("city_office", "暴雨", user, event_type="11")
    ) == {"防汛预案", "台风预案"}


@pytest.mark.parametrize("common", [False, True])
def test_both_ways_of_finding_the_newest_matches_agree(notes, monkeypatch, common):
    """PostgreSQL walks the key for a common phrase and takes a bitmap of the GIN index for a rare one."""
    monkeypatch.setattr(
        backends, "_share", lambda cursor, column, tsquery: (1.0, 1e9) if common else (0.0, 1e9)
    )
    for i, text in enumerate(["山洪暴发", "山上洪水", "山洪", "防汛山洪预警", "无关"]):
        notes(f"doc{i}", text)
    entries = SearchEntry.objects.filter(kind="note")
    for q, expected in [("山洪", ["doc3", "doc2", "doc0"]), ("山洪暴", ["doc0"]), ("洪预警", ["doc3"])]:
        ids = backends.newest(entries, tokenizer.query_terms(q), connection.vendor, 10)
        assert [SearchEntry.objects.get(pk=pk).title for pk in ids] == expected, q
    titled = backends.newest(entries, tokenizer.query_terms("山洪"), connection.vendor, 10, title_only=True)
    assert titled == []
