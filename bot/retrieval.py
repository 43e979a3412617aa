"""ParagraphIndex: built once over every paragraph of every document, searched many times.

Scoring is BM25 over word stems, where each query term may have alternatives: a thesaurus
synonym (a phrase, matched as adjacent stems) or a typo correction found with rapidfuzz.
Candidates come from the postings of the query's stems, so the cost of a query follows the
number of paragraphs that share its words, not the size of the corpus.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.models import Document, Paragraph
from bot.text import Stemmer, fold, words
from bot.thesaurus import Lexicon

BM25_K1 = 1.2
BM25_B = 0.6
SYNONYM_WEIGHT = 0.8
CORRECTION_WEIGHT = 0.9
PHRASE_BONUS = 0.35
ANCHOR_WORDS = 40
UNKNOWN_WEIGHT = 1.0
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

    @property
    def is_empty(self) -> bool:
        return not self.terms


@dataclass(frozen=True, slots=True)
class Entry:
    """A paragraph as the index sees it."""

    document: int
    paragraph: Paragraph
    stems: tuple[str, ...]
    counts: dict[str, int]
    bigrams: frozenset[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    coverage: float
    matched: tuple[str, ...]

    @property
    def paragraph(self) -> Paragraph:
        return self.entry.paragraph


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
        kept = [w for w in words(text) if w not in self.lexicon.stopwords]
        return self.stemmer.stems(kept)

    def _spelled(self, items: Iterable[str]) -> list[str]:
        spelling = self.lexicon.spelling
        return [spelling.get(w, w) for w in items]

    def query(self, text: str, vocabulary: Vocabulary) -> Query:
        raw = [w for w in self._spelled(words(text)) if len(w) > 1 or w.isdigit()]
        corrected = [
            w if self.stemmer.stem(w) in vocabulary.stems else vocabulary.correct(w, self)
            for w in raw
        ]
        content = [
            (w, c) for w, c in zip(raw, corrected, strict=True) if c not in self.lexicon.stopwords
        ]
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
                phrase = tuple(stems[index : index + length])
                terms.append(self._term(surface, phrase, groups))
                index += length
                continue
            word, fixed = content[index]
            stem = stems[index]
            index += 1
            if fixed in self._ignorable or stem in self._ignorable_stems:
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
        return Query(text, kept, tuple(stems))

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


@dataclass
class Vocabulary:
    """The words of the corpus (plus lexicon words), for typo correction with rapidfuzz."""

    known: set[str]
    choices: list[str]
    stems: frozenset[str] = frozenset()
    _cache: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, texts: Iterable[str], lexicon: Lexicon) -> Vocabulary:
        known: set[str] = set()
        for text in texts:
            known.update(words(text))
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
        if len(self._cache) < 50_000:
            self._cache[word] = result
        return result


class ParagraphIndex:
    """BM25 over paragraph stems with synonym and phrase matching; footnotes carry the words
    of the passage that cites them, so "where is X published" finds X's footnote."""

    def __init__(self, documents: Sequence[Document], analyzer: Analyzer) -> None:
        self.documents = tuple(documents)
        self.analyzer = analyzer
        self.entries: list[Entry] = []
        self.postings: dict[str, list[int]] = {}
        for doc_index, document in enumerate(self.documents):
            for paragraph in document.paragraphs:
                self._add(doc_index, document, paragraph)
        total = sum(len(e.stems) for e in self.entries)
        self.average_length = total / len(self.entries) if self.entries else 1.0
        count = len(self.entries)
        self.idf = {
            stem: math.log(1 + (count - len(ids) + 0.5) / (len(ids) + 0.5))
            for stem, ids in self.postings.items()
        }
        self.max_idf = math.log(1 + (count + 0.5) / 0.5)
        self.vocabulary = Vocabulary.build(
            (p.text for d in self.documents for p in d.paragraphs), analyzer.lexicon
        )
        # A word whose stem the corpus knows ("encouraged" for "Encourages") needs no fixing.
        self.vocabulary.stems = frozenset(self.postings)

    def _add(self, doc_index: int, document: Document, paragraph: Paragraph) -> None:
        text = paragraph.text
        if paragraph.kind == "fn":
            text = " ".join([text, *anchor_contexts(document, paragraph)])
        stems = tuple(self.analyzer.text_stems(text))
        counts = Counter(stems)
        entry_id = len(self.entries)
        self.entries.append(
            Entry(doc_index, paragraph, stems, dict(counts), frozenset(itertools.pairwise(stems)))
        )
        for stem in counts:
            self.postings.setdefault(stem, []).append(entry_id)

    def query(self, text: str) -> Query:
        return self.analyzer.query(text, self.vocabulary)

    def term_weight(self, term: QueryTerm) -> float:
        """How much a term matters: the idf of its best-known alternative."""
        best = 0.0
        for alternative in term.alternatives:
            idfs = [self.idf.get(s, UNKNOWN_WEIGHT * self.max_idf) for s in alternative.stems]
            best = max(best, (sum(idfs) / len(idfs)) * alternative.weight)
        return best

    def search(
        self,
        query: Query,
        *,
        k: int = 10,
        documents: frozenset[int] | None = None,
        kind_boost: dict[str, float] | None = None,
        focus: dict[tuple[int, str], float] | None = None,
    ) -> list[Hit]:
        """The k best paragraphs for the query, best first."""
        candidates = self._candidates(query, documents)
        weights = [self.term_weight(t) for t in query.terms]
        total = sum(weights) or 1.0
        hits: list[Hit] = []
        for entry_id in candidates:
            entry = self.entries[entry_id]
            score, matched_weight, matched = self._score(entry, query, weights)
            if score <= 0:
                continue
            if kind_boost:
                score *= kind_boost.get(entry.paragraph.kind, 1.0)
            if focus:
                score *= focus.get((entry.document, entry.paragraph.id), 1.0)
            hits.append(Hit(entry, score, matched_weight / total, tuple(matched)))
        hits.sort(key=lambda h: (-h.score, h.entry.document, _order(h.entry.paragraph)))
        return hits[:k]

    def _candidates(self, query: Query, documents: frozenset[int] | None) -> set[int]:
        found: set[int] = set()
        for term in query.terms:
            for alternative in term.alternatives:
                for stem in alternative.stems:
                    found.update(self.postings.get(stem, ()))
        if documents is not None:
            found = {i for i in found if self.entries[i].document in documents}
        return found

    def _score(
        self, entry: Entry, query: Query, weights: Sequence[float]
    ) -> tuple[float, float, list[str]]:
        score = 0.0
        matched_weight = 0.0
        matched: list[str] = []
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(entry.stems) / self.average_length)
        for term, weight in zip(query.terms, weights, strict=True):
            best = 0.0
            best_surface = ""
            cap = self._own_idf(term)
            for alternative in term.alternatives:
                value = self._alternative_score(entry, alternative, norm, cap)
                if value > best:
                    best, best_surface = value, alternative.surface
            if best > 0:
                score += best
                matched_weight += weight
                matched.append(best_surface)
        return score, matched_weight, matched

    def _own_idf(self, term: QueryTerm) -> float | None:
        """The idf of the words the user wrote, when the corpus has them: a synonym may not
        count for more than the word it stands for ("promoted" -> "advance")."""
        own = term.alternatives[0].stems
        if not all(s in self.idf for s in own):
            return None
        return sum(self.idf[s] for s in own) / len(own)

    def _alternative_score(
        self, entry: Entry, alternative: Alternative, norm: float, cap: float | None = None
    ) -> float:
        stems = alternative.stems
        counts = entry.counts
        if any(s not in counts for s in stems):
            return 0.0
        if len(stems) > 1 and not all(pair in entry.bigrams for pair in itertools.pairwise(stems)):
            # the words are there but not together: half credit
            factor = 0.5
        else:
            factor = 1.0 + (PHRASE_BONUS * (len(stems) - 1) if len(stems) > 1 else 0.0)
        total = 0.0
        for stem in stems:
            tf = counts[stem]
            idf = self.idf.get(stem, 0.0)
            if cap is not None and alternative.weight < 1.0:
                idf = min(idf, cap)
            total += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return total / len(stems) * factor * alternative.weight


def _order(paragraph: Paragraph) -> tuple[int, int]:
    rank = {"pp": 0, "op": 1, "ax": 2, "fn": 3}[paragraph.kind]
    return rank, paragraph.number


def anchor_contexts(document: Document, footnote: Paragraph) -> list[str]:
    """The words just before each marker of this footnote in the paragraphs that cite it."""
    contexts: list[str] = []
    for paragraph_id in footnote.cited_by:
        paragraph = document.get(paragraph_id)
        if paragraph is None:
            continue
        for marker_id, offset in paragraph.markers:
            if marker_id == footnote.id:
                previous = max((o for _, o in paragraph.markers if o < offset), default=0)
                before = paragraph.text[previous:offset].split()
                contexts.append(" ".join(before[-ANCHOR_WORDS:]))
    return contexts


def stem_overlap(analyzer: Analyzer, text: str, stems: Iterable[str]) -> int:
    wanted = set(stems)
    return sum(1 for s in analyzer.text_stems(text) if s in wanted)


def folded(text: str) -> str:
    return fold(text)
