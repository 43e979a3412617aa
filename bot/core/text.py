"""Text normalisation: clean text (docs/contract.md), word tokens, stems, clause boundaries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer

from bot.core.cache import BoundedCache

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_VALUE = {ch: i for i, ch in enumerate(SUPERSCRIPT_DIGITS)}
_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^)\s]*\)")
_EMPHASIS = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1")
_WORD = re.compile(r"[^\W_]+(?:/[^\W_]+)*", re.UNICODE)


def superscript_value(run: str) -> int:
    """'¹²' -> 12."""
    value = 0
    for ch in run:
        value = value * 10 + _SUPERSCRIPT_VALUE[ch]
    return value


def strip_markup(raw: str) -> str:
    """Markdown links to their text and emphasis markers removed; markers and spaces kept."""
    text = _LINK.sub(r"\1", raw)
    return _EMPHASIS.sub(r"\2", text)


@dataclass(frozen=True, slots=True)
class CleanText:
    """Clean text and, for each footnote marker removed, (footnote number, offset)."""

    text: str
    markers: tuple[tuple[int, int], ...] = ()


_HAS_MARKER = re.compile(r"[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]")
_CLEAN_BREAK = re.compile(r"[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+|\s+")


def clean(raw: str) -> CleanText:
    """Clean text (docs/contract.md): links reduced, emphasis and markers removed, spaces folded."""
    text = strip_markup(raw) if ("*" in raw or "](" in raw) else raw
    if not _HAS_MARKER.search(text):
        return CleanText(" ".join(text.split()))
    pieces: list[str] = []
    length = 0
    markers: list[tuple[int, int]] = []
    position = 0
    space_due = False  # white space seen since the last character written

    def write(chunk: str) -> None:
        nonlocal length, space_due
        if space_due and length and pieces[-1][-1] != " ":
            pieces.append(" ")
            length += 1
        space_due = False
        if chunk:
            pieces.append(chunk)
            length += len(chunk)

    for match in _CLEAN_BREAK.finditer(text):
        if match.start() > position:
            write(text[position : match.start()])
        run = match.group()
        if run[0] in _SUPERSCRIPT_VALUE:
            write("")
            markers.append((superscript_value(run), length))
        else:
            space_due = True
        position = match.end()
    if position < len(text):
        write(text[position:])
    result = "".join(pieces).rstrip(" ")
    # A marker that stood before a folded space points at the end of the word it follows.
    return CleanText(result, tuple((n, min(o, len(result))) for n, o in markers))


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching, never for quoting."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one string (for lists of words kept in code)."""
    return frozenset(text.split())


def words(text: str) -> list[str]:
    """The folded words of a text: '70/1' stays one word, 'good-neighbourliness' gives two."""
    return _WORD.findall(fold(text))


STEM_CACHE = 200_000


class Stemmer:
    """Snowball English stems (PyStemmer's C implementation when installed), memoised per
    instance; picklable (the stemmer itself is made again after unpickling)."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._cache: BoundedCache[str, str] = BoundedCache(STEM_CACHE)

    def __getstate__(self) -> dict[str, object]:
        return {"language": "english"}  # not empty: pickle skips __setstate__ for a falsy state

    def __setstate__(self, state: dict[str, object]) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._cache = BoundedCache(STEM_CACHE)

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            keep = "/" in word or word.isdigit()
            cached = word if keep else str(self._stemmer.stemWord(word))
            self._cache.put(word, cached)
        return cached

    def stems(self, items: Iterable[str]) -> list[str]:
        stem = self.stem
        return [stem(w) for w in items]


# A comma starts a new clause only before words that open one; commas inside lists
# ("bilateral, regional and international cooperation") do not split.
CLAUSE_OPENERS = (
    "and",
    "or",
    "but",
    "including",
    "in",
    "inter",
    "such",
    "as",
    "which",
    "who",
    "whose",
    "where",
    "while",
    "whereas",
    "with",
    "without",
    "through",
    "upon",
    "on",
    "taking",
    "bearing",
    "based",
    "held",
    "adopted",
    "entitled",
    "aimed",
    "so",
    "for",
    "at",
    "by",
    "recognizing",
    "noting",
    "stressing",
    "emphasizing",
    "reaffirming",
    "recalling",
    "welcoming",
    "encouraging",
    "particularly",
    "notably",
    "especially",
    "inviting",
    "requesting",
    "urging",
    "calling",
    "also",
    "further",
    "among",
    "within",
    "under",
    "towards",
    "together",
    "thereby",
    "if",
    "when",
    "since",
    "because",
    "although",
    "to",
)
_CLAUSE_BREAK = re.compile(
    r"(?<=[;:])\s+|(?<=,)\s+(?=(?:" + "|".join(CLAUSE_OPENERS) + r")\b)|\s+(?=\([a-z]{1,4}\)\s)"
)


def clause_spans(text: str, *, min_length: int = 40) -> list[tuple[int, int]]:
    """Split a paragraph into clause spans at ; : sub-item labels and clause-opening commas,
    merging short pieces. Spans exclude the trailing ", " so each is an exact substring."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(text):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for begin, end in pieces:
        if merged and (end - begin < min_length or merged[-1][1] - merged[-1][0] < min_length):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return [trim_span(text, span) for span in merged if span[1] > span[0]]


def trim_span(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Drop surrounding spaces and one trailing ',' or ';' from a span."""
    begin, end = span
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    if end > begin and text[end - 1] in ",;":
        end -= 1
    return begin, end
