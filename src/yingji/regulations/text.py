"""The full text of a document as readable HTML: headings (## / ###), paragraphs, article numbers in bold.

Everything is escaped; the only markup is what this module adds. Headings get anchors for the table of contents.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零〇]+条)")


@dataclass
class Heading:
    level: int  # 2 or 3
    text: str
    anchor: str


def render(text: str) -> tuple[SafeString, list[Heading]]:
    html, headings, paragraph = [], [], []

    def flush():
        if paragraph:
            body = escape(" ".join(paragraph))
            body = ARTICLE.sub(r'<strong class="article-no">\1</strong>', body)
            html.append(f"<p>{body}</p>")
            paragraph.clear()

    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or (line.startswith("<!--") and line.endswith("-->")):
            flush()
            continue
        m = re.match(r"^(#{1,4})\s+(.*)$", line)
        if m:
            flush()
            level = min(max(len(m.group(1)), 2), 4)
            anchor = f"s{len(headings) + 1}"
            headings.append(Heading(level, m.group(2), anchor))
            html.append(
                f'<h{level + 1} class="h{level + 3}" id="{anchor}">{escape(m.group(2))}</h{level + 1}>'
            )
            continue
        paragraph.append(line)
        flush()  # one line, one paragraph: law texts put each paragraph (款) on a line of its own
    flush()
    return mark_safe("\n".join(html)), headings  # noqa: S308  (every text piece above is escaped)
