"""Sort the lines of a page into running header, body, footnotes and footer.

UN documents draw a rule under the running header (and under the masthead of page 1), set
footnotes below a line of underscores, and print job number, page number and barcode at the
foot of the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.pdfimport.model import Line, Page

HEADER_ZONE = 0.15  # the running-header rule lies in the top 15% of the page
RULE_MIN_SPAN = 0.4  # ... and spans at least 40% of the page width
UNRULED_HEADER_ZONE = 0.1  # without a rule, a running header lies in the top 10%
FOOTER_ZONE = 0.85  # job numbers, page numbers and barcodes lie in the bottom 15%

_SEPARATOR = re.compile(r"^_{5,}$")
_FOOTER_TOKEN = re.compile(
    r"^(?:\d{2}-\d{5}|\([A-Z]\)|\d{6}|\d{1,3}/\d{1,3}|\*\d{5,}\*|[A-Z]/RES/[\w/.-]+)$"
)
_RUNNING_SYMBOL = re.compile(r"\b[A-Z]/RES/\d+/\d+")
_RECYCLE = re.compile(r"please\s+recycle", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageRegions:
    number: int
    body: tuple[Line, ...]
    notes: tuple[Line, ...]  # footnote lines, in order
    margin: float  # the left edge of the body text


def split_page(page: Page) -> PageRegions:
    limit = header_limit(page)
    body: list[Line] = []
    notes: list[Line] = []
    in_notes = False
    for line in page.lines:
        if line.bottom <= limit or is_footer(line, page.height):
            continue
        if _SEPARATOR.match(line.text):
            in_notes = True
            continue
        (notes if in_notes else body).append(line)
    return PageRegions(page.number, tuple(body), tuple(notes), left_margin(body))


def header_limit(page: Page) -> float:
    """The bottom of the rule under the running header, or 0 when there is none."""
    spans: dict[int, tuple[float, float, float]] = {}
    for rule in page.rules:
        if rule.top > HEADER_ZONE * page.height:
            continue
        key = round(rule.top)
        x0, x1, bottom = spans.get(key, (rule.x0, rule.x1, rule.bottom))
        spans[key] = (min(x0, rule.x0), max(x1, rule.x1), max(bottom, rule.bottom))
    limits = [bottom for x0, x1, bottom in spans.values() if x1 - x0 >= RULE_MIN_SPAN * page.width]
    return max(limits) + 1.0 if limits else _unruled_header_limit(page)


def _unruled_header_limit(page: Page) -> float:
    """Without a rule: the bottom of the top lines that carry the symbol or are set small
    and bold, as running headers are."""
    size = text_size(page.lines)
    limit = 0.0
    for line in page.lines:
        if line.top > UNRULED_HEADER_ZONE * page.height:
            break
        if _RUNNING_SYMBOL.search(line.text) or (line.bold and line.size < size - 0.5):
            limit = line.bottom + 0.5
    return limit


def text_size(lines: Sequence[Line]) -> float:
    """The size of most of the page's characters."""
    weights: dict[float, int] = {}
    for line in lines:
        key = round(line.size, 1)
        weights[key] = weights.get(key, 0) + len(line.text)
    return max(weights, key=lambda key: weights[key], default=0.0)


def is_footer(line: Line, height: float) -> bool:
    """Job number, page number, barcode, symbol or "Please recycle" at the foot of a page."""
    if line.top < FOOTER_ZONE * height:
        return False
    text = _RECYCLE.sub(" ", line.text)
    return all(_FOOTER_TOKEN.match(token) for token in text.split())


def left_margin(lines: Sequence[Line]) -> float:
    """The most common left edge of the lines (continuation lines start there)."""
    counts: dict[float, int] = {}
    for line in lines:
        key = round(line.x0)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return 0.0
    return float(max(counts, key=lambda key: (counts[key], -key)))
