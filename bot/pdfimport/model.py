"""Plain records for text taken from a PDF page: pieces of a word, lines, pages.

A *piece* is a run of characters that share one style, one hyperlink and one baseline
position; pdfplumber words are split into pieces wherever a hyperlink starts or ends.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    italic: bool = False
    bold: bool = False
    link: str | None = None  # the target of the hyperlink the characters sit in
    raised: bool = False  # a superscript (footnote marker), decided per line


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: its pieces left to right and whether a space precedes each."""

    pieces: tuple[Piece, ...]
    spaced: tuple[bool, ...]  # spaced[i]: a space stands between pieces[i-1] and pieces[i]
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # the size of the line's main text (not of its superscripts)

    @property
    def text(self) -> str:
        """The characters as printed, superscripts included, without mark-up."""
        out: list[str] = []
        for piece, space in zip(self.pieces, self.spaced, strict=True):
            if space and out:
                out.append(" ")
            out.append(piece.text)
        return "".join(out)

    @property
    def bold(self) -> bool:
        return all(piece.bold for piece in self.pieces if not piece.raised)

    @property
    def italic(self) -> bool:
        return all(piece.italic for piece in self.pieces if not piece.raised)


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal rule drawn on the page (the line under a running header)."""

    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: tuple[Line, ...]
    rules: tuple[Rule, ...] = ()
    images: int = 0
