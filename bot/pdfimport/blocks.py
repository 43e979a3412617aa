"""Group printed lines into blocks (paragraphs, headings) and footnotes, across pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.pdfimport.model import Line

PARAGRAPH_GAP = 1.45  # baselines further apart than this many font sizes start a new block
INDENT = 0.8  # a line starting this many font sizes right of the one before starts a block

_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive lines of one paragraph or heading, possibly over a page break."""

    lines: tuple[Line, ...]

    @property
    def first_page(self) -> int:
        return self.lines[0].page

    @property
    def bold(self) -> bool:
        return all(line.bold for line in self.lines)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True, slots=True)
class Footnote:
    number: int
    lines: tuple[Line, ...]  # the first line starts with the raised marker
    page: int  # the page the footnote starts on


def group_blocks(lines: Sequence[Line], margins: Mapping[int, float]) -> list[Block]:
    """Blocks in reading order; `margins` gives each page's left text edge."""
    blocks: list[list[Line]] = []
    for line in lines:
        if blocks and not starts_block(blocks[-1][-1], line, margins.get(line.page, line.x0)):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return [Block(tuple(block)) for block in blocks]


def starts_block(previous: Line, line: Line, margin: float) -> bool:
    """Whether `line` begins a new block rather than continuing `previous`."""
    size = max(previous.size, line.size)
    if abs(previous.size - line.size) > 1.0 or previous.bold != line.bold:
        return True
    if line.page != previous.page:  # over a page break only an indent tells
        return line.x0 > margin + INDENT * line.size
    if line.bottom - previous.bottom > PARAGRAPH_GAP * size:
        return True
    return line.x0 > previous.x0 + INDENT * size


def split_footnotes(pages: Sequence[tuple[int, Sequence[Line]]]) -> list[Footnote]:
    """Footnotes from each page's footnote lines; a note that runs over a page is joined."""
    notes: list[Footnote] = []
    for page, lines in pages:
        for line in lines:
            number = marker_number(line)
            if number is not None:
                notes.append(Footnote(number, (line,), page))
            elif notes:
                last = notes[-1]
                notes[-1] = Footnote(last.number, (*last.lines, line), last.page)
    return notes


def marker_number(line: Line) -> int | None:
    """The number of the raised marker that opens a footnote line, if it has one."""
    first = line.pieces[0]
    if first.raised and _DIGITS.match(first.text):
        return int(first.text)
    return None
