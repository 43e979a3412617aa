"""Text normalisation: clean text (CONTRACT.md), word tokens, stems, clause boundaries."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import snowballstemmer

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


def is_superscript(ch: str) -> bool:
    return ch in _SUPERSCRIPT_VALUE


def strip_markup(raw: str) -> str:
    """Markdown links to their text and emphasis markers removed; markers and spaces kept."""
    text = _LINK.sub(r"\1", raw)
    return _EMPHASIS.sub(r"\2", text)


@dataclass(frozen=True, slots=True)
class CleanText:
    """Clean text and, for each footnote marker removed, (footnote number, offset)."""

    text: str
    markers: tuple[tuple[int, int], ...] = ()


def clean(raw: str) -> CleanText:
    """The clean text of CONTRACT.md: links reduced, emphasis and markers removed, spaces folded."""
    text = strip_markup(raw)
    out: list[str] = []
    markers: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SUPERSCRIPT_VALUE:
            j = i
            while j < n and text[j] in _SUPERSCRIPT_VALUE:
                j += 1
            markers.append((superscript_value(text[i:j]), len(out)))
            i = j
            continue
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
        i += 1
    while out and out[-1] == " ":
        out.pop()
    length = len(out)
    # A marker that stood before a folded space points at the end of the word it follows.
    fixed = tuple((number, min(offset, length)) for number, offset in markers)
    return CleanText("".join(out), fixed)


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for matching, never for quoting."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Token:
    word: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Word tokens with offsets; '70/1' stays one token, 'good-neighbourliness' gives two."""
    folded = fold(text)
    if len(folded) != len(text):  # decomposition changed lengths: offsets from the original
        return [Token(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(folded)]


def words(text: str) -> list[str]:
    return [fold(m.group()) for m in _WORD.finditer(text)]


@dataclass
class Stemmer:
    """Snowball English stems, memoised per instance (the vocabulary is small)."""

    _stemmer: object = field(default_factory=lambda: snowballstemmer.stemmer("english"))
    _cache: dict[str, str] = field(default_factory=dict)

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            keep = "/" in word or word.isdigit()
            cached = word if keep else str(self._stemmer.stemWord(word))  # type: ignore[attr-defined]
            if len(self._cache) < 200_000:
                self._cache[word] = cached
        return cached

    def stems(self, items: Iterable[str]) -> list[str]:
        return [self.stem(w) for w in items]


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


def iter_sentences(text: str) -> Iterator[str]:
    for part in re.split(r"(?<=[.!?])\s+", text):
        if part.strip():
            yield part.strip()
