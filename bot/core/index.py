"""ParagraphIndex: built once over every paragraph of every document, searched many times.

Scoring is BM25 over word stems, where each query term may have alternatives: a thesaurus
synonym (a phrase, matched as adjacent stems) or a typo correction (see bot.core.analysis). The
index keeps postings as numpy arrays (term -> entries, with the BM25 term-frequency factor
precomputed) and adjacent stem pairs as sorted keys, so a query costs a few vector operations
per alternative, whatever the number of documents.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bot.core.analysis import Alternative, Analyzer, Query, QueryTerm, Vocabulary
from bot.core.cache import BoundedCache
from bot.core.models import Document, Paragraph
from bot.core.text import clause_spans, words

__all__ = [
    "Alternative",
    "Analyzer",
    "Entry",
    "Hit",
    "ParagraphIndex",
    "Query",
    "QueryTerm",
    "Vocabulary",
    "anchor_contexts",
]

BM25_K1 = 1.2
BM25_B = 0.6
PHRASE_BONUS = 0.35
SCATTERED_PHRASE = 0.5
ANCHOR_WORDS = 40
UNKNOWN_WEIGHT = 1.0
KIND_CODES = {"pp": 0, "op": 1, "ax": 2, "fn": 3}
# (stems, weight, cap) of a query alternative: the key of its memoised postings.
AlternativeKey = tuple[tuple[str, ...], float, float | None]
CLAUSE_CACHE = 4096
MEMO_ENTRIES = 4096
RANK_FLOOR = 0.6
MEMO_MAX_IDS = 20_000

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Entry:
    """A paragraph as the index sees it."""

    document: int
    paragraph: Paragraph


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    coverage: float

    @property
    def paragraph(self) -> Paragraph:
        return self.entry.paragraph


@dataclass
class _Postings:
    """Compressed rows: row r holds ids[start[r]:start[r+1]] (sorted) and their values."""

    start: npt.NDArray[np.int64]
    ids: Ints
    values: Floats

    def row(self, r: int) -> tuple[Ints, Floats]:
        a, b = int(self.start[r]), int(self.start[r + 1])
        return self.ids[a:b], self.values[a:b]


@dataclass
class _Builder:
    """Accumulates postings while the index is built (compact int arrays), then packs them."""

    terms: dict[str, int] = field(default_factory=dict)
    rows: list[array[int]] = field(default_factory=list)
    counts: list[array[int]] = field(default_factory=list)
    pairs: dict[int, array[int]] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)

    def term(self, stem: str) -> int:
        found = self.terms.get(stem)
        if found is None:
            found = self.terms[stem] = len(self.rows)
            self.rows.append(array("i"))
            self.counts.append(array("i"))
        return found


def _concatenate(rows: Sequence[array[int]]) -> tuple[npt.NDArray[np.int64], Ints]:
    """Row starts and all values of a list of int arrays, as numpy arrays."""
    sizes = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    if not rows:
        return starts, np.zeros(0, dtype=np.int32)
    values = np.concatenate([np.frombuffer(r, dtype=np.int32) for r in rows]).astype(np.int32)
    return starts, values


class ParagraphIndex:
    """BM25 with synonym and phrase matching; footnotes carry the words of the passage that
    cites them, so "where is X published" finds X's footnote."""

    def __init__(self, documents: Sequence[Document], analyzer: Analyzer) -> None:
        self.documents = tuple(documents)
        self.analyzer = analyzer
        self.entries: list[Entry] = []
        builder = _Builder()
        lengths: list[int] = []
        for doc_index, document in enumerate(self.documents):
            for paragraph in document.paragraphs:
                lengths.append(self._add(builder, doc_index, document, paragraph))
        self._pack(builder, lengths)
        self.vocabulary = Vocabulary.build(builder.words, analyzer.lexicon)
        # A word whose stem the corpus knows ("encouraged" for "Encourages") needs no fixing.
        self.vocabulary.stems = frozenset(self.idf)
        self._clauses: BoundedCache[int, list[tuple[tuple[int, int], frozenset[str]]]]
        self._clauses = BoundedCache(CLAUSE_CACHE)
        self._memo: BoundedCache[AlternativeKey, tuple[Ints, Floats] | None]
        self._memo = BoundedCache(MEMO_ENTRIES)
        self._weights: BoundedCache[QueryTerm, float] = BoundedCache(MEMO_ENTRIES)

    # -- building ----------------------------------------------------------------------------
    def _add(
        self, builder: _Builder, doc_index: int, document: Document, paragraph: Paragraph
    ) -> int:
        text = paragraph.text
        if paragraph.kind == "fn":
            text = " ".join([text, *anchor_contexts(document, paragraph)])
        found = words(text)
        builder.words.update(found)
        ids = [builder.term(s) for s in self.analyzer.word_stems(found)]
        entry_id = len(self.entries)
        self.entries.append(Entry(doc_index, paragraph))
        for term, count in Counter(ids).items():
            builder.rows[term].append(entry_id)
            builder.counts[term].append(count)
        for key in {a << 32 | b for a, b in itertools.pairwise(ids)}:
            holders = builder.pairs.get(key)
            if holders is None:
                holders = builder.pairs[key] = array("i")
            holders.append(entry_id)
        return len(ids)

    def _pack(self, builder: _Builder, lengths: list[int]) -> None:
        count = len(self.entries)
        length = np.asarray(lengths, dtype=np.float32)
        average = float(length.mean()) if count else 1.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(average, 1.0))
        self.term_ids = builder.terms
        starts, ids = _concatenate(builder.rows)
        _, counts = _concatenate(builder.counts)
        sizes = np.diff(starts)
        tf = counts.astype(np.float32)
        values = (tf * (BM25_K1 + 1) / (tf + norm[ids])).astype(np.float32)
        self._postings = _Postings(starts, ids, values)
        builder.rows.clear()
        builder.counts.clear()
        df = sizes.astype(np.float64)
        idf = np.log(1 + (count - df + 0.5) / (df + 0.5))
        self.idf = {stem: float(idf[i]) for stem, i in builder.terms.items()}
        self._idf = idf.astype(np.float32)
        self.max_idf = math.log(1 + (count + 0.5) / 0.5)
        keys = np.fromiter(builder.pairs.keys(), dtype=np.int64, count=len(builder.pairs))
        order = np.argsort(keys)
        rows = list(builder.pairs.values())
        builder.pairs.clear()
        pair_starts, pair_ids = _concatenate([rows[i] for i in order])
        self._pair_keys = keys[order]
        self._pairs = _Postings(pair_starts, pair_ids, np.empty(0, dtype=np.float32))
        self._documents = np.fromiter(
            (e.document for e in self.entries), dtype=np.int32, count=count
        )
        self._kinds = np.fromiter(
            (KIND_CODES[e.paragraph.kind] for e in self.entries), dtype=np.int8, count=count
        )
        self._doc_ranges = _ranges(self._documents, len(self.documents))
        self._by_id = {(e.document, e.paragraph.id): i for i, e in enumerate(self.entries)}

    # -- entries -------------------------------------------------------------------------------
    def entry_id(self, entry: Entry) -> int:
        """The row of an entry (in the postings and in a semantic index built over entries)."""
        return self._by_id[(entry.document, entry.paragraph.id)]

    def entry_mask(self, documents: frozenset[int] | None) -> npt.NDArray[np.bool_]:
        """Which entries belong to the given documents (all when None)."""
        if documents is None:
            return np.ones(len(self.entries), dtype=bool)
        return np.isin(self._documents, np.fromiter(documents, dtype=np.int32))

    def document_entries(self, document: int) -> list[Entry]:
        """The entries of one document, in order."""
        if not 0 <= document < len(self._doc_ranges):
            return []
        a, b = self._doc_ranges[document]
        return self.entries[a:b]

    def paragraph_stems(self, entry: Entry) -> frozenset[str]:
        """Every stem of a paragraph (the union of its clauses')."""
        return frozenset().union(*(stems for _, stems in self.clauses(entry)))

    def citing(self, entry: Entry) -> list[int]:
        """The entry ids of the paragraphs that cite a footnote."""
        found = (self._by_id.get((entry.document, p)) for p in entry.paragraph.cited_by)
        return [i for i in found if i is not None]

    def embedded_mask(self) -> npt.NDArray[np.bool_]:
        """Entries whose kind carries a sentence vector (not footnotes)."""
        return np.asarray(self._kinds != KIND_CODES["fn"], dtype=bool)

    def documents_holding(self, stems: Sequence[str]) -> frozenset[int]:
        """The documents some (non-footnote) paragraph of which holds each of the stems (not
        necessarily the same paragraph)."""
        found: frozenset[int] | None = None
        for stem in stems:
            row = self.term_ids.get(stem)
            if row is None:
                return frozenset()
            ids, _ = self._postings.row(row)
            ids = ids[self._kinds[ids] != KIND_CODES["fn"]]
            held = frozenset(int(d) for d in np.unique(self._documents[ids]))
            found = held if found is None else found & held
            if not found:
                return frozenset()
        return found or frozenset()

    # -- querying ------------------------------------------------------------------------------
    def query(self, text: str) -> Query:
        return self.analyzer.query(text, self.vocabulary)

    def term_weight(self, term: QueryTerm) -> float:
        """How much a term matters: the idf of its best-known alternative."""
        return self._weights.get_or_compute(term, self._term_weight)

    def _term_weight(self, term: QueryTerm) -> float:
        found = 0.0
        for alternative in term.alternatives:
            idfs = [self.idf.get(s, UNKNOWN_WEIGHT * self.max_idf) for s in alternative.stems]
            found = max(found, (sum(idfs) / len(idfs)) * alternative.weight)
        return found

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
        count = len(self.entries)
        if not count or not query.terms:
            return []
        weights = [self.term_weight(t) for t in query.terms]
        total = sum(weights) or 1.0
        scores = np.zeros(count, dtype=np.float32)
        covered = np.zeros(count, dtype=np.float32)
        best = np.zeros(count, dtype=np.float32)
        for term, weight in zip(query.terms, weights, strict=True):
            best.fill(0.0)
            cap = self._own_idf(term)
            for alternative in term.alternatives:
                found = self._alternative(alternative, cap)
                if found is not None:
                    ids, values = found  # ids are unique within one alternative
                    best[ids] = np.maximum(best[ids], values)
            scores += best
            covered += np.float32(weight) * (best > 0)
        if kind_boost:
            table = np.ones(len(KIND_CODES), dtype=np.float32)
            for kind, factor in kind_boost.items():
                table[KIND_CODES[kind]] = factor
            scores *= table[self._kinds]
        if focus:
            for key, factor in focus.items():
                entry_id = self._by_id.get(key)
                if entry_id is not None:
                    scores[entry_id] *= factor
        if documents is not None:
            scores = self._restrict(scores, documents)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        # Rank by score, nudged towards paragraphs that answer more of the question (a long
        # paragraph that holds every term beats a short one repeating part of it); the score
        # itself, which the confidence reads, is left as it is.
        ranking = scores * (RANK_FLOOR + (1 - RANK_FLOOR) * covered / np.float32(total))
        top = candidates[_top(ranking[candidates], k)]
        ranked = sorted(
            (int(i) for i in top),
            key=lambda i: (
                -float(ranking[i]),
                self.entries[i].document,
                _order(self.entries[i].paragraph),
            ),
        )
        return [
            Hit(self.entries[i], float(scores[i]), float(covered[i]) / total) for i in ranked[:k]
        ]

    def _restrict(self, scores: Floats, documents: frozenset[int]) -> Floats:
        kept = np.zeros_like(scores)
        for document in documents:
            if 0 <= document < len(self._doc_ranges):
                a, b = self._doc_ranges[document]
                kept[a:b] = scores[a:b]
        return kept

    def _own_idf(self, term: QueryTerm) -> float | None:
        """The idf of the words the user wrote, when the corpus has them: a synonym may not
        count for more than the word it stands for ("promoted" -> "advance")."""
        own = term.alternatives[0].stems
        if not all(s in self.idf for s in own):
            return None
        return sum(self.idf[s] for s in own) / len(own)

    def _alternative(
        self, alternative: Alternative, cap: float | None
    ) -> tuple[Ints, Floats] | None:
        """Entries holding every stem of the alternative, with its BM25 contribution;
        remembered per alternative (questions share their thesaurus expansions)."""
        key = (alternative.stems, alternative.weight, cap)
        if key in self._memo:
            return self._memo[key]
        found = self._compute_alternative(alternative, cap)
        if found is None or len(found[0]) <= MEMO_MAX_IDS:
            self._memo.put(key, found)
        return found

    def _compute_alternative(
        self, alternative: Alternative, cap: float | None
    ) -> tuple[Ints, Floats] | None:
        rows = [self.term_ids.get(s) for s in alternative.stems]
        if any(r is None for r in rows):
            return None
        capped = cap if cap is not None and alternative.weight < 1.0 else None
        ids, values = self._weighted_row(rows[0], capped)  # type: ignore[arg-type]
        if len(rows) == 1:
            return ids, values * np.float32(alternative.weight)
        for row in rows[1:]:
            other_ids, other_values = self._weighted_row(row, capped)  # type: ignore[arg-type]
            if not len(other_ids):
                return None
            # Both id lists are sorted: one binary search each beats a set intersection.
            at = np.minimum(np.searchsorted(other_ids, ids), len(other_ids) - 1)
            shared = other_ids[at] == ids
            ids, values = ids[shared], values[shared] + other_values[at[shared]]
            if not len(ids):
                return None
        together = self._adjacent(rows, ids)  # type: ignore[arg-type]
        factor = np.where(together, 1.0 + PHRASE_BONUS * (len(rows) - 1), SCATTERED_PHRASE)
        scale = alternative.weight / len(rows)
        return ids, (values * factor * scale).astype(np.float32)

    def _weighted_row(self, row: int, cap: float | None) -> tuple[Ints, Floats]:
        ids, values = self._postings.row(row)
        idf = float(self._idf[row])
        if cap is not None:
            idf = min(idf, cap)
        return ids, values * np.float32(idf)

    def _adjacent(self, rows: Sequence[int], ids: Ints) -> npt.NDArray[np.bool_]:
        """Whether each entry holds every consecutive pair of the phrase side by side."""
        together = np.ones(len(ids), dtype=bool)
        for a, b in itertools.pairwise(rows):
            key = np.int64(a) << np.int64(32) | np.int64(b)
            at = int(np.searchsorted(self._pair_keys, key))
            if at >= len(self._pair_keys) or self._pair_keys[at] != key:
                return np.zeros(len(ids), dtype=bool)
            together &= _members(ids, self._pairs.row(at)[0])
        return together

    def matched(self, hit: Hit, query: Query) -> tuple[str, ...]:
        """The surfaces of the query terms a hit matched (for /debug)."""
        entry_id = self._by_id[(hit.entry.document, hit.paragraph.id)]
        found = []
        for term in query.terms:
            for alternative in term.alternatives:
                rows = [self.term_ids.get(s) for s in alternative.stems]
                if all(r is not None and self._has(r, entry_id) for r in rows):
                    found.append(alternative.surface)
                    break
        return tuple(found)

    def _has(self, row: int, entry_id: int) -> bool:
        ids, _ = self._postings.row(row)
        at = int(np.searchsorted(ids, entry_id))
        return at < len(ids) and int(ids[at]) == entry_id

    def clauses(self, entry: Entry) -> list[tuple[tuple[int, int], frozenset[str]]]:
        """The clause spans of a paragraph with their stems, computed once per paragraph."""
        key = self._by_id[(entry.document, entry.paragraph.id)]
        cached = self._clauses.get(key)
        if cached is None:
            text = entry.paragraph.text
            cached = [
                (span, frozenset(self.analyzer.text_stems(text[span[0] : span[1]])))
                for span in clause_spans(text)
            ]
            self._clauses.put(key, cached)
        return cached


def _members(ids: Ints, sorted_ids: Ints) -> npt.NDArray[np.bool_]:
    """Which of ids are in sorted_ids (both sorted, unique): one binary search each."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.asarray(sorted_ids[at] == ids, dtype=bool)


def _top(values: Floats, k: int) -> Ints:
    if len(values) <= k:
        return np.arange(len(values), dtype=np.int32)
    return np.argpartition(-values, k)[:k].astype(np.int32)


def _ranges(documents: Ints, count: int) -> list[tuple[int, int]]:
    """Entries of one document are contiguous: (start, end) per document index."""
    starts = np.searchsorted(documents, np.arange(count), side="left")
    ends = np.searchsorted(documents, np.arange(count), side="right")
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _order(paragraph: Paragraph) -> tuple[int, int]:
    return KIND_CODES[paragraph.kind], paragraph.number


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
