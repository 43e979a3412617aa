"""Styled pieces of a block -> one line of the knowledge layout's inline mark-up.

Footnote markers become Unicode superscript digits, italic runs ``*...*``, hyperlinked
symbols ``[A/73/85](#)``; lines are joined with a space, or without one after a hyphen that
ends a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import Enum

from bot.pdfimport.model import Line

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
HYPHENS = ("-", "\u2010", "\u00ad")
DASHES = ("\u2013", "\u2014")  # en and em dash: "2015–" + "2030" joins without a space
SOFT_HYPHEN = "\u00ad"
SUSPENDED_HYPHEN_NEXT = frozenset({"and", "or", "nor", "to"})  # "information- and ..."

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_ALNUM = re.compile(r"\w")


class Emphasis(Enum):
    NONE = "none"  # headings, header facts, the footer: no mark-up for italics
    ALL = "all"  # every italic run is written *...* (operative paragraphs, footnotes)
    AFTER_LEAD = "after-lead"  # the italic lead words stay plain (preambular paragraphs)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    italic: bool = False
    link: str | None = None
    raised: bool = False
    space: bool = False  # a space stands before the token


HyphenRule = Callable[[str, str], bool]


def vocabulary(lines: Sequence[Line]) -> frozenset[str]:
    """The words printed whole on the document's lines, lower-cased."""
    words: set[str] = set()
    for line in lines:
        words.update(match.group().lower().rstrip("-") for match in _WORD.finditer(line.text))
    return frozenset(words)


def hyphen_rule(words: Collection[str]) -> HyphenRule:
    """Whether a hyphen that ends a line is part of the word ("non-" + "governmental").

    UN documents are not hyphenated automatically: a hyphen at a line end is kept, unless the
    document prints the joined word elsewhere and never the hyphenated one.
    """

    def keep(before: str, after: str) -> bool:
        joined = (before + after).lower()
        hyphenated = f"{before}-{after}".lower()
        return not (joined in words and hyphenated not in words)

    return keep


def tokens(lines: Sequence[Line], keep_hyphen: HyphenRule) -> list[Token]:
    """The pieces of `lines` as tokens, with the spaces and line joins decided."""
    out: list[Token] = []
    for line in lines:
        for index, (piece, spaced) in enumerate(zip(line.pieces, line.spaced, strict=True)):
            space = spaced
            if index == 0 and out:
                space = _join_lines(out, piece.text, keep_hyphen)
            out.append(Token(piece.text, piece.italic, piece.link, piece.raised, space))
    return out


def _join_lines(out: list[Token], next_text: str, keep_hyphen: HyphenRule) -> bool:
    """Whether a space joins the previous line to the next; drops a soft line-end hyphen."""
    last = out[-1]
    if last.raised or len(last.text) < 2:
        return True
    if last.text.endswith(DASHES):
        return False
    if not last.text.endswith(HYPHENS):
        return True
    next_word = _WORD.match(next_text)
    if next_word is None:
        return True
    if next_word.group().lower() in SUSPENDED_HYPHEN_NEXT:
        return True
    before_match = re.search(r"[^\W\d_][\w'’]*$", last.text[:-1])
    before = before_match.group() if before_match else ""
    soft = last.text.endswith(SOFT_HYPHEN)
    if soft or (before and not keep_hyphen(before, next_word.group())):
        out[-1] = Token(last.text[:-1], last.italic, last.link, last.raised, last.space)
    return False


def render(items: Sequence[Token], emphasis: Emphasis) -> str:
    """The tokens in the layout's inline mark-up."""
    parts: list[str] = []
    index = 0
    lead = emphasis is Emphasis.AFTER_LEAD
    while index < len(items):
        token = items[index]
        if token.italic and not token.raised:
            end = index
            while end < len(items) and items[end].italic and not items[end].raised:
                end += 1
            run = _plain(items[index:end])
            starred = emphasis is not Emphasis.NONE and not (lead and index == 0)
            starred = starred and bool(_ALNUM.search(run))
            parts.append((" " if token.space and parts else "") + (f"*{run}*" if starred else run))
            index = end
            continue
        parts.append((" " if token.space and parts else "") + _text(token))
        index += 1
    return "".join(parts)


def _plain(items: Sequence[Token]) -> str:
    return "".join(
        (" " if position and token.space else "") + _text(token)
        for position, token in enumerate(items)
    )


def _text(token: Token) -> str:
    if token.raised:
        return token.text.translate(SUPERSCRIPTS) if token.text.isdigit() else token.text
    return token.text


def render_links(items: Sequence[Token]) -> list[Token]:
    """Tokens with each run of one hyperlink merged into a ``[text](#)`` token."""
    out: list[Token] = []
    for token in items:
        if token.link is None:
            out.append(token)
            continue
        previous = out[-1] if out else None
        if previous is not None and previous.link == token.link:
            text = previous.text[:-4] + (" " if token.space else "") + token.text + "](#)"
            out[-1] = Token(text, previous.italic, previous.link, False, previous.space)
        else:
            out.append(Token(f"[{token.text}](#)", token.italic, token.link, False, token.space))
    return out
