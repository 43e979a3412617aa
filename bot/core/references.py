"""Finding the names of loaded resolutions in a message (bot.core.names derives them).

A mention is a phrase ending in a word for a document ("the Cuba embargo resolution", "the ICC
text", "the tuberculosis one") or starting with one ("the resolution on outer space"), with a
year after it if any ("the human rights resolution from 2016"). Its words are matched exactly,
by stem or at a typo's distance; a mention picks the documents that hold all of its distinctive
words, and is ambiguous only when two of them fit about equally well. The mention is taken out
of the message, so the subject's words do not steer retrieval."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from bot.core.cache import BoundedCache
from bot.core.models import Document
from bot.core.names import (
    GENERIC,
    HEADS,
    ORDINAL_WORDS,
    TOKEN,
    YEAR,
    Names,
    bare,
    derive_names,
    head_word,
    names_in,
    words_of,
)
from bot.core.text import Stemmer, fold

__all__ = ["DocumentReferences", "Mention", "derive_names", "names_in"]

# Words for a document that open a mention ("the resolution on"); HEADS end one.
OPENING_HEADS = frozenset({"resolution", "text", "declaration", "document", "one"})
ABOUT = frozenset({"on", "about", "concerning", "regarding", "against", "entitled", "titled"})
DETERMINERS = frozenset({"the", "this", "that", "a", "an"})
# Words that may stand before a mention and go with it when it is taken out of the message.
PREPOSITIONS = ("according to", "in", "of", "from", "under", "for", "about", "by", "on", "with")
FUZZY = 0.9
MIN_WEIGHT = 0.5
MIN_COVERAGE = 0.5
AMBIGUOUS_RATIO = 0.8
MAX_WINDOW = 6
WORDS_KEPT = 4096  # message words whose weights in every document are kept


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


@dataclass
class DocumentReferences:
    """The names of every loaded document, and the search for them in a message."""

    documents: Sequence[Document]
    stemmer: Stemmer
    stopwords: frozenset[str] = frozenset()
    synonyms: Sequence[Sequence[str]] = ()
    aliases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Names already derived (a saved engine's, one per document: it may read them only when
    # first asked), else derived here.
    derived: Sequence[Names] | None = None
    # The texts of the paragraphs that may hold a phrase (None: any may), so that whether a
    # phrase names something else is read from a few paragraphs rather than every document.
    phrase_texts: Callable[[str], Iterable[str] | None] | None = None
    _names: list[Names] | None = field(init=False, default=None)
    _texts: list[str] | None = field(init=False, default=None)
    _titles: dict[int, str] = field(init=False, default_factory=dict)  # made when first read
    # Made when first needed: each name word's documents, each acronym pattern's, and each
    # message word's weights in every document (see _weights).
    _by_word: dict[str, list[tuple[int, float]]] | None = field(init=False, default=None)
    _by_acronym: dict[tuple[str, int], tuple[re.Pattern[str], list[tuple[int, float, int]]]] = (
        field(init=False, default_factory=dict)
    )
    _by_length: dict[int, list[str]] = field(init=False, default_factory=dict)
    _known_weights: BoundedCache[str, dict[int, float]] = field(
        init=False, default_factory=lambda: BoundedCache(WORDS_KEPT)
    )

    @property
    def names(self) -> list[Names]:
        """Each document's names, made when first needed: a message that names no resolution
        never needs them (reading a saved engine's cost half of a start at 10,000)."""
        if self._names is None:
            if self.derived is not None and len(self.derived) == len(self.documents):
                self._names = list(self.derived)
            else:
                self._names = [
                    derive_names(
                        d,
                        self.stemmer,
                        self.stopwords,
                        self.synonyms,
                        self.aliases.get(d.symbol, ()),
                    )
                    for d in self.documents
                ]
        return self._names

    def prepare(self) -> None:
        """Make the index of the names' words now rather than at the first mention of a
        resolution (about a second at 10,000 resolutions)."""
        self._word_index()

    def _all_texts(self) -> list[str]:
        """Every document's words, made when first needed (reading every paragraph of a
        saved engine of 10,000 resolutions at start would cost seconds)."""
        if self._texts is None:
            self._texts = [
                " " + " ".join(words_of(p.text) for p in d.paragraphs) + " " for d in self.documents
            ]
        return self._texts

    # -- finding -----------------------------------------------------------------------------
    def find(self, text: str, *, among: Iterable[int] | None = None) -> Mention | None:
        """The clearest mention of a loaded document in the message, or None."""
        if not self.documents:
            return None
        allowed = set(among) if among is not None else None
        tokens = Tokens(text)
        found: list[tuple[float, Mention]] = []
        for position, (word, _, end) in enumerate(tokens):
            head = head_word(word)
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

    def pick(self, text: str, among: Iterable[int]) -> int | None:
        """The one of `among` that a short reply names ("the 2016 one", "ICC", "space"), for
        answering "which resolution do you mean?"; None when it names none or several."""
        tokens = Tokens(text)
        window = [t for t in tokens if bare(t[0]) not in HEADS and bare(t[0]) not in self.stopwords]
        if not window or len(window) > MAX_WINDOW:
            return None
        scored = self._match(window, set(among))
        return scored[0][0] if scored is not None and len(scored[0]) == 1 else None

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
        return any(self._weights(word).values())

    def _match(
        self, window: list[Token], allowed: set[int] | None
    ) -> tuple[tuple[int, ...], float] | None:
        """The documents that the window's words name, best first, and the best score."""
        content = [bare(w) for w, _, _ in window if bare(w) not in GENERIC]
        content = [w for w in content if not ORDINAL_WORDS.match(w)]
        if not content:
            return None
        # Each word's weight in each candidate (those it does not name: 0, left out).
        table = [self._weights(word) for word in content]
        if allowed is not None:
            table = [{i: w for i, w in weights.items() if i in allowed} for weights in table]
        # The candidates left (None: every document, never listed: 10,000 of them at scale).
        current: set[int] | None = allowed
        totals: dict[int, float] = {}
        # The most distinctive words first: a word no remaining candidate knows is noise; one
        # that some of them know narrows the candidates to those.
        for weights in sorted(table, key=lambda w: -max(w.values(), default=0.0)):
            holding = {
                i
                for i, w in weights.items()
                if w >= MIN_WEIGHT and (current is None or i in current)
            }
            if holding:
                current = holding
            for i, weight in weights.items():
                if (current is None or i in current) and weight:
                    totals[i] = totals.get(i, 0.0) + weight
        scores = {
            i: totals[i]
            for i in sorted(totals)
            if (current is None or i in current) and totals[i] >= MIN_WEIGHT
        }
        if not scores:
            return None
        best = max(scores.values())
        if best / len(content) < MIN_COVERAGE:
            return None
        ranked = sorted(scores, key=lambda i: -scores[i])
        close = tuple(i for i in ranked if scores[i] >= AMBIGUOUS_RATIO * best)
        return close, best

    def _weights(self, word: str) -> dict[int, float]:
        """The word's weight in each document that it names, found through the names' own
        words rather than document by document: the weight of the name word it is, else of
        the best acronym it fits, else of the name word its stem is, else (4 letters or more,
        not a number) FUZZY times that of the best name word within 1 edit of its stem (2 from
        8 letters); a year counts only as itself."""
        found = self._known_weights.get(word)
        if found is not None:
            return found
        by_word = self._word_index()
        found = dict(by_word.get(word, ()))  # a name word of the document: its weight
        if not YEAR.match(word):
            decided = set(found)
            acronyms: dict[int, float] = {}  # else the best acronym of its names that fits
            for pattern, holders in self._by_acronym.values():
                if pattern.fullmatch(word) is None:
                    continue
                for i, weight, min_length in holders:
                    if len(word) >= min_length and i not in decided:
                        acronyms[i] = max(acronyms.get(i, 0.0), weight)
            for i, weight in acronyms.items():
                if weight:
                    found[i] = weight
                    decided.add(i)
            stem = self.stemmer.stem(word)  # else its stem as a name word
            for i, weight in by_word.get(stem, ()):
                if i not in decided:
                    found[i] = weight
                    decided.add(i)
            if len(word) >= 4 and not word.isdigit():  # else a name word a typo away
                allowed = 1 if len(stem) < 8 else 2
                fuzzy: dict[int, float] = {}
                for length in range(len(stem) - allowed, len(stem) + allowed + 1):
                    for name in self._by_length.get(length, ()):
                        if OSA.distance(stem, name, score_cutoff=allowed) > allowed:
                            continue
                        for i, weight in by_word[name]:
                            if i not in decided:
                                fuzzy[i] = max(fuzzy.get(i, 0.0), weight * FUZZY)
                found.update(fuzzy)
        self._known_weights.put(word, found)
        return found

    def _word_index(self) -> dict[str, list[tuple[int, float]]]:
        if self._by_word is None:
            by_word: dict[str, list[tuple[int, float]]] = {}
            for i, names in enumerate(self.names):
                for name, weight in names.words.items():
                    by_word.setdefault(name, []).append((i, weight))
                for acronym in names.acronyms:
                    key = (acronym.pattern.pattern, acronym.pattern.flags)
                    entry = self._by_acronym.setdefault(key, (acronym.pattern, []))
                    entry[1].append((i, acronym.weight, acronym.min_length))
            for name in by_word:
                if len(name) >= 4:
                    self._by_length.setdefault(len(name), []).append(name)
            self._by_word = by_word
        return self._by_word

    def _title(self, document: int) -> str:
        found = self._titles.get(document)
        if found is None:
            found = self._titles[document] = f" {words_of(self.documents[document].title)} "
        return found

    def _names_something_else(self, phrase: str, documents: Sequence[int]) -> bool:
        """ "the Human Rights Council resolution", "the Vienna Declaration": a name the texts
        themselves use for another instrument, not the title of a candidate document."""
        padded = f" {phrase} "
        if any(padded in self._title(i) for i in documents):
            return False
        texts = self.phrase_texts(phrase) if self.phrase_texts is not None else None
        if texts is None:
            return any(padded in text for text in self._all_texts())
        # A phrase is looked for within each paragraph (not across two, as in _all_texts).
        return any(padded in f" {words_of(text)} " for text in texts)


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
