"""How people name a resolution, and finding those names in a message.

Every loaded document gets the names people use for it, derived from the document itself: the
words of its title (countries and named bodies included), the acronyms of the names in its
title and of the names its text keeps using ("International Criminal Court" -> ICC,
"Committee on the Peaceful Uses of Outer Space" -> COPUOS), acronyms the text defines
("(UNISPACE+50)") or uses for a title word ("TB" for "tuberculosis"), the year it was adopted,
thesaurus synonyms of its title words, and the optional aliases an editor declared beside it.

A mention is a phrase ending in a word for a document ("the Cuba embargo resolution", "the ICC
text", "the tuberculosis one") or starting with one ("the resolution on outer space"). Its words
are matched exactly, by stem or with a typo's distance; a mention picks the documents that hold
all of its distinctive words, and is ambiguous only when two of them fit about equally well.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from bot.core.models import Document
from bot.core.text import Stemmer, fold, word_set

# Words for a document that end a mention ("the Cuba one") or open one ("the resolution on").
HEADS = frozenset({"resolution", "text", "one", "declaration", "document", "doc", "res"})
OPENING_HEADS = frozenset({"resolution", "text", "declaration", "document"})
ABOUT = frozenset({"on", "about", "concerning", "regarding", "against", "entitled", "titled"})
DETERMINERS = frozenset({"the", "this", "that", "a", "an"})


# Words that may stand before a mention and go with it when it is taken out of the message.
PREPOSITIONS = ("according to", "in", "of", "from", "under", "for", "about", "by", "on", "with")
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

TITLE_WEIGHT = 1.0
ALIAS_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.6
TEXT_ACRONYM_WEIGHT = 0.8
TEXT_NAME_WEIGHT = 0.5
FUZZY = 0.9
MIN_WEIGHT = 0.5
MIN_COVERAGE = 0.5
AMBIGUOUS_RATIO = 0.8
MAX_WINDOW = 6
TEXT_NAME_COUNT = 2


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a message names a resolution: the candidate documents (indexes, best first; one
    when the mention is clear), the span of the words that name it, and where the part to take
    out starts (a preposition before it, as in "of the ICC text")."""

    documents: tuple[int, ...]
    start: int
    end: int
    cut: int
    words: tuple[str, ...]

    @property
    def confident(self) -> bool:
        return len(self.documents) == 1


Token = tuple[str, int, int]  # the word as written, its start and end in the message


class Tokens(list[Token]):
    """The words of a message with their offsets, and what stands between two of them."""

    def __init__(self, text: str) -> None:
        super().__init__((m.group(), m.start(), m.end()) for m in TOKEN.finditer(text))
        self.text = text

    def gap(self, left: int, right: int) -> bool:
        """Punctuation other than a hyphen between two words ends a name."""
        if left < 0 or right >= len(self):
            return True
        return bool(re.search(r"[^\s\-]", self.text[self[left][2] : self[right][1]]))


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


@dataclass
class DocumentReferences:
    """The names of every loaded document, and the search for them in a message."""

    documents: Sequence[Document]
    stemmer: Stemmer
    stopwords: frozenset[str] = frozenset()
    synonyms: Sequence[Sequence[str]] = ()
    aliases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    names: list[Names] = field(init=False)
    _texts: list[str] = field(init=False)
    _titles: list[str] = field(init=False)
    _vocabulary: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = [
            derive_names(
                d,
                self.stemmer,
                self.stopwords,
                self.synonyms,
                self.aliases.get(d.symbol, ()),
            )
            for d in self.documents
        ]
        self._texts = [
            " " + " ".join(words_of(p.text) for p in d.paragraphs) + " " for d in self.documents
        ]
        self._titles = [" " + words_of(d.title) + " " for d in self.documents]
        self._vocabulary = sorted({w for n in self.names for w in n.words if len(w) >= 4})

    # -- finding -----------------------------------------------------------------------------
    def find(self, text: str, *, among: Iterable[int] | None = None) -> Mention | None:
        """The clearest mention of a loaded document in the message, or None."""
        if not self.documents:
            return None
        allowed = set(among) if among is not None else None
        tokens = Tokens(text)
        found: list[tuple[float, Mention]] = []
        for position, (word, _, end) in enumerate(tokens):
            head = bare(word)
            if head not in HEADS:
                continue
            for window, first, last in self._windows(tokens, position, head):
                scored = self._match(window, allowed)
                if scored is None:
                    continue
                documents, score = scored
                named = window if last > position else [*window, tokens[position]]
                phrase = " ".join(bare(w) for w, _, _ in named)
                if self._names_something_else(phrase, documents):
                    continue
                start = tokens[first][1]
                stop = tokens[last][2] if last > position else end
                if tokens[last][0] != bare(tokens[last][0]) and last == position:
                    stop = end - 2  # "the ICC resolution's footnote" keeps its "'s"
                cut = _cut_before(text, start)
                words = tuple(bare(w) for w, _, _ in window)
                found.append((score, Mention(documents, start, stop, cut, words)))
        if not found:
            return None
        found.sort(key=lambda item: (not item[1].confident, -item[0]))
        return found[0][1]

    def without(self, text: str, mention: Mention) -> str:
        """The message with the mention taken out: "paragraph 7 of the space resolution" ->
        "paragraph 7"; "When was the Cuba resolution adopted" -> "When was the resolution
        adopted"."""
        replacement = " " if mention.cut < mention.start else " the resolution"
        out = text[: mention.cut] + replacement + text[mention.end :]
        stripped = " ".join(out.split())
        stripped = re.sub(r"\s+([,.?!;:)])", r"\1", stripped)
        return stripped if re.search(r"\w", stripped) else text

    def shown_names(self, index: int) -> tuple[str, ...]:
        return self.names[index].shown

    def _windows(
        self, tokens: Tokens, position: int, head: str
    ) -> Iterable[tuple[list[Token], int, int]]:
        """The words naming the document: before the head back to a determiner or any small
        word ("the outer space resolution"), or after "resolution on" up to the end of the
        clause ("the resolution on the Cuba embargo, ...")."""
        window: list[Token] = []
        first = position
        for index in range(position - 1, max(-1, position - 1 - MAX_WINDOW), -1):
            lowered = bare(tokens[index][0])
            if tokens.gap(index, index + 1):
                break
            if lowered in DETERMINERS:
                first = index
                break
            if lowered in self.stopwords or (lowered.isdigit() and not YEAR.match(lowered)):
                break
            window.insert(0, tokens[index])
            first = index
        if window:
            year = _year_after(tokens, position)
            if year is not None:  # "the human rights resolution from 2016"
                yield [*window, tokens[year]], first, year
            else:
                yield window, first, position
        if head not in OPENING_HEADS or position + 1 >= len(tokens):
            return
        if bare(tokens[position + 1][0]) not in ABOUT or tokens.gap(position, position + 1):
            return
        opened = position - 1 if position and bare(tokens[position - 1][0]) in DETERMINERS else -1
        after: list[Token] = []
        last = position + 1
        for index in range(position + 2, min(len(tokens), position + 2 + 2 * MAX_WINDOW)):
            if tokens.gap(index - 1, index):
                break
            lowered = bare(tokens[index][0])
            if lowered in self.stopwords or lowered in GENERIC:
                if lowered in {"what", "which", "when", "where", "who", "how", "why", "does"}:
                    break
                continue
            if not self._known(lowered):
                break
            after.append(tokens[index])
            last = index
        if after:
            yield after, (opened if opened >= 0 else position), last

    def _known(self, word: str) -> bool:
        return any(self._weight(word, names) for names in self.names)

    def _match(
        self, window: list[Token], allowed: set[int] | None
    ) -> tuple[tuple[int, ...], float] | None:
        """The documents that the window's words name, best first, and the best score."""
        content = [bare(w) for w, _, _ in window if bare(w) not in GENERIC]
        content = [w for w in content if not ORDINAL_WORDS.match(w)]
        if not content:
            return None
        candidates = [i for i in range(len(self.documents)) if allowed is None or i in allowed]
        table = [{i: self._weight(word, self.names[i]) for i in candidates} for word in content]
        totals = dict.fromkeys(candidates, 0.0)
        # The most distinctive words first: a word no remaining candidate knows is noise; one
        # that some of them know narrows the candidates to those.
        for weights in sorted(table, key=lambda w: -max(w.values(), default=0.0)):
            holding = [i for i in candidates if weights[i] >= MIN_WEIGHT]
            if holding:
                candidates = holding
            for i in candidates:
                totals[i] += weights[i]
        scores = {i: totals[i] for i in candidates if totals[i] >= MIN_WEIGHT}
        if not scores:
            return None
        best = max(scores.values())
        if best / len(content) < MIN_COVERAGE:
            return None
        ranked = sorted(scores, key=lambda i: -scores[i])
        close = tuple(i for i in ranked if scores[i] >= AMBIGUOUS_RATIO * best)
        return close, best

    def _weight(self, word: str, names: Names) -> float:
        if YEAR.match(word):
            return names.words.get(word, 0.0)
        exact = names.words.get(word)
        if exact is not None:
            return exact
        acronym = max((a.weight for a in names.acronyms if a.fits(word)), default=0.0)
        if acronym:
            return acronym
        stem = self.stemmer.stem(word)
        found = names.words.get(stem)
        if found is not None:
            return found
        if len(word) < 4 or word.isdigit():
            return 0.0
        allowed = 1 if len(word) < 8 else 2
        best = 0.0
        for name, weight in names.words.items():
            close = len(name) >= 4 and abs(len(name) - len(stem)) <= allowed
            if close and OSA.distance(stem, name, score_cutoff=allowed) <= allowed:
                best = max(best, weight * FUZZY)
        return best

    def _names_something_else(self, phrase: str, documents: Sequence[int]) -> bool:
        """ "the Human Rights Council resolution", "the Vienna Declaration": a name the texts
        themselves use for another instrument, not the title of a candidate document."""
        padded = f" {phrase} "
        if any(padded in self._titles[i] for i in documents):
            return False
        return any(padded in text for text in self._texts)


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


def _first_word_start(text: str) -> int:
    match = re.search(r"\w", text)
    return match.start() if match else 0


def _year_after(tokens: Tokens, position: int) -> int | None:
    """The index of a year right after a head ("from 2016", "adopted in 1996"), or None."""
    index = position + 1
    if index < len(tokens) and bare(tokens[index][0]) in {"adopted", "passed"}:
        index += 1
    joined = all(not tokens.gap(i, i + 1) for i in range(position, index + 1))
    found = index + 1 < len(tokens) and bare(tokens[index][0]) in {"from", "of", "in"}
    return index + 1 if found and joined and YEAR.match(tokens[index + 1][0]) else None


def _cut_before(text: str, start: int) -> int:
    """Where the part to take out begins: a preposition right before the mention goes too."""
    before = text[:start].rstrip()
    lowered = fold(before)
    for preposition in PREPOSITIONS:
        if lowered.endswith(preposition) and (
            len(lowered) == len(preposition) or not lowered[-len(preposition) - 1].isalnum()
        ):
            return len(before) - len(preposition)
    return start


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
