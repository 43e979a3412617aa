"""Answers from a document's structure: header facts, templated replies, an overview, and the
lookup of a paragraph or footnote by number or ordinal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from string import Formatter

from bot.core.answers.compose import cite, plain_answer, quoted_answer, short_label, whole
from bot.core.intents import number_value, ordinal_value
from bot.core.kinds import KIND_NOUNS, kind_of
from bot.core.models import Answer, Document, Paragraph, ParagraphKind

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


def metadata_answer(
    intent: str, document: Document, template: str, suggestions: Sequence[str]
) -> Answer:
    values = document_fields(document)
    missing = [f for f in template_fields(template) if not values.get(f)]
    if missing:
        text = f"The header of {document.symbol} does not give the {missing[0].replace('_', ' ')}."
        return plain_answer(intent, text, confidence=0.6, suggestions=suggestions)
    return plain_answer(
        intent,
        fill(template, values),
        confidence=1.0,
        citations=(cite(document, "meta"),),
        suggestions=suggestions,
    )


def overview_answer(intent: str, document: Document, suggestions: Sequence[str]) -> Answer:
    values = document_fields(document)
    first = document.get("op1")
    lead = (
        f"{document.symbol}, “{document.title}”, was adopted by the General Assembly on "
        f"{values['adoption_date'] or 'a date the header does not give'} "
        f"({document.committee_phrase}). It has {values['preambular_count']} preambular and "
        f"{values['operative_count']} operative paragraphs"
        + (f" and an annex of {values['annex_count']} paragraphs" if document.of_kind("ax") else "")
        + f". Its operative paragraphs: {values['operative_verbs']}. The first one reads:"
    )
    selections = [whole(first)] if first else []
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=lead,
        document=document,
        selections=selections,
        suggestions=suggestions,
    )


def find_paragraph(
    document: Document,
    kind: ParagraphKind,
    number: str = "",
    ordinal: str = "",
    *,
    leads: Callable[[Paragraph], bool] | None = None,
) -> Paragraph | None:
    items = document.of_kind(kind)
    if not items:
        return None
    if number:
        wanted = number_value(number)
        return next((p for p in items if p.number == wanted), None)
    if leads is not None:
        items = tuple(p for p in items if leads(p))
    position = ordinal_value(ordinal) if ordinal else None
    if position is None:
        return None
    if position < 0:
        return items[position] if -position <= len(items) else None
    return items[position - 1] if position <= len(items) else None


def body_kind(document: Document) -> ParagraphKind:
    """Where a resolution's substance is: its annex when the operative part only adopts it (a
    declaration), else its operative part; a bare "paragraph 24" or "the last paragraph"
    counts there."""
    if document.of_kind("ax") and len(document.of_kind("op")) <= 1:
        return "ax"
    return "op"


def lookup_answer(
    intent: str,
    document: Document,
    slots: Mapping[str, str],
    default_kind: ParagraphKind,
    suggestions: Sequence[str],
    *,
    leads: Callable[[Paragraph], bool] | None = None,
    bare: bool = False,
) -> Answer | None:
    """A paragraph by number or ordinal. With `bare` (the message named no part: "paragraph
    24", "the last paragraph"), a resolution whose body is an annex counts its annex
    paragraphs; with `leads`, an ordinal counts only the paragraphs it accepts ("the last
    thing the preamble recalls")."""
    kind = kind_of(slots.get("kind", ""), default_kind)
    if bare and not slots.get("kind") and kind == "op":
        kind = body_kind(document)
    number, ordinal = slots.get("number", ""), slots.get("ordinal", "")
    paragraph = find_paragraph(document, kind, number, ordinal, leads=leads)
    if paragraph is None:
        count = len(document.of_kind(kind))
        wanted = slots.get("number") or slots.get("ordinal", "")
        noun = KIND_NOUNS[kind]
        text = (
            f"{document.symbol} has no {noun} {wanted}: it has {count} "
            f"{noun}{'s' if count != 1 else ''}."
        )
        return plain_answer(intent, text, confidence=0.9, suggestions=suggestions)
    return paragraph_answer(intent, document, paragraph, suggestions)


def paragraph_answer(
    intent: str,
    document: Document,
    paragraph: Paragraph,
    suggestions: Sequence[str],
    *,
    lead: str = "",
) -> Answer:
    if not lead:
        lead = f"{short_label(paragraph).capitalize()} of {document.symbol}"
        if paragraph.kind == "fn" and paragraph.cited_by:
            cited = ", ".join(short_label(document.get(p) or paragraph) for p in paragraph.cited_by)
            lead += f" (the source note to {cited})"
        lead += " reads:"
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=lead,
        document=document,
        selections=[whole(paragraph)],
        suggestions=suggestions,
    )


def neighbour(document: Document, paragraph_id: str, step: int) -> Paragraph | None:
    """The paragraph `step` places away in reading order (preamble flows into operative part)."""
    order = [p for p in document.paragraphs if p.kind != "fn"]
    ids = [p.id for p in order]
    if paragraph_id.startswith("fn"):
        footnotes = document.of_kind("fn")
        fids = [p.id for p in footnotes]
        position = fids.index(paragraph_id) + step if paragraph_id in fids else -1
        return footnotes[position] if 0 <= position < len(footnotes) else None
    if paragraph_id not in ids:
        return None
    position = ids.index(paragraph_id) + step
    return order[position] if 0 <= position < len(order) else None
