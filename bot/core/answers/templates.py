"""Response templates: the fields a document gives them ({symbol}, {adoption_date}, ...), and
filling them."""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from bot.core.models import Document

META_FIELDS = (
    "symbol",
    "number",
    "title",
    "session",
    "agenda_item",
    "committee",
    "committee_phrase",
    "report_symbols",
    "adoption_date",
    "plenary_meeting",
    "distribution_date",
    "url",
    "preambular_count",
    "operative_count",
    "footnote_count",
    "annex_count",
    "operative_verbs",
    "body",
)


def document_fields(document: Document) -> dict[str, str]:
    """The values a template may use, by name."""
    verbs = list(dict.fromkeys(p.lead for p in document.of_kind("op") if p.lead))
    return {
        "symbol": document.symbol,
        "number": document.number,
        "title": document.title,
        "session": document.session,
        "agenda_item": document.agenda_item,
        "committee": document.committee or "no Main Committee",
        "committee_phrase": document.committee_phrase,
        "report_symbols": " and ".join(document.report_symbols),
        "adoption_date": document.adoption_date,
        "plenary_meeting": document.plenary_meeting,
        "distribution_date": document.distribution_date,
        "url": document.url,
        "preambular_count": str(len(document.of_kind("pp"))),
        "operative_count": str(len(document.of_kind("op"))),
        "footnote_count": str(len(document.of_kind("fn"))),
        "annex_count": str(len(document.of_kind("ax"))),
        "operative_verbs": ", ".join(verbs),
        "body": "the General Assembly",
    }


def fill(template: str, values: Mapping[str, str]) -> str:
    """str.format with unknown or empty fields left visible rather than raising."""
    out = []
    for literal, name, _spec, _conv in Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


def template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in Formatter().parse(template) if name]
