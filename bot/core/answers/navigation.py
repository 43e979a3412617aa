"""Follow-ups that move through a resolution: the paragraph some steps from another ("right
after that", "two paragraphs on", "the one before op 7"), the footnotes a paragraph carries, and
the paragraph a footnote is attached to."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from bot.core.answers.compose import cite, plain_answer, quoted_answer, short_label, whole
from bot.core.answers.paragraphs import body_kind, find_paragraph, neighbour, paragraph_answer
from bot.core.index import anchor_contexts
from bot.core.kinds import kind_of
from bot.core.models import Answer, Document, Paragraph

COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5}


def step_count(slots: Mapping[str, str]) -> int:
    """How many paragraphs to move: "two paragraphs on" -> 2; one when the message says none."""
    word = slots.get("count", "")
    if word.isdigit():
        return max(1, int(word))
    return COUNTS.get(word, 1)


def anchor(
    document: Document, slots: Mapping[str, str], current: Paragraph | None
) -> Paragraph | None:
    """The paragraph a follow-up starts from: the one the message names ("before op 7"), else
    the last one cited."""
    if not slots.get("number") and not slots.get("ordinal"):
        return current
    kind = kind_of(slots.get("kind", ""), body_kind(document))
    return find_paragraph(document, kind, slots.get("number", ""), slots.get("ordinal", ""))


def step_start(document: Document, start: Paragraph, message: str) -> Paragraph:
    """After a footnote, "the paragraph after that" steps from the paragraph the footnote is
    attached to; "the next footnote" from the footnote itself."""
    if start.kind != "fn" or not start.cited_by:
        return start
    folded = message.lower()
    if re.search(r"\bnote", folded) or not re.search(r"\b(paragraph|para|clause)s?\b", folded):
        return start
    return document.get(start.cited_by[-1]) or start


def stepped_answer(
    intent: str,
    document: Document,
    start: Paragraph,
    step: int,
    suggestions: Sequence[str],
) -> Answer:
    """The paragraph `step` places from `start` in reading order, or where the text ends."""
    target = neighbour(document, start.id, step)
    if target is None:
        edge = "last" if step > 0 else "first"
        return plain_answer(
            intent,
            f"{short_label(start).capitalize()} is the {edge} one of {document.symbol}"
            + ("." if abs(step) == 1 else f": there is no paragraph {abs(step)} places away."),
            confidence=0.9,
            citations=[cite(document, start.id)],
            suggestions=suggestions,
        )
    return paragraph_answer(intent, document, target, suggestions)


def footnotes_answer(
    intent: str,
    document: Document,
    paragraph: Paragraph,
    suggestions: Sequence[str],
    relevance: Callable[[str], float] | None = None,
) -> Answer:
    """The footnotes a paragraph carries, quoted in full (a footnote asked about: itself). With
    several, the one whose passage the message names comes first ("the footnote on the 2030
    Agenda"): `relevance` scores the words before each marker."""
    if paragraph.kind == "fn":
        return paragraph_answer(intent, document, paragraph, suggestions)
    notes = [n for n in (document.get(f) for f in paragraph.footnotes) if n is not None]
    if relevance is not None and len(notes) > 1:
        score = {
            n.id: max((relevance(c) for c in anchor_contexts(document, n)), default=0.0)
            for n in notes
        }
        notes.sort(key=lambda n: -score[n.id])
    label = short_label(paragraph)
    if not notes:
        return plain_answer(
            intent,
            f"{label.capitalize()} of {document.symbol} carries no footnote.",
            confidence=0.9,
            suggestions=suggestions,
        )
    numbers = " and ".join(str(n.number) for n in notes)
    noun = "footnotes" if len(notes) > 1 else "footnote"
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=f"{label.capitalize()} of {document.symbol} carries {noun} {numbers}:",
        document=document,
        selections=[whole(n) for n in notes],
        suggestions=suggestions,
    )


def attached_answer(
    intent: str,
    document: Document,
    footnote: Paragraph,
    suggestions: Sequence[str],
) -> Answer:
    """The paragraph(s) a footnote is attached to, quoted."""
    citing = [p for p in (document.get(i) for i in footnote.cited_by) if p is not None]
    if not citing:
        return plain_answer(
            intent,
            f"Footnote {footnote.number} of {document.symbol} is not attached to a paragraph.",
            confidence=0.8,
            suggestions=suggestions,
        )
    labels = " and ".join(short_label(p) for p in citing)
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=f"Footnote {footnote.number} of {document.symbol} is attached to {labels}:",
        document=document,
        selections=[whole(p) for p in citing],
        suggestions=suggestions,
    )


def footnote_in_view(
    document: Document, current: Paragraph | None, cited: Sequence[str]
) -> Paragraph | None:
    """The footnote a message means by "that footnote": the last paragraph cited when it is
    one, else a footnote the last answer cited."""
    if current is not None and current.kind == "fn":
        return current
    for paragraph_id in cited:
        paragraph = document.get(paragraph_id)
        if paragraph is not None and paragraph.kind == "fn":
            return paragraph
    if current is not None and len(current.footnotes) == 1:
        return document.get(current.footnotes[0])
    return None
