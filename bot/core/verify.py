"""Checks that an Answer keeps the contract: every quote fragment verbatim, spans exact."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.core.answers.compose import ELLIPSIS
from bot.core.models import Answer, Document


def quote_problems(answer: Answer, documents: Sequence[Document]) -> Iterator[str]:
    by_symbol = {d.symbol: d for d in documents}
    for quote in answer.quotes:
        document = by_symbol.get(quote.document)
        paragraph = document.get(quote.paragraph) if document else None
        if paragraph is None:
            yield f"quote cites unknown {quote.document} {quote.paragraph}"
            continue
        fragments = quote.text.split(ELLIPSIS.strip())
        fragments = [f.strip() for f in fragments]
        if len(fragments) != len(quote.spans):
            yield f"{quote.paragraph}: {len(fragments)} fragments but {len(quote.spans)} spans"
            continue
        for fragment, (start, end) in zip(fragments, quote.spans, strict=True):
            if fragment not in paragraph.text:
                yield f"{quote.paragraph}: not verbatim: {fragment[:60]!r}"
            elif paragraph.text[start:end] != fragment:
                yield f"{quote.paragraph}: span {start}-{end} does not hold the fragment"
        if not any(c.paragraph == quote.paragraph for c in answer.citations):
            yield f"{quote.paragraph}: quoted but not cited"
