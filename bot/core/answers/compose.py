"""Paragraphs -> Answer: the clauses that answer, quoted verbatim with spans; citations;
footnotes shown when a quoted passage carries their marker; fallbacks with suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.kinds import KIND_LABELS
from bot.core.models import Answer, Citation, Document, Paragraph, Quote

WHOLE_PARAGRAPH_CHARS = 300
ELLIPSIS = " … "


def paragraph_label(document: Document, paragraph_id: str) -> str:
    """ "A/RES/71/194, operative paragraph 12"; "meta" -> "A/RES/71/194, header"."""
    if paragraph_id == "meta":
        return f"{document.symbol}, header"
    kind, number = paragraph_id[:2], paragraph_id[2:]
    return f"{document.symbol}, {KIND_LABELS.get(kind, 'paragraph')} {number}"


def short_label(paragraph: Paragraph) -> str:
    return f"{KIND_LABELS[paragraph.kind]} {paragraph.number}"


def cite(document: Document, paragraph_id: str) -> Citation:
    return Citation(
        document.symbol, paragraph_id, paragraph_label(document, paragraph_id), document.url
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """The spans of one paragraph chosen for quoting."""

    paragraph: Paragraph
    spans: tuple[tuple[int, int], ...]

    def quote(self, document: Document) -> Quote:
        text = ELLIPSIS.join(self.paragraph.text[a:b] for a, b in self.spans)
        return Quote(document.symbol, self.paragraph.id, text, self.spans)

    def footnotes(self) -> tuple[str, ...]:
        """Footnotes whose markers stand inside (or right at the end of) a quoted span."""
        found: list[str] = []
        for footnote, offset in self.paragraph.markers:
            for start, end in self.spans:
                if start < offset <= end + 1 and footnote not in found:
                    found.append(footnote)
        return tuple(found)


def whole(paragraph: Paragraph) -> Selection:
    """The whole paragraph, without its closing ',' or ';'."""
    end = len(paragraph.text)
    if end and paragraph.text[end - 1] in ",;":
        end -= 1
    return Selection(paragraph, ((0, end),))


def select_clauses(
    paragraph: Paragraph,
    clause_scores: Sequence[float],
    spans: Sequence[tuple[int, int]],
    *,
    required: Sequence[int] = (),
) -> Selection:
    """The lead clause plus the best-scoring clauses (and any `required` ones, such as the
    clause holding the date asked for), in text order."""
    if len(paragraph.text) <= WHOLE_PARAGRAPH_CHARS or len(spans) <= 2:
        return whole(paragraph)
    ranked = sorted(range(len(spans)), key=lambda i: (-clause_scores[i], i))
    best = clause_scores[ranked[0]]
    if best <= 0 and not required:
        return whole(paragraph)
    chosen = {0, ranked[0], *required}
    for index in ranked[1:]:
        if clause_scores[index] >= 0.5 * best and len(chosen) < 4:
            chosen.add(index)
    # What a clause is about often follows it ("Requests the Secretary-General, ... | to
    # consult States ..."): keep the clause after the best one as context.
    if ranked[0] + 1 < len(spans):
        chosen.add(ranked[0] + 1)
    ordered = sorted(chosen)
    merged: list[tuple[int, int]] = []
    for index in ordered:
        start, end = spans[index]
        if merged and index - 1 in chosen and merged[-1][1] <= start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    total = sum(b - a for a, b in merged)
    if total >= 0.75 * len(paragraph.text):
        return whole(paragraph)
    return Selection(paragraph, tuple(merged))


def render_text(
    lead: str,
    document: Document,
    selections: Sequence[Selection],
    notes: Sequence[str],
    extra: str = "",
) -> str:
    """The plain-text reply: lead, each quote set off with its citation, footnotes."""
    parts = [lead] if lead else []
    for selection in selections:
        quote = selection.quote(document)
        label = paragraph_label(document, selection.paragraph.id)
        parts.append(f"“{quote.text}”\n— {label} ({document.url})")
    parts.extend(notes)
    if extra:
        parts.append(extra)
    return "\n\n".join(parts)


def footnote_notes(document: Document, footnote_ids: Sequence[str]) -> list[str]:
    notes = []
    for footnote_id in footnote_ids:
        footnote = document.get(footnote_id)
        if footnote is not None:
            notes.append(f"Footnote {footnote.number}: {footnote.text}")
    return notes


def quoted_answer(
    *,
    intent: str,
    confidence: float,
    lead: str,
    document: Document,
    selections: Sequence[Selection],
    suggestions: Sequence[str] = (),
    extra: str = "",
    extra_citations: Sequence[Citation] = (),
) -> Answer:
    """An Answer quoting the selections in order; footnotes they carry are shown and cited."""
    footnotes: list[str] = []
    for selection in selections:
        for footnote in selection.footnotes():
            if footnote not in footnotes and all(s.paragraph.id != footnote for s in selections):
                footnotes.append(footnote)
    notes = footnote_notes(document, footnotes)
    citations = [cite(document, s.paragraph.id) for s in selections]
    citations += [cite(document, f) for f in footnotes]
    citations += [c for c in extra_citations if c not in citations]
    return Answer(
        text=render_text(lead, document, selections, notes, extra),
        intent=intent,
        confidence=max(0.0, min(1.0, confidence)),
        fallback=False,
        citations=tuple(citations),
        quotes=tuple(s.quote(document) for s in selections),
        suggestions=tuple(suggestions),
        lead=lead,
        notes=tuple(notes),
    )


def fallback_answer(
    intent: str, text: str, suggestions: Sequence[str], confidence: float = 0.0
) -> Answer:
    lines = [text]
    if suggestions:
        lines.append("You can ask, for example:\n" + "\n".join(f"- {s}" for s in suggestions))
    return Answer(
        text="\n\n".join(lines),
        intent=intent,
        confidence=max(0.0, min(1.0, confidence)),
        fallback=True,
        suggestions=tuple(suggestions),
        lead=text,
    )


def plain_answer(
    intent: str,
    text: str,
    *,
    confidence: float = 1.0,
    citations: Sequence[Citation] = (),
    suggestions: Sequence[str] = (),
    choices: Sequence[str] = (),
) -> Answer:
    return Answer(
        text=text,
        intent=intent,
        confidence=confidence,
        citations=tuple(citations),
        suggestions=tuple(suggestions),
        lead=text,
        choices=tuple(choices),
    )
