"""Information reports (首报 / 续报 / 终报): the frozen content, and its Word file in the usual layout."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from yingji.incidents.models import Incident
from yingji.rules.grading import LEVEL_NAMES

# Labels are marked for translation here and translated when the report is rendered.
SECTIONS = (
    ("cause", gettext_noop("Cause and nature")),
    ("course", gettext_noop("Course of events")),
    ("affected_scope", gettext_noop("Affected scope")),
    ("trend", gettext_noop("Trend")),
    ("measures_taken", gettext_noop("Measures taken")),
    ("next_steps", gettext_noop("Proposed next steps")),
)
CASUALTIES = (
    ("deaths", gettext_noop("dead")),
    ("missing", gettext_noop("missing")),
    ("serious_injuries", gettext_noop("seriously injured")),
    ("injuries", gettext_noop("injured")),
    ("trapped", gettext_noop("trapped")),
    ("evacuated", gettext_noop("evacuated")),
    ("relocated", gettext_noop("relocated")),
)


def snapshot(incident: Incident) -> dict:
    """What the report states, as of now: the 首报 elements of the incident."""
    local = timezone.localtime
    return {
        "title": incident.title,
        "event_type": str(incident.event_type),
        "occurred_at": local(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
        "received_at": local(incident.received_at).strftime("%Y-%m-%d %H:%M"),
        "place": " ".join(filter(None, [incident.division.name, incident.address])),
        "source": " ".join(
            filter(None, [incident.get_channel_display(), incident.reporter_unit, incident.reporter_name])
        ),
        "level": LEVEL_NAMES.get(incident.level, ""),
        "level_basis": list(incident.level_basis),
        "casualties": {name: getattr(incident, name) for name, _label in CASUALTIES},
        "direct_loss_yuan": str(incident.direct_loss_yuan) if incident.direct_loss_yuan is not None else None,
        **{name: getattr(incident, name) for name, _label in SECTIONS},
        "reporting_unit": incident.owner.name,
    }


def casualty_sentence(content: dict) -> str:
    parts = [
        f"{_(label)} {value}" for name, label in CASUALTIES if (value := content["casualties"].get(name))
    ]
    if content.get("direct_loss_yuan"):
        parts.append(_("direct economic loss %(amount)s yuan") % {"amount": content["direct_loss_yuan"]})
    return "，".join(parts) if parts else _("None reported so far.")


def paragraphs(document) -> list[tuple[str, str]]:
    """The report's body as (heading, text) pairs, shared by the printable page and the Word file."""
    c = document.content
    rows = [
        (_("Time"), c["occurred_at"]),
        (_("Place"), c["place"]),
        (_("Source"), c["source"] or "—"),
        (_("Event type"), c["event_type"]),
        (_("Level"), "；".join([c["level"], *c["level_basis"]]) if c["level"] else _("Not graded")),
        (_("Casualties and losses"), casualty_sentence(c)),
    ]
    rows += [(_(label), c[name]) for name, label in SECTIONS if c.get(name)]
    return rows


def to_docx(document) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "FangSong"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    style.font.size = Pt(14)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(_("Emergency information report"))
    run.bold, run.font.size = True, Pt(20)
    sub = doc.add_paragraph(f"（{document.get_kind_display()}）  {_('No. %(n)s') % {'n': document.number}}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        f"{_('Reporting unit')}：{document.content['reporting_unit']}    "
        f"{timezone.localtime(document.created_at):%Y-%m-%d %H:%M}"
    )
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(document.content["title"]).bold = True
    for label, text in paragraphs(document):
        p = doc.add_paragraph()
        p.add_run(f"{label}：").bold = True
        p.add_run(str(text))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
