"""A paragraph or footnote by number or ordinal, quoted in full, and its neighbours in reading
order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.core.answers.compose import plain_answer, quoted_answer, short_label, whole
from bot.core.intents import number_value, ordinal_value
from bot.core.kinds import KIND_NOUNS, kind_of
from bot.core.models import Answer, Document, Paragraph, ParagraphKind


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
