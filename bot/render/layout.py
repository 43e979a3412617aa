"""The one reading of an Answer that every renderer shares, and message splitting.

`layout` decides what is shown and in what order (lead, each quote with its citation, notes,
other sources, choices, suggestions); a `Markup` decides only how a part looks in one target
(plain text, Slack mrkdwn, Telegram HTML, web HTML), escaping every piece of text it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.models import Answer, Citation

SUGGESTIONS_HEADING = "You can ask:"
CHOICES_HEADING = "Did you mean:"
SOURCES_HEADING = "Sources:"
SOURCE_HEADING = "Source:"

Measure = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class QuoteBlock:
    text: str
    citation: Citation | None


@dataclass(frozen=True, slots=True)
class Layout:
    intro: str
    quotes: tuple[QuoteBlock, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()
    choices: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


def layout(answer: Answer) -> Layout:
    """What to show for an Answer, from its structure: the lead (or, without one, the text,
    which then already holds any quotes), each quote with its citation, the footnotes, the
    citations no quote carries, and the choices and suggestions the intro does not list."""
    intro = answer.lead or answer.text
    cited = {(c.document, c.paragraph): c for c in answer.citations}
    quotes = (
        tuple(QuoteBlock(q.text, cited.get((q.document, q.paragraph))) for q in answer.quotes)
        if answer.lead
        else ()
    )
    quoted = {(q.document, q.paragraph) for q in answer.quotes} if answer.lead else set()
    notes = answer.notes if answer.lead else ()
    sources = tuple(
        c
        for c in answer.citations
        if (c.document, c.paragraph) not in quoted and not (notes and c.paragraph.startswith("fn"))
    )
    return Layout(
        intro=intro,
        quotes=quotes,
        notes=notes,
        sources=() if answer.fallback else sources,
        choices=tuple(c for c in answer.choices if c not in intro),
        suggestions=tuple(s for s in answer.suggestions if s not in intro),
    )


class Markup(Protocol):
    """How each part looks in one target. Every `raw` argument is unescaped text."""

    def inline(self, raw: str) -> str: ...

    def paragraph(self, raw: str) -> str: ...

    def quote(self, raw: str) -> str: ...

    def source(self, citation: Citation) -> str: ...

    def link(self, citation: Citation) -> str: ...

    def note(self, raw: str) -> str: ...

    def listing(self, heading: str, items: Sequence[str]) -> str: ...


def render_blocks(
    answer: Answer, markup: Markup, *, limit: int | None = None, measure: Measure = len
) -> list[str]:
    """The Answer as self-contained marked-up blocks; with a limit, none is longer than it
    (an over-long paragraph or quote is cut at spaces into several whole blocks)."""

    def fitted(raw: str, wrap: Callable[[str], str]) -> list[str]:
        if limit is None or measure(wrap(raw)) <= limit:
            return [wrap(raw)]
        return [wrap(piece) for piece in split_words(raw, lambda s: measure(wrap(s)) <= limit)]

    parts = layout(answer)
    blocks = [b for para in _paragraphs(parts.intro) for b in fitted(para, markup.paragraph)]
    for quote in parts.quotes:
        pieces = fitted(quote.text, markup.quote)
        if quote.citation is not None:
            joined = pieces[-1] + "\n" + markup.source(quote.citation)
            if limit is None or measure(joined) <= limit:
                pieces[-1] = joined
            else:
                pieces.append(markup.source(quote.citation))
        blocks.extend(pieces)
    for note in parts.notes:
        blocks.extend(fitted(note, markup.note))
    if parts.sources:
        heading = SOURCES_HEADING if len(parts.sources) > 1 else SOURCE_HEADING
        blocks.append(markup.listing(heading, [markup.link(c) for c in parts.sources]))
    if parts.choices:
        blocks.append(markup.listing(CHOICES_HEADING, [markup.inline(c) for c in parts.choices]))
    if parts.suggestions:
        items = [markup.inline(s) for s in parts.suggestions]
        blocks.append(markup.listing(SUGGESTIONS_HEADING, items))
    return blocks


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def pack(
    blocks: Sequence[str], limit: int, *, measure: Measure = len, sep: str = "\n\n"
) -> list[str]:
    """Join blocks into as few messages as fit in `limit`, never cutting a block."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{sep}{block}" if current else block
        if current and measure(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def split_words(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut raw text into pieces that each `fit`, at spaces where possible."""
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = word
        while current and not fits(current):
            cut = _longest_fitting_prefix(current, fits)
            pieces.append(current[:cut])
            current = current[cut:]
    if current:
        pieces.append(current)
    return pieces


def _longest_fitting_prefix(text: str, fits: Callable[[str], bool]) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


def safe_url(url: str) -> bool:
    """Only web links become clickable; anything else (javascript:, data:) stays text."""
    return url.startswith(("https://", "http://"))
