"""Pages of a resolution PDF -> the resolution's parts, rendered in the layout's mark-up.

Reading order: header facts, "The General Assembly,", the paragraphs, the plenary-meeting
footer; then an annex, either printed after the footer or, as in a resolution that
"Adopts the following declaration:", printed inline after that paragraph under a bold
title. Each page's footnotes follow the block that is running when that page ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.pdfimport.blocks import Block, Footnote, group_blocks, split_footnotes
from bot.pdfimport.errors import PdfImportError
from bot.pdfimport.header import DATE, Header, parse_header
from bot.pdfimport.inline import (
    Emphasis,
    HyphenRule,
    Token,
    hyphen_rule,
    render,
    render_links,
    tokens,
    vocabulary,
)
from bot.pdfimport.model import Line, Page
from bot.pdfimport.regions import split_page

_ASSEMBLY = re.compile(r"^The General Assembly\s*,?$")
_PLENARY = re.compile(r"^\d+(?:st|nd|rd|th) plenary meeting$")
_DATE_LINE = re.compile(rf"^{DATE}$")
_TITLE_START = re.compile(r"^\d{1,3}/\d{1,4}\.$")
_NUMBER = re.compile(r"^\d{1,3}\.$")
_ANNEX_HEADING = re.compile(r"^Annex(?:\s+[IVX]+)?$")


@dataclass(frozen=True, slots=True)
class Resolution:
    header: Header
    assembly: str  # "The General Assembly," as printed
    body: tuple[str, ...]  # paragraphs and footnotes, in layout order
    plenary: str  # "30th plenary meeting"
    plenary_date: str
    annex: tuple[str, ...] = ()  # the title block first, then paragraphs and footnotes


def read_resolution(path: Path, pages: Sequence[Page]) -> Resolution:
    regions = [split_page(page) for page in pages]
    lines = [line for region in regions for line in region.body]
    notes = [line for region in regions for line in region.notes]
    keep = hyphen_rule(vocabulary([*lines, *notes]))
    margins = {region.number: region.margin for region in regions}

    assembly = _index(lines, lambda line: bool(_ASSEMBLY.match(line.text)))
    if assembly is None:
        raise PdfImportError(
            path, 'not a General Assembly resolution: no "The General Assembly," line'
        )
    header = _header(path, lines[:assembly], keep)
    rest = lines[assembly + 1 :]
    footer = _index(rest, lambda line: bool(_PLENARY.match(line.text)))
    if footer is None:
        raise PdfImportError(
            path,
            'not a complete General Assembly resolution: no closing "NNth plenary meeting" line',
        )
    date_follows = footer + 1 < len(rest) and bool(_DATE_LINE.match(rest[footer + 1].text))
    plenary_date = rest[footer + 1].text if date_follows else header.adoption_date
    body = group_blocks(rest[:footer], margins)
    after = group_blocks(rest[footer + 1 + int(date_follows) :], margins)
    body, annex = _split_annex(body, after)
    footnotes = split_footnotes([(region.number, region.notes) for region in regions])
    anchored = _anchor(footnotes, [*body, *annex])
    return Resolution(
        header=header,
        assembly=_plain_line(lines[assembly], keep),
        body=tuple(_body(body, anchored, keep)),
        plenary=rest[footer].text,
        plenary_date=plenary_date,
        annex=tuple(_annex(annex, anchored, len(body), keep)),
    )


def _index(lines: Sequence[Line], test: Callable[[Line], bool]) -> int | None:
    return next((i for i, line in enumerate(lines) if test(line)), None)


def _header(path: Path, lines: Sequence[Line], keep: HyphenRule) -> Header:
    texts = [_plain_line(line, keep) for line in lines]
    start = _index(lines, lambda line: bool(_TITLE_START.match(line.pieces[0].text)))
    title = _render(lines[start:], Emphasis.NONE, keep) if start is not None else ""
    return parse_header(path, texts[:start], title)


def _split_annex(body: list[Block], after: list[Block]) -> tuple[list[Block], list[Block]]:
    """The resolution's own blocks and the annex's (title block first)."""
    for index in range(1, len(body)):
        if body[index].bold and body[index - 1].text.rstrip().endswith(":"):
            return body[:index], body[index:]
    if after and _ANNEX_HEADING.match(after[0].text.strip()):
        after = after[1:]
    return body, after


def _anchor(footnotes: Sequence[Footnote], blocks: Sequence[Block]) -> dict[int, list[Footnote]]:
    """Block index -> the footnotes printed after it: the notes of each page go after the
    last block that starts on or before that page."""
    anchored: dict[int, list[Footnote]] = {}
    for note in footnotes:
        starts = [i for i, block in enumerate(blocks) if block.first_page <= note.page]
        anchored.setdefault(starts[-1] if starts else 0, []).append(note)
    return anchored


def _body(
    blocks: Sequence[Block], anchored: dict[int, list[Footnote]], keep: HyphenRule
) -> list[str]:
    numbered = any(_NUMBER.match(block.lines[0].pieces[0].text) for block in blocks)
    out: list[str] = []
    operative = False
    for index, block in enumerate(blocks):
        first = block.lines[0].pieces[0]
        if _NUMBER.match(first.text) or (not numbered and _sole_operative(block)):
            operative = True
        emphasis = Emphasis.ALL if operative else Emphasis.AFTER_LEAD
        out.append(_paragraph(block, Emphasis.NONE if block.bold else emphasis, keep))
        out.extend(_footnote(note, keep) for note in anchored.get(index, ()))
    return out


def _sole_operative(block: Block) -> bool:
    """An unnumbered paragraph led by an italic verb and ending as operative text does."""
    return block.lines[0].pieces[0].italic and block.text.rstrip().endswith((".", ":"))


def _annex(
    blocks: Sequence[Block], anchored: dict[int, list[Footnote]], offset: int, keep: HyphenRule
) -> list[str]:
    out: list[str] = []
    titles = 0
    while titles < len(blocks) and blocks[titles].bold:
        titles += 1
    if titles:
        out.append("\n".join(_render(b.lines, Emphasis.NONE, keep) for b in blocks[:titles]))
    for index, block in enumerate(blocks):
        if index >= titles:
            emphasis = Emphasis.NONE if block.bold else Emphasis.ALL
            out.append(_paragraph(block, emphasis, keep))
        out.extend(_footnote(note, keep) for note in anchored.get(offset + index, ()))
    return out


def _paragraph(block: Block, emphasis: Emphasis, keep: HyphenRule) -> str:
    items = render_links(tokens(block.lines, keep))
    if items and _NUMBER.match(items[0].text) and len(items) > 1:
        return f"{items[0].text} {render(_unspaced(items[1:]), emphasis)}"
    return render(items, emphasis)


def _footnote(note: Footnote, keep: HyphenRule) -> str:
    items = render_links(tokens(note.lines, keep))
    marker = render(items[:1], Emphasis.NONE)
    return f"{marker} {render(_unspaced(items[1:]), Emphasis.ALL)}".rstrip()


def _unspaced(items: Sequence[Token]) -> list[Token]:
    if not items:
        return []
    first = items[0]
    return [Token(first.text, first.italic, first.link, first.raised, False), *items[1:]]


def _render(lines: Sequence[Line], emphasis: Emphasis, keep: HyphenRule) -> str:
    return render(render_links(tokens(lines, keep)), emphasis)


def _plain_line(line: Line, keep: HyphenRule) -> str:
    return _render([line], Emphasis.NONE, keep)
