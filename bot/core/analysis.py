"""Question and text analysis: words -> stems, thesaurus phrases as alternatives, typo
correction with rapidfuzz. What the index matches is decided here."""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.cache import BoundedCache
from bot.core.lexicon import Lexicon
from bot.core.text import Stemmer, words

SYNONYM_WEIGHT = 0.8
CORRECTION_WEIGHT = 0.9
IGNORED: tuple[int, ...] = (-1,)


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way a query term can be matched: a run of stems that must stand together."""

    stems: tuple[str, ...]
    weight: float
    surface: str


@dataclass(frozen=True, slots=True)
class QueryTerm:
    surface: str
    alternatives: tuple[Alternative, ...]
    corrected: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    terms: tuple[QueryTerm, ...]
    stems: tuple[str, ...]
    # Words of the question that a typo correction turned into a word a query drops ("kids" ->
    # "kinds", "small" -> "shall", but also the slip "wich" -> "which"; `lost_words` keeps the
    # English words): the terms left may not say what was asked.
    lost: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms


@dataclass
class Analyzer:
    """Turns text into stems and questions into weighted query terms."""

    lexicon: Lexicon
    stemmer: Stemmer = field(default_factory=Stemmer)
    _phrases: dict[tuple[str, ...], tuple[int, ...]] = field(default_factory=dict)
    _group_stems: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    _ignorable: frozenset[str] = frozenset()
    _ignorable_stems: frozenset[str] = frozenset()
    _max_phrase: int = 1

    def __post_init__(self) -> None:
        for index, group in enumerate(self.lexicon.synonyms):
            variants = tuple(dict.fromkeys(self.phrase_stems(p) for p in group))
            variants = tuple(v for v in variants if v)
            self._group_stems.append(variants)
            for variant in variants:
                self._phrases[variant] = (*self._phrases.get(variant, ()), index)
                self._max_phrase = max(self._max_phrase, len(variant))
        for phrase in self.lexicon.ignored_phrases:
            variant = self.phrase_stems(phrase)
            if variant:
                self._phrases[variant] = IGNORED
                self._max_phrase = max(self._max_phrase, len(variant))
        self._ignorable = self.lexicon.ignorable
        self._ignorable_stems = frozenset(
            self.stemmer.stem(w) for w in self._ignorable if " " not in w
        )

    def phrase_stems(self, phrase: str) -> tuple[str, ...]:
        """Stems of a phrase with stopwords dropped (used for thesaurus entries)."""
        kept = [w for w in self._spelled(words(phrase)) if w not in self.lexicon.stopwords]
        return tuple(self.stemmer.stems(kept))

    def text_stems(self, text: str) -> list[str]:
        """Stems of a paragraph, stopwords dropped, in order."""
        return self.word_stems(words(text))

    def word_stems(self, found: Iterable[str]) -> list[str]:
        stopwords = self.lexicon.stopwords
        return self.stemmer.stems(w for w in found if w not in stopwords)

    def _spelled(self, items: Iterable[str]) -> list[str]:
        spelling = self.lexicon.spelling
        return [spelling.get(w, w) for w in items]

    def query(self, text: str, vocabulary: Vocabulary) -> Query:
        raw = [w for w in self._spelled(words(text)) if len(w) > 1 or w.isdigit()]
        corrected = [
            w if self.stemmer.stem(w) in vocabulary.stems else vocabulary.correct(w, self)
            for w in raw
        ]
        stopwords = self.lexicon.stopwords
        content = [(w, c) for w, c in zip(raw, corrected, strict=True) if c not in stopwords]
        lost = [w for w, c in zip(raw, corrected, strict=True) if c != w and c in stopwords]
        stems = [self.stemmer.stem(c) for _, c in content]
        terms: list[QueryTerm] = []
        index = 0
        while index < len(content):
            found = self._phrase_at(stems, index)
            if found:
                length, groups = found
                if groups == IGNORED:
                    index += length
                    continue
                surface = " ".join(w for w, _ in content[index : index + length])
                fixed_phrase = " ".join(c for _, c in content[index : index + length])
                phrase = tuple(stems[index : index + length])
                term = self._term(surface, phrase, groups)
                if fixed_phrase != surface:
                    term = QueryTerm(term.surface, term.alternatives, corrected=fixed_phrase)
                terms.append(term)
                index += length
                continue
            word, fixed = content[index]
            stem = stems[index]
            index += 1
            if fixed in self._ignorable or stem in self._ignorable_stems:
                if fixed != word and word not in self._ignorable:
                    lost.append(word)
                continue
            weight = 1.0 if fixed == word else CORRECTION_WEIGHT
            terms.append(
                QueryTerm(
                    word,
                    (Alternative((stem,), weight, fixed),),
                    corrected=fixed if fixed != word else "",
                )
            )
        unique = {tuple(a.stems for a in t.alternatives): t for t in reversed(terms)}
        kept = tuple(t for t in terms if unique[tuple(a.stems for a in t.alternatives)] is t)
        return Query(text, kept, tuple(stems), tuple(lost))

    def _phrase_at(self, stems: Sequence[str], start: int) -> tuple[int, tuple[int, ...]] | None:
        for length in range(min(self._max_phrase, len(stems) - start), 0, -1):
            groups = self._phrases.get(tuple(stems[start : start + length]))
            if groups and not (length == 1 and stems[start] in self._ignorable_stems):
                return length, groups
        return None

    def _term(self, surface: str, phrase: tuple[str, ...], groups: tuple[int, ...]) -> QueryTerm:
        alternatives = [Alternative(phrase, 1.0, surface)]
        seen = {phrase}
        for group in groups:
            for variant in self._group_stems[group]:
                if variant not in seen:
                    seen.add(variant)
                    alternatives.append(Alternative(variant, SYNONYM_WEIGHT, " ".join(variant)))
        return QueryTerm(surface, tuple(alternatives))


CORRECTIONS = 50_000  # typo corrections remembered


@dataclass
class Vocabulary:
    """The words of the corpus (plus lexicon words), for typo correction with rapidfuzz."""

    known: set[str]
    choices: list[str]
    stems: frozenset[str] = frozenset()
    _cache: BoundedCache[str, str] = field(default_factory=lambda: BoundedCache(CORRECTIONS))

    @classmethod
    def build(cls, corpus_words: Iterable[str], lexicon: Lexicon) -> Vocabulary:
        known: set[str] = set(corpus_words)
        extra: set[str] = set(lexicon.stopwords) | set(lexicon.question_words)
        for group in lexicon.synonyms:
            for phrase in group:
                extra.update(words(phrase))
        known |= extra
        choices = sorted(w for w in known if len(w) >= 3 and not w.isdigit())
        return cls(known, choices)

    def correct(self, word: str, analyzer: Analyzer) -> str:
        """The word itself when known; else the closest known word within a few edits
        (transpositions count as one), preferring the same first letter."""
        if word in self.known or len(word) < 4 or any(ch.isdigit() for ch in word):
            return word
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        allowed = 1 if len(word) <= 5 else 2 if len(word) <= 9 else 3
        found = process.extract(
            word,
            self.choices,
            scorer=OSA.distance,
            processor=None,
            score_cutoff=allowed,
            limit=8,
        )
        result = word
        ranked = sorted(found, key=lambda m: (m[1], m[0][0] != word[0], m[2]))
        if ranked:
            candidate, distance = str(ranked[0][0]), ranked[0][1]
            if candidate[0] == word[0] or (distance <= 1 and len(word) > 5):
                result = candidate
        self._cache.put(word, result)
        return result


# English words, to tell a word the corpus lacks from a slip of the keyboard: the whole words of
# four letters or more of the BERT uncased vocabulary (20,362), one a line in a file derived
# from the tokenizer shipped in bot/data/semantic; read (in a few milliseconds) when a typo
# correction first needs it.
DICTIONARY_FILE = "english-words.txt"


def lost_words(query: Query) -> tuple[str, ...]:
    """The English words of a question that typo corrections dropped (slips are no loss)."""
    return tuple(w for w in query.lost if english(w))


def english(word: str) -> bool:
    """Whether a word is an English word (four letters or more), not a typo."""
    return word in _english_words()


@functools.cache
def _english_words() -> frozenset[str]:
    try:
        text = (importlib.resources.files("bot") / "data" / DICTIONARY_FILE).read_text("utf-8")
    except OSError:
        return frozenset()  # no dictionary: no word is told from a typo
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))
