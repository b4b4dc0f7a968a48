"""Full-text search over 100,000 documents, on SQLite and on PostgreSQL, beside a plain LIKE '%…%' scan.

For each database (a fresh SQLite file in a temporary directory; a fresh PostgreSQL database): `yingji migrate`,
the demo city (organisations and users, for scoping), then in a child process with Django on that database:

1. **Build**: BENCH_SEARCH_DOCS documents (default 100,000: 40 % plans of ~1,900 characters, 40 % cases of
   ~1,000, 20 % regulations of ~2,600; Chinese text made of emergency-management sentences, place names of the
   demo city, dates, figures and GB/T codes) are tokenised and written to the index in batches of 500 in one
   transaction, as `yingji reindex` does; then the index is optimised (FTS5 'optimize' / ANALYZE). Reported:
   seconds, documents per second, the share spent in the tokenizer, database size.
2. **Queries**: 2-, 3- and 4-character queries (common, topical and rare words), each run as `city_office`
   (the whole city) through `query.search()`, exactly what the search page and the API call: the capped count,
   the ranked first page of 20 and its highlighted snippets. WARMUP runs, then REPEAT timed runs per query;
   p50 and p95 per query length over all timed runs of that length. Goal: p95 < 50 ms.
3. **LIKE**: the same page (count capped the same way, first 20 by date) found with
   `title LIKE '%q%' OR text LIKE '%q%'` instead of the index, LIKE_REPEAT runs of two queries per length.

Results: bench/results/search.json (through bench/run.py, or `python bench/bench_search.py` alone).
`BENCH_SEARCH_DOCS` changes the number of documents; `BENCH_SEARCH_DB=sqlite` or `postgresql` runs one only.
"""

import contextlib
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
N = int(os.environ.get("BENCH_SEARCH_DOCS", "100000"))
ONLY = os.environ.get("BENCH_SEARCH_DB", "")
WARMUP, REPEAT, LIKE_REPEAT = 2, 15, 3
GOAL_MS = 50.0
BATCH = 500
SEED = 20261129
USER = "city_office"

# Common words (in most documents: 应急, 指挥部), topical ones (a topic's documents), rare ones (RARE: about
# 0.5 % of documents) and a made-up village (VILLAGE).
QUERIES = {
    2: ["台风", "山洪", "停电", "滑坡", "疫情", "松口", "应急", "鼠疫", "管涌"],
    3: ["泥石流", "危化品", "堰塞湖", "指挥部", "发电车", "地裂缝", "黑启动"],
    4: ["森林火灾", "转移群众", "防汛抗旱", "地面塌陷", "大面积停", "氯气泄漏", "龙凤坑村"],
}
LIKE_QUERIES = {2: ["台风", "鼠疫"], 3: ["泥石流", "黑启动"], 4: ["森林火灾", "氯气泄漏"]}
RARE = ["鼠疫", "管涌", "地裂缝", "黑启动", "氯气泄漏", "溃坝", "飑线", "雪灾"]
RARE_SENTENCE = "据统计，{place}历史上曾发生{rare}，相关处置经验已纳入本文件。"
VILLAGE = "龙凤坑村"

# ---- The corpus -------------------------------------------------------------------------------------------

TOPICS = {
    "防汛抗旱": (
        ["山洪", "暴雨", "洪水", "城市内涝", "水库", "堤防", "河道", "水位", "转移群众", "防汛抗旱"],
        "11A01",
    ),
    "防台风": (
        ["台风", "大风", "风暴潮", "渔船回港", "临时避险", "停课停工", "转移群众", "台风预警"],
        "11B01",
    ),
    "地质灾害": (
        ["滑坡", "泥石流", "崩塌", "地面塌陷", "隐患点", "群测群防", "地质灾害", "监测预警"],
        "11D01",
    ),
    "地震": (["地震", "余震", "震级", "抗震救灾", "救援队", "堰塞湖", "次生灾害", "应急避难场所"], "11C01"),
    "森林防火": (
        ["森林火灾", "火情", "扑救", "防火隔离带", "火场", "野外用火", "护林员", "森林防火"],
        "11F01",
    ),
    "大面积停电": (["停电", "大面积停电", "供电", "电网", "抢修", "发电车", "保障电源", "负荷"], "12E01"),
    "危险化学品": (["危化品", "泄漏", "爆炸", "中毒", "疏散", "警戒区", "洗消", "危险化学品"], "12D01"),
    "突发公共卫生": (
        ["疫情", "传染病", "医疗救治", "隔离", "流行病学调查", "消毒", "密切接触者", "疫苗"],
        "13A01",
    ),
}
ORGS = ["应急管理局", "水利局", "自然资源局", "气象局", "卫生健康局", "公安局", "消防救援支队", "供电局",
        "交通运输局", "教育局", "民政局", "住房城乡建设局", "乡镇人民政府", "村民委员会"]  # fmt: skip
GENERIC = [
    "{place}{org}应当按照本预案的要求，做好{w1}和{w2}的各项准备工作。",
    "发生{w1}时，{org}立即启动{lv}级应急响应，组织开展{w2}工作。",
    "{date}，{place}发生{w1}，造成{n}人受伤，直接经济损失约{m}万元。",
    "各成员单位要加强{w1}监测，及时报送信息，确保{w2}工作有序开展。",
    "指挥部办公室设在{place}{org}，负责日常工作，值班电话0753-{tel}。",
    "本预案依据《中华人民共和国突发事件应对法》《{topic}条例》等法律法规制定。",
    "事件类别按照GB/T 35561确定为{code}，行政区划代码按照GB/T 2260填写为{div}。",
    "{org}负责{w1}期间的物资保障，储备帐篷{n}顶、折叠床{m}张。",
    "接报后{n}分钟内，值班人员向{place}{org}报告{w1}情况，并续报处置进展。",
    "应急响应结束后，{org}组织开展调查评估，总结{w1}处置的经验教训。",
    "加强宣传教育和培训演练，提高公众应对{w1}的意识和自救互救能力。",
    "{place}共设置{w2}点{n}处，明确责任人和联系方式。",
]
LEVELS = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]
CN_NUM = "一二三四五六七八九十"


def _places() -> list[str]:
    import csv

    path = BENCH_DIR.parent / "src" / "yingji" / "core" / "demo" / "divisions.csv"
    with path.open(encoding="utf-8") as f:
        return [row["name"] for row in csv.DictReader(f)]


VILLAGE_1 = "黄石桃梅松丙白水大小新东西南北上下高龙凤金银竹兰茶禾谷岗坪塘湖溪"
VILLAGE_2 = "坑岭寨洞坝田口背头尾围塘湾墩"


class Corpus:
    """Documents drawn with a fixed seed: each has a topic whose words it uses often (the first ones most: a
    word's weight falls with its rank), a few sentences on other topics, and places of the demo city (real
    county and town names) or of made-up villages (about 500), as plans and case reports name them."""

    def __init__(self, seed: int = SEED):
        self.rnd = random.Random(seed)
        towns = _places()
        villages = sorted({a + b + c + "村" for a in VILLAGE_1 for b in VILLAGE_1 for c in VILLAGE_2})
        self.places = towns + [VILLAGE] + self.rnd.sample([v for v in villages if v != VILLAGE], 499)
        self.place_weights = [20] * len(towns) + [1] * 500
        self.topics = list(TOPICS)
        self.word_weights = {t: [1 / (rank + 1) for rank in range(len(w))] for t, (w, _) in TOPICS.items()}

    def word(self, topic: str) -> str:
        return self.rnd.choices(TOPICS[topic][0], self.word_weights[topic])[0]

    def sentence(self, topic: str) -> str:
        r = self.rnd
        code = TOPICS[topic][1]
        return r.choice(GENERIC).format(
            place=r.choices(self.places, self.place_weights)[0],
            org=r.choice(ORGS),
            w1=self.word(topic),
            w2=self.word(topic),
            lv=r.choice(LEVELS),
            date=f"{r.randint(2005, 2025)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
            n=r.randint(1, 300),
            m=r.randint(10, 9000),
            tel=r.randint(2000000, 2999999),
            topic=topic,
            code=code,
            div=f"4414{r.randint(0, 99):02d}",
        )

    def text(self, topic: str, chars: int, articles: bool = False) -> str:
        parts, size, k = [], 0, 0
        while size < chars:
            if self.rnd.random() < 0.001:
                line = RARE_SENTENCE.format(place=self.rnd.choice(self.places), rare=self.rnd.choice(RARE))
            elif articles and self.rnd.random() < 0.25:
                k += 1
                head = f"第{CN_NUM[(k - 1) % 10]}章 {topic}工作\n" if k % 6 == 1 else ""
                line = f"{head}第{k}条 {self.sentence(topic)}"
            else:
                # Mostly the document's own topic, now and then another (a plan mentions secondary hazards).
                line = self.sentence(topic if self.rnd.random() < 0.95 else self.rnd.choice(self.topics))
            parts.append(line)
            size += len(line)
        return "\n".join(parts)

    def document(self, i: int) -> dict:
        r = self.rnd
        topic = r.choice(self.topics)
        place = r.choices(self.places, self.place_weights)[0]
        roll = i % 10
        if roll < 4:
            kind, title = "plan", f"{place}{topic}应急预案"
            text, public = self.text(topic, int(r.gauss(1900, 500)) or 300), r.random() < 0.7
        elif roll < 8:
            kind, title = "case", f"{place}“{r.randint(1, 12)}·{r.randint(1, 28)}”{self.word(topic)}事件"
            text, public = self.text(topic, int(r.gauss(1000, 300)) or 200), r.random() < 0.8
        else:
            kind, title = "regulation", f"{place}{topic}管理办法"
            text, public = self.text(topic, int(r.gauss(2600, 800)) or 400, articles=True), True
        return {
            "kind": kind,
            "title": title,
            "text": text,
            "public": public,
            "event_types": [TOPICS[topic][1]],
            "level": r.choice(["city", "county", "town"]),
            "date": f"{r.randint(2005, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        }


# ---- The parent: one database after the other --------------------------------------------------------------


def _env(base: dict, url: str, data_dir: str) -> dict:
    return {
        **base,
        "DATABASE_URL": url,
        "YINGJI_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }


def _child(env: dict) -> dict:
    from run import YINGJI, run_step

    run_step([*YINGJI, "migrate", "--noinput"], env, "yingji migrate")
    proc = subprocess.run(
        [sys.executable, __file__, "measure"],
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
        cwd=BENCH_DIR.parent,
    )
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode != 0:
        raise RuntimeError(f"measuring failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(server=None) -> dict:
    from run import PG, pg_connect

    base = dict(server.env) if server is not None else dict(os.environ)
    measured = {}
    if ONLY in ("", "sqlite"):
        tmp = tempfile.mkdtemp(prefix="yingji-bench-search-")
        try:
            measured["sqlite"] = _child(_env(base, f"sqlite:///{tmp}/search.sqlite3", tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if ONLY in ("", "postgresql"):
        dbname = f"yingji_bench_search_{secrets.token_hex(4)}"
        tmp = tempfile.mkdtemp(prefix="yingji-bench-search-")
        admin = pg_connect()
        try:
            admin.execute(f'CREATE DATABASE "{dbname}"')
            url = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}"
            measured["postgresql"] = _child(_env(base, url, tmp))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            admin.close()
            shutil.rmtree(tmp, ignore_errors=True)
    return summarise(measured)


def summarise(measured: dict) -> dict:
    rows, notes = [], []
    for db, m in measured.items():
        b = m["build"]
        notes.append(
            f"{db}: {b['documents']:,} documents ({b['characters'] / 1e6:.0f} M characters) indexed in "
            f"{b['seconds']:.0f} s ({b['documents'] / b['seconds']:.0f} documents/s; tokenizer "
            f"{b['tokenize_seconds']:.0f} s, optimise {b['optimise_seconds']:.0f} s); database {b['database_mb']:,} MB"
        )
        for length, s in m["by_length"].items():
            like = m["like_by_length"].get(length, {})
            goal = s["p95_ms"] < GOAL_MS
            rows.append(
                {
                    "db": db,
                    "chars": length,
                    "queries": s["queries"],
                    "p50_ms": s["p50_ms"],
                    "p95_ms": s["p95_ms"],
                    "max_ms": s["max_ms"],
                    "like_p50_ms": like.get("p50_ms", ""),
                    "like_p95_ms": like.get("p95_ms", ""),
                    "goal": "met" if goal else "NOT MET",
                }
            )
            s["goal_met"] = goal
    notes.append(
        f"query time in-process (query.search as {USER}: count, ranked page of 20, snippets): p50/p95 over "
        f"{REPEAT} runs per query after {WARMUP} warm-up runs; LIKE: {LIKE_REPEAT} runs; goal p95 < {GOAL_MS:g} ms"
    )
    return {"documents": N, "databases": measured, "rows": rows, "notes": notes}


# ---- The child: Django on the benchmark database ------------------------------------------------------------


def _pct(values: list[float], pct: float) -> float:
    from loadgen import percentile

    return round(percentile(sorted(values), pct), 1)


def build(corpus: Corpus) -> dict:
    import datetime

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from yingji.core.models import Organisation
    from yingji.regulations.models import Regulation
    from yingji.search import backends, index
    from yingji.search.models import SearchEntry
    from yingji.search.registry import KINDS, Entry, Kind

    orgs = list(Organisation.objects.all())
    content_type = ContentType.objects.get_for_model(Regulation)
    kinds = {}
    for name in ("plan", "case", "regulation"):
        # Stand-ins for the registered models: the entries are what the index holds whatever their source.
        kinds[name] = KINDS.get(name) or Kind(Regulation, name, name, lambda obj: None)
        KINDS.setdefault(name, kinds[name])

    class Obj:
        def __init__(self, pk):
            self.pk = pk

    started = time.perf_counter()
    tokenize, characters = 0.0, 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        for start in range(0, N, BATCH):
            docs = [corpus.document(i) for i in range(start, min(N, start + BATCH))]
            t0 = time.perf_counter()
            batch = []
            for i, d in enumerate(docs, start=start):
                rnd = corpus.rnd
                entry = Entry(
                    title=d["title"],
                    text=d["text"],
                    url=f"/bench/{i}/",
                    owner=None if d["kind"] == "regulation" else rnd.choice(orgs),
                    public=d["public"],
                    event_types=d["event_types"],
                    level=d["level"],
                    date=datetime.date.fromisoformat(d["date"]),
                )
                batch.append(index.build(kinds[d["kind"]], content_type, Obj(f"b{i}"), entry))
                characters += len(d["text"]) + len(d["title"])
            tokenize += time.perf_counter() - t0
            SearchEntry.objects.bulk_create(batch)
    written = time.perf_counter()
    backends.optimise(connection)
    done = time.perf_counter()
    return {
        "documents": N,
        "characters": characters,
        "seconds": round(done - started, 1),
        "tokenize_seconds": round(tokenize, 1),
        "optimise_seconds": round(done - written, 1),
        "database_mb": _database_mb(connection),
    }


def _database_mb(connection) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return round(pages * cursor.fetchone()[0] / 1e6)
        cursor.execute("SELECT pg_database_size(current_database())")
        return round(cursor.fetchone()[0] / 1e6)


def like_search(user, q: str) -> int:
    """The same page as query.search, found by scanning: capped count, first 20 by date, snippets."""
    from django.db.models import Q

    from yingji.search import query, tokenizer

    matched = query.entries_for(user).filter(Q(title__contains=q) | Q(text__contains=q))
    count = matched.values("pk")[: query.COUNT_LIMIT].count()
    pattern = tokenizer.highlighter(q)
    for entry in matched.defer("tokens", "title_tokens").order_by("-date", "-pk")[:20]:
        query.snippet(entry.text, pattern)
    return count


def measure() -> dict:
    import django

    django.setup()
    from yingji.core.demo.loader import load_demo
    from yingji.core.models import User
    from yingji.search import query

    load_demo()
    result = {"build": build(Corpus())}
    user = User.objects.select_related("organisation__division").get(username=USER)
    result["loadavg_at_queries"] = [round(x, 2) for x in os.getloadavg()]

    per_query, by_length = {}, {}
    for length, queries in QUERIES.items():
        times = []
        for q in queries:
            for _ in range(WARMUP):
                query.search(user, q)
            runs = []
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                results = query.search(user, q)
                runs.append((time.perf_counter() - t0) * 1000)
            per_query[q] = {
                "count": results.count,
                "more": results.more,
                "median_ms": round(statistics.median(runs), 1),
                "p95_ms": _pct(runs, 95),
            }
            times += runs
        by_length[str(length)] = {
            "queries": len(queries),
            "p50_ms": _pct(times, 50),
            "p95_ms": _pct(times, 95),
            "max_ms": round(max(times), 1),
        }
    like_per_query, like_by_length = {}, {}
    for length, queries in LIKE_QUERIES.items():
        times = []
        for q in queries:
            runs = []
            for _ in range(LIKE_REPEAT):
                t0 = time.perf_counter()
                count = like_search(user, q)
                runs.append((time.perf_counter() - t0) * 1000)
            like_per_query[q] = {"count": count, "median_ms": round(statistics.median(runs), 1)}
            times += runs
        like_by_length[str(length)] = {"p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95)}
    result.update(
        per_query=per_query, by_length=by_length, like_per_query=like_per_query, like_by_length=like_by_length
    )
    return result


def main() -> int:
    sys.path.insert(0, str(BENCH_DIR))
    if sys.argv[1:] == ["measure"]:
        print(json.dumps(measure(), ensure_ascii=False))
        return 0
    # Alone, without bench/run.py's server: the same figures and file.
    import datetime

    from run import RESULTS, print_summary

    started, before = time.monotonic(), [round(x, 2) for x in os.getloadavg()]
    result = run(None)
    record = {
        "benchmark": "search",
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "loadavg_before": before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    with contextlib.suppress(OSError):
        (RESULTS / "search.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print_summary("search", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
