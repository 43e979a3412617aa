"""The names people use for a resolution, derived from the document itself: the words of its
title (countries and named bodies included), the initials of the names in its title and of the
names its text keeps using ("International Criminal Court" -> ICC, "Committee on the Peaceful
Uses of Outer Space" -> COPUOS), acronyms the text defines ("(UNISPACE+50)") or uses for a title
word ("TB" for "tuberculosis"), the year it was adopted, thesaurus synonyms of its title words,
and the aliases an editor declared beside it. bot.core.references finds them in messages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.core.models import Document
from bot.core.text import Stemmer, fold, word_set

# Words found in every resolution's name or in questions about one: never a distinctive name.
GENERIC = word_set(
    """resolution resolutions text texts document documents doc res report reports draft
    general assembly united nations un ga session meeting plenary committee main one ones
    first second third last next previous same other whole full entire official right wrong
    new old present current above below former latter relevant particular important following
    states state member members countries country nations nation governments government
    people world international global necessity question matters issues paragraph paragraphs
    operative preambular preamble annex footnote footnotes"""
)
# Words for a document that end a mention of it ("the Cuba one"): never one of its names.
HEADS = frozenset({"resolution", "text", "one", "declaration", "document", "doc", "res"})
ORDINAL_WORDS = re.compile(r"^\d+(st|nd|rd|th)$")
TOKEN = re.compile(r"[^\W_]+(?:\+[^\W_]+)*(?:['’]s)?")
YEAR = re.compile(r"^(19|20)\d\d$")
DATE_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
# A run of capitalised words, with the small words that join a name ("Committee on the
# Peaceful Uses of Outer Space"); hyphenated parts stay in one word.
CAPITALISED = re.compile(
    r"\b[A-Z][\w’'+]*(?:-[A-Za-z][\w’'+]*)*"
    r"(?:\s+(?:(?:of|on|the|for|and|in|to)\s+)*[A-Z][\w’'+]*(?:-[A-Za-z][\w’'+]*)*)*"
)
DEFINED_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]*(?:[+-][A-Z0-9]+)*)\)")
USED_ACRONYM = re.compile(r"\b[A-Z]{2,8}\b")
ROMAN = re.compile(r"[IVXLC]+")

TEXT_NAME_COUNT = 2
TITLE_WEIGHT = 1.0
ALIAS_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.6
TEXT_ACRONYM_WEIGHT = 0.8
TEXT_NAME_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Acronym:
    """The initials of a name as a pattern: capitalised words give a required letter, small
    words an optional one, so "COPUOS" and "CPUOS" both fit "Committee on the Peaceful Uses of
    Outer Space". Shorter acronyms are too easily a word ("MS", "RA") unless from the title."""

    pattern: re.Pattern[str]
    weight: float
    min_length: int

    def fits(self, word: str) -> bool:
        return len(word) >= self.min_length and self.pattern.fullmatch(word) is not None


@dataclass(frozen=True, slots=True)
class Names:
    """The names of one document: word (stem, folded acronym or year) -> weight, and the
    acronyms of the names it uses."""

    words: Mapping[str, float]
    title: frozenset[str]
    acronyms: tuple[Acronym, ...] = ()
    shown: tuple[str, ...] = ()


# -- deriving names ---------------------------------------------------------------------------
def derive_names(
    document: Document,
    stemmer: Stemmer,
    stopwords: frozenset[str],
    synonyms: Sequence[Sequence[str]] = (),
    aliases: Sequence[str] = (),
) -> Names:
    """The names people use for a document, from its title, its text and its aliases."""
    found: dict[str, float] = {}
    shown: list[str] = []
    acronyms: list[Acronym] = []

    def add(word: str, weight: float) -> None:
        key = fold(word)
        if not key or key in GENERIC or key in stopwords or ORDINAL_WORDS.match(key):
            return
        if not key.isdigit() and "+" not in key and len(key) > 3:
            key = stemmer.stem(key)
        if found.get(key, 0.0) < weight:
            found[key] = weight

    def add_initials(name: str, weight: float, min_length: int) -> None:
        pattern = initials_pattern(name)
        if pattern is not None:
            acronyms.append(Acronym(pattern, weight, min_length))

    def add_acronym(acronym: str, weight: float) -> None:
        if len(acronym) < 2 or ROMAN.fullmatch(acronym):
            return
        key = fold(acronym)
        if key in GENERIC or key in stopwords:
            return
        if found.get(key, 0.0) < weight:
            found[key] = weight
            if weight >= TITLE_WEIGHT:
                shown.append(acronym)
        if "+" in key:  # "UNISPACE+50" is also said "UNISPACE"
            add_acronym(acronym.split("+")[0], weight)

    title_words = [w for w in split_words(document.title)]
    for word in title_words:
        add(word, TITLE_WEIGHT)
    title_keys = frozenset(found)
    title_names = names_in(document.title, skip_first=True)
    for name in title_names:
        if {fold(w) for w in split_words(name)} - GENERIC - stopwords:
            shown.append(name)
            if len(name.split()) > 1:
                shown.append("".join(w[0] for w in split_words(name) if w[0].isupper()))
        add_initials(name, TITLE_WEIGHT, 2)
    body = [p.text for p in document.paragraphs if p.kind != "fn"]
    counts = Counter(name for text in body for name in names_in(text, skip_first=True))
    for name, count in counts.items():
        multiword = len(name.split()) > 1
        if count >= TEXT_NAME_COUNT + (0 if multiword else 1):
            for word in split_words(name):
                add(word, TEXT_NAME_WEIGHT)
            if multiword:
                add_initials(name, TEXT_ACRONYM_WEIGHT, 3)
    text = " ".join(body)
    for match in DEFINED_ACRONYM.finditer(text):
        add_acronym(
            match.group(1),
            TITLE_WEIGHT if _in_title(match, text, title_keys, stemmer) else TEXT_ACRONYM_WEIGHT,
        )
    for acronym in set(USED_ACRONYM.findall(text)):
        if any(abbreviates(acronym, w) for w in title_words if len(w) > len(acronym) + 2):
            add_acronym(acronym, TITLE_WEIGHT)
    year = DATE_YEAR.search(document.adoption_date)
    if year:
        found[year.group(1)] = TITLE_WEIGHT
    for group in synonyms:
        single = [p for p in group if " " not in p.strip()]
        if single and single[0] == group[0] and _single_title_word(single[0], title_keys, stemmer):
            for phrase in single[1:]:
                add(phrase, SYNONYM_WEIGHT)
    for alias in aliases:
        shown.append(alias)
        for word in split_words(alias):
            if fold(word) not in HEADS:
                add(word, ALIAS_WEIGHT)
    shown_names = tuple(dict.fromkeys(s for s in shown if s))
    return Names(found, title_keys, tuple(acronyms), shown_names)


def split_words(text: str) -> list[str]:
    """Words of a name, hyphenated parts apart ("Helms-Burton" -> Helms, Burton)."""
    return [w for w in re.split(r"[^\w+]+", text) if w]


def names_in(text: str, *, skip_first: bool) -> list[str]:
    """Runs of capitalised words: "the United States of America against Cuba" -> ["United
    States of America", "Cuba"]. The first word of a sentence is capitalised anyway."""
    names = []
    for match in CAPITALISED.finditer(text):
        name = match.group().strip()
        if skip_first and match.start() == _first_word_start(text):
            parts = name.split(None, 1)
            name = parts[1] if len(parts) > 1 else ""
            name = re.sub(r"^(?:(?:of|on|the|for|and|in|to)\s+)+", "", name)
        if name and name[0].isupper():
            names.append(name)
    return names


def initials_pattern(name: str) -> re.Pattern[str] | None:
    """ "International Criminal Court" -> icc; "Committee on the Peaceful Uses of Outer Space"
    -> c(o)?(t)?pu(o)?os: the small words' letters may be left out."""
    parts = []
    required = 0
    for word in re.split(r"[\s-]+", name):
        if not word or not word[0].isalpha():
            continue
        letter = re.escape(fold(word[0]))
        if word[0].isupper():
            parts.append(letter)
            required += 1
        else:
            parts.append(f"(?:{letter})?")
    return re.compile("".join(parts)) if required > 1 else None


def abbreviates(acronym: str, word: str) -> bool:
    """Whether an acronym the text uses is short for a word: same first letter, the other
    letters in order ("TB" for "tuberculosis")."""
    short, long = fold(acronym), fold(word)
    if not short or not long or short[0] != long[0]:
        return False
    position = 1
    for letter in short[1:]:
        position = long.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


def words_of(text: str) -> str:
    return " ".join(bare(m.group()) for m in TOKEN.finditer(text))


def bare(word: str) -> str:
    """A token folded, without a possessive "'s"."""
    folded = fold(word)
    return folded[:-2] if folded.endswith(("'s", "’s")) else folded


# Long words for a document that a typing slip should not hide ("the Cuba resolutoin"): the
# slip keeps the first three letters and is at most two edits away (a swap is one edit).
_SLIPPABLE_HEADS = ("resolution", "declaration", "document")


def head_word(word: str) -> str:
    """The word for a document a token is (bare, or corrected from a slip; its plural is not
    one: "resolutions" names no one document), else the bare token."""
    token = bare(word)
    if token in HEADS or len(token) < 7:
        return token
    for head in _SLIPPABLE_HEADS:
        if (
            token[:3] == head[:3]
            and abs(len(token) - len(head)) <= 1
            and OSA.distance(token, head) <= 2
            and OSA.distance(token, head) <= OSA.distance(token, head + "s")
        ):
            return head
    return token


def _first_word_start(text: str) -> int:
    match = re.search(r"\w", text)
    return match.start() if match else 0


def _in_title(match: re.Match[str], text: str, title: frozenset[str], stemmer: Stemmer) -> bool:
    """A defined acronym names the document when the name it stands for shares title words."""
    before = text[max(0, match.start() - 120) : match.start()]
    names = names_in(before, skip_first=False)
    if not names:
        return False
    words = {stemmer.stem(fold(w)) for w in split_words(names[-1])} - GENERIC
    return len(words & title) >= 2


def _single_title_word(phrase: str, title: frozenset[str], stemmer: Stemmer) -> bool:
    key = fold(phrase.strip())
    return bool(key) and key not in GENERIC and (key in title or stemmer.stem(key) in title)
