"""pdfplumber words and hyperlinks of one page -> printed lines of styled pieces.

Pure functions over the dictionaries pdfplumber returns (``extract_words(return_chars=True,
extra_attrs=["fontname", "size"])`` and ``page.hyperlinks``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from statistics import median
from typing import Any

from pdfplumber.utils.clustering import make_cluster_dict
from pdfplumber.utils.text import LIGATURES

from bot.pdfimport.model import Line, Piece

Obj = Mapping[str, Any]

LINE_TOLERANCE = 3.0  # points: tops closer than this are one line (superscripts included)
SPACE_RATIO = 0.2  # a gap wider than this fraction of the font size is a word space
RAISED_SIZE_RATIO = 0.8  # superscripts are at most this fraction of the line's text size
RAISED_LIFT_RATIO = 0.1  # ... and sit at least this fraction of it above the baseline

_SYMBOL_PARAM = re.compile(r"(?:undocs\.org/(?:[a-z]{2}/)?|symbol=)([^?&#]+)", re.IGNORECASE)
_EDGE_PUNCTUATION = "()[].,;: "


@dataclass(frozen=True, slots=True)
class _Spaced:
    """A piece and whether a space character stood right before or after it in its word."""

    piece: Piece
    before: bool
    after: bool


@dataclass(frozen=True, slots=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    italic: bool
    bold: bool
    word: int


def page_lines(words: Sequence[Obj], links: Sequence[Obj], page: int) -> tuple[Line, ...]:
    """The page's lines, top to bottom, with hyperlinks and superscripts marked."""
    glyphs = _glyphs(words)
    targets = link_targets(glyphs, links)
    pieces = _pieces(glyphs, targets)
    cluster = make_cluster_dict([s.piece.top for s in pieces], LINE_TOLERANCE)
    rows: dict[int, list[_Spaced]] = {}
    for spaced in pieces:
        rows.setdefault(cluster[spaced.piece.top], []).append(spaced)
    lines = [_line(row, page) for row in rows.values()]
    return tuple(sorted(lines, key=lambda line: line.top))


def _glyphs(words: Sequence[Obj]) -> list[_Glyph]:
    glyphs: list[_Glyph] = []
    for index, word in enumerate(words):
        if not word.get("upright", True):
            continue  # rotated text: margins notes, stamps
        for char in word["chars"]:
            font = str(char.get("fontname", ""))
            glyphs.append(
                _Glyph(
                    text=LIGATURES.get(char["text"], char["text"]),
                    x0=float(char["x0"]),
                    x1=float(char["x1"]),
                    top=float(char["top"]),
                    bottom=float(char["bottom"]),
                    size=float(char.get("size", 0.0)),
                    italic=_is_italic(font),
                    bold="bold" in font.lower(),
                    word=index,
                )
            )
    return glyphs


def _is_italic(fontname: str) -> bool:
    name = fontname.lower()
    return "italic" in name or "oblique" in name


def link_symbol(uri: str) -> str:
    """The document symbol a link points at ("https://undocs.org/A/73/85" -> "A/73/85")."""
    match = _SYMBOL_PARAM.search(uri)
    return match.group(1).strip("/") if match else ""


def link_targets(glyphs: Sequence[_Glyph], links: Sequence[Obj]) -> list[str | None]:
    """For each glyph, the URI of the hyperlink it belongs to, if any.

    A link's rectangle is loose (it takes in spaces, brackets and punctuation), so the linked
    text is the part of the covered text that names the linked symbol ("70/1" for
    A/RES/70/1); failing that, the covered text without surrounding punctuation.
    """
    targets: list[str | None] = [None] * len(glyphs)
    by_height = sorted(range(len(glyphs)), key=lambda i: _centre(glyphs[i])[1])
    heights = [_centre(glyphs[i])[1] for i in by_height]
    for link in links:
        uri = str(link.get("uri") or "")
        if not uri:
            continue
        top, bottom = float(link["top"]), float(link["bottom"])
        x0, x1 = float(link["x0"]), float(link["x1"])
        band = by_height[bisect_left(heights, top) : bisect_right(heights, bottom)]
        inside = sorted(
            (i for i in band if x0 <= _centre(glyphs[i])[0] <= x1),
            key=lambda i: (round(glyphs[i].bottom), glyphs[i].x0),
        )
        text = "".join(glyphs[i].text for i in inside)
        start, end = _linked_span(text, link_symbol(uri))
        for i in inside[start:end]:
            if targets[i] is None:
                targets[i] = uri
    return targets


def _centre(glyph: _Glyph) -> tuple[float, float]:
    return (glyph.x0 + glyph.x1) / 2, (glyph.top + glyph.bottom) / 2


def _linked_span(text: str, symbol: str) -> tuple[int, int]:
    """The span of `text` (glyph offsets) that the link really covers."""
    parts = symbol.split("/") if symbol else []
    for first in range(len(parts)):
        candidate = "/".join(parts[first:])
        if "/" not in candidate and first > 0:
            break
        at = text.find(candidate)
        if candidate and at >= 0:
            return at, at + len(candidate)
    start, end = 0, len(text)
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break
        end -= 1
    return start, end


def _pieces(glyphs: Sequence[_Glyph], targets: Sequence[str | None]) -> list[_Spaced]:
    """Within each word, the glyphs between spaces that share one link become a piece."""
    pieces: list[_Spaced] = []
    for _, group in groupby(range(len(glyphs)), key=lambda i: glyphs[i].word):
        run: list[int] = []
        space_before = False
        for index in group:
            if glyphs[index].text.isspace():
                if run:
                    pieces.append(_Spaced(_piece(glyphs, run, targets), space_before, True))
                    run = []
                space_before = True
                continue
            if run and targets[run[-1]] != targets[index]:
                pieces.append(_Spaced(_piece(glyphs, run, targets), space_before, False))
                run, space_before = [], False
            run.append(index)
        if run:
            pieces.append(_Spaced(_piece(glyphs, run, targets), space_before, False))
    return pieces


def _piece(glyphs: Sequence[_Glyph], run: Sequence[int], targets: Sequence[str | None]) -> Piece:
    chosen = [glyphs[i] for i in run]
    first = chosen[0]
    return Piece(
        text="".join(g.text for g in chosen),
        x0=min(g.x0 for g in chosen),
        x1=max(g.x1 for g in chosen),
        top=min(g.top for g in chosen),
        bottom=max(g.bottom for g in chosen),
        size=first.size,
        italic=first.italic,
        bold=first.bold,
        link=targets[run[0]],
    )


def _line(row: Sequence[_Spaced], page: int) -> Line:
    ordered = sorted(row, key=lambda s: s.piece.x0)
    size = max(s.piece.size for s in ordered)
    baseline = median(s.piece.bottom for s in ordered if s.piece.size >= size - 0.5)
    pieces = [
        replace(s.piece, raised=True)
        if s.piece.size <= RAISED_SIZE_RATIO * size
        and s.piece.bottom < baseline - RAISED_LIFT_RATIO * size
        else s.piece
        for s in ordered
    ]
    spaced = [False]
    for i in range(1, len(pieces)):
        before, after = pieces[i - 1], pieces[i]
        gap = after.x0 - before.x1
        explicit = ordered[i - 1].after or ordered[i].before
        wide = gap > SPACE_RATIO * min(before.size, after.size)
        spaced.append(not after.raised and (explicit or wide))
    body = [p for p in pieces if not p.raised] or pieces
    return Line(
        pieces=tuple(pieces),
        spaced=tuple(spaced),
        page=page,
        x0=pieces[0].x0,
        x1=max(p.x1 for p in pieces),
        top=min(p.top for p in body),
        bottom=baseline,
        size=size,
    )
