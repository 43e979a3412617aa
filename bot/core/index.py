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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from bot.core.analysis import Alternative, Analyzer, Query, QueryTerm, Vocabulary
from bot.core.cache import BoundedCache
from bot.core.models import Document, Paragraph
from bot.core.postings import KIND_CODES, KINDS, IndexArrays, anchor_contexts, build_arrays
from bot.core.text import clause_spans

__all__ = [
    "Alternative",
    "Analyzer",
    "Entry",
    "Hit",
    "IndexArrays",
    "ParagraphIndex",
    "Query",
    "QueryTerm",
    "Vocabulary",
    "anchor_contexts",
]

PHRASE_BONUS = 0.35
SCATTERED_PHRASE = 0.5
UNKNOWN_WEIGHT = 1.0
# (stems, weight, cap) of a query alternative: the key of its memoised postings.
AlternativeKey = tuple[tuple[str, ...], float, float | None]
CLAUSE_CACHE = 4096
MEMO_ENTRIES = 4096
RANK_FLOOR = 0.6
MEMO_MAX_IDS = 20_000
# Alternatives held by more entries (a common word of a large corpus) are kept apart, fewer
# of them: at 10,000 resolutions one is up to 2.3 MB, and recomputing the few that most
# questions share was a fifth of a question's time.
MEMO_LARGE = 24
# A term whose alternatives hold more than 1/DENSE_SHARE of the entries is added in an array
# over every entry; a rarer one entry by entry.
DENSE_SHARE = 16
MAX_SPANS = 64  # documents a search looks up range by range (more: masked at the end)
ROW_TABLES = 4096  # documents whose paragraph id -> row table is kept
STEM_DOCUMENTS = 1024  # stems whose documents (a mask of them) are kept

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Entry:
    """A paragraph as the index sees it: its row (`id`) and its document's position."""

    id: int
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


class _Entries(Sequence[Entry]):
    """The index's entries, made when asked for: a paragraph of a saved engine is read from
    its arrays only when a hit or a caller needs it."""

    __slots__ = ("_index",)

    def __init__(self, index: ParagraphIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index._kinds)

    @overload
    def __getitem__(self, position: int) -> Entry: ...

    @overload
    def __getitem__(self, position: slice) -> list[Entry]: ...

    def __getitem__(self, position: int | slice) -> Entry | list[Entry]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._index.entry(position)

    def __iter__(self) -> Iterator[Entry]:
        return (self._index.entry(i) for i in range(len(self)))


class ParagraphIndex:
    """BM25 with synonym and phrase matching; footnotes carry the words of the passage that
    cites them, so "where is X published" finds X's footnote.

    Built from the documents (bot.core.postings), or given the arrays a saved engine kept."""

    def __init__(
        self,
        documents: Sequence[Document],
        analyzer: Analyzer,
        arrays: IndexArrays | None = None,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.documents = tuple(documents)
        self.analyzer = analyzer
        if arrays is None:
            arrays = build_arrays(self.documents, analyzer, progress)
        if arrays.documents != len(self.documents):
            raise ValueError(
                f"the index arrays hold {arrays.documents} documents, not {len(self.documents)}"
            )
        self.arrays = arrays
        count = arrays.entries
        self.term_ids = {stem: i for i, stem in enumerate(arrays.stems)}
        df = np.diff(arrays.post_start).astype(np.float64)
        idf = np.log(1 + (count - df + 0.5) / (df + 0.5))
        self.idf: dict[str, float] = dict(zip(arrays.stems, idf.tolist(), strict=True))
        self._idf = idf.astype(np.float32)
        self.max_idf = math.log(1 + (count + 0.5) / 0.5)
        self._postings = _Postings(arrays.post_start, arrays.post_ids, arrays.post_values)
        self._pair_keys = arrays.pair_keys
        self._pairs = _Postings(
            arrays.pair_key_start, arrays.pair_ids, np.empty(0, dtype=np.float32)
        )
        self._doc_start = arrays.doc_start
        self._documents = np.repeat(
            np.arange(len(self.documents), dtype=np.int32), np.diff(arrays.doc_start)
        )
        self._kinds = arrays.kinds
        self._numbers = arrays.numbers
        self.entries: Sequence[Entry] = _Entries(self)
        self.vocabulary = Vocabulary.build(arrays.words, analyzer.lexicon)
        # A word whose stem the corpus knows ("encouraged" for "Encourages") needs no fixing.
        self.vocabulary.stems = frozenset(self.idf)
        self._clauses: BoundedCache[int, list[tuple[tuple[int, int], frozenset[str]]]]
        self._clauses = BoundedCache(CLAUSE_CACHE)
        self._memo: BoundedCache[AlternativeKey, tuple[Ints, Floats] | None]
        self._memo = BoundedCache(MEMO_ENTRIES)
        self._memo_large: BoundedCache[AlternativeKey, tuple[Ints, Floats] | None]
        self._memo_large = BoundedCache(MEMO_LARGE)
        self._weights: BoundedCache[QueryTerm, float] = BoundedCache(MEMO_ENTRIES)
        self._rows: BoundedCache[int, dict[str, int]] = BoundedCache(ROW_TABLES)
        self._stem_documents: BoundedCache[str, npt.NDArray[np.bool_]]
        self._stem_documents = BoundedCache(STEM_DOCUMENTS)

    # -- entries -------------------------------------------------------------------------------
    def entry(self, entry_id: int) -> Entry:
        document: int = self._documents.item(entry_id)
        position = entry_id - int(self._doc_start.item(document))
        return Entry(entry_id, document, self.documents[document].paragraphs[position])

    def entry_id(self, entry: Entry) -> int:
        """The row of an entry (in the postings, and in any array kept per entry)."""
        return entry.id

    def find(self, document: int, paragraph_id: str) -> int | None:
        """The row of a document's paragraph ("op3"), None when it has none such (a table
        per document, made when first asked and kept for the recently asked ones)."""
        rows = self._rows.get(document)
        if rows is None:
            if not 0 <= document < len(self.documents):
                return None
            a, b = self._span(document)
            pairs = zip(self._kinds[a:b].tolist(), self._numbers[a:b].tolist(), strict=True)
            rows = {f"{KINDS[k]}{n}": a + i for i, (k, n) in enumerate(pairs)}
            self._rows.put(document, rows)
        return rows.get(paragraph_id)

    def entry_mask(self, documents: frozenset[int] | None) -> npt.NDArray[np.bool_]:
        """Which entries belong to the given documents (all when None)."""
        if documents is None:
            return np.ones(len(self.entries), dtype=bool)
        mask = np.zeros(len(self.entries), dtype=bool)
        for document in documents:
            if 0 <= document < len(self.documents):
                mask[slice(*self._span(document))] = True
        return mask

    def _span(self, document: int) -> tuple[int, int]:
        """The entry ids of a document: first, and one past its last."""
        return int(self._doc_start[document]), int(self._doc_start[document + 1])

    def document_entries(self, document: int) -> list[Entry]:
        """The entries of one document, in order."""
        if not 0 <= document < len(self.documents):
            return []
        a, b = self._span(document)
        return [self.entry(i) for i in range(a, b)]

    def holding(self, stems: Sequence[str], document: int) -> npt.NDArray[np.bool_]:
        """Per entry of the document, in order: whether it holds every one of the stems (read
        from the postings, without stemming the document's text)."""
        first, stop = self._span(document)
        held = np.ones(stop - first, dtype=bool)
        for stem in stems:
            ids = self.stem_entries(stem)
            low, high = np.searchsorted(ids, [first, stop])
            found = np.zeros(stop - first, dtype=bool)
            found[ids[low:high] - first] = True
            held &= found
        return held

    def held_in(self, stem: str, documents: frozenset[int]) -> bool:
        """Whether some entry of the documents, footnotes included, holds the stem (by the
        postings' document ranges: no mask over the whole corpus)."""
        ids = self.stem_entries(stem)
        for document in documents:
            if 0 <= document < len(self.documents):
                first, stop = self._span(document)
                low, high = np.searchsorted(ids, [first, stop])
                if high > low:
                    return True
        return False

    def embedded_in(self, document: int) -> npt.NDArray[np.bool_]:
        """Per entry of the document, in order: whether its kind carries a sentence vector."""
        first, stop = self._span(document)
        return np.asarray(self._kinds[first:stop] != KIND_CODES["fn"], dtype=bool)

    def citing(self, entry: Entry) -> list[int]:
        """The entry ids of the paragraphs that cite a footnote."""
        found = (self.find(entry.document, p) for p in entry.paragraph.cited_by)
        return [i for i in found if i is not None]

    def embedded_mask(self) -> npt.NDArray[np.bool_]:
        """Entries whose kind carries a sentence vector (not footnotes)."""
        return np.asarray(self._kinds != KIND_CODES["fn"], dtype=bool)

    def document_mask(self, stems: Sequence[str]) -> npt.NDArray[np.bool_]:
        """A mask of the documents some (non-footnote) paragraph of which holds each of the
        stems, not necessarily the same paragraph (none when `stems` is empty)."""
        found: npt.NDArray[np.bool_] | None = None
        for stem in stems:
            held = self._stem_documents.get_or_compute(stem, self._documents_of)
            found = held if found is None else found & held
            if not found.any():
                break
        return found if found is not None else np.zeros(len(self.documents), dtype=bool)

    def _documents_of(self, stem: str) -> npt.NDArray[np.bool_]:
        """The documents whose non-footnote paragraphs hold the stem (read-only: shared by
        every caller of the cache)."""
        marked = np.zeros(len(self.documents), dtype=bool)  # quicker than np.unique
        row = self.term_ids.get(stem)
        if row is not None:
            ids, _ = self._postings.row(row)
            marked[self._documents[ids[self._kinds[ids] != KIND_CODES["fn"]]]] = True
        marked.flags.writeable = False
        return marked

    def stem_entries(self, stem: str) -> Ints:
        """The entries (sorted) holding the stem."""
        row = self.term_ids.get(stem)
        return self._postings.row(row)[0] if row is not None else np.zeros(0, dtype=np.int32)

    def pair_entries(self, first: str, second: str) -> Ints:
        """The entries (sorted) where the two stems stand side by side, stopwords left out."""
        a, b = self.term_ids.get(first), self.term_ids.get(second)
        at = self._pair_row(a, b) if a is not None and b is not None else None
        return self._pairs.row(at)[0] if at is not None else np.zeros(0, dtype=np.int32)

    def _pair_row(self, a: int, b: int) -> int | None:
        key = np.int64(a) << np.int64(32) | np.int64(b)
        at = int(np.searchsorted(self._pair_keys, key))
        return at if at < len(self._pair_keys) and self._pair_keys[at] == key else None

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
        count = len(self._kinds)
        if not count or not query.terms:
            return []
        weights = [self.term_weight(t) for t in query.terms]
        total = sum(weights) or 1.0
        spans = self._spans(documents)
        sums = _Sums(count)
        for term, weight in zip(query.terms, weights, strict=True):
            sums.add(self._term_postings(term, spans), np.float32(weight))
        scores, covered = sums.scores, sums.covered
        candidates = self._candidates(scores, documents, spans)
        if kind_boost:
            table = np.ones(len(KIND_CODES), dtype=np.float32)
            for kind, factor in kind_boost.items():
                table[KIND_CODES[kind]] = factor
            scores[candidates] *= table[self._kinds[candidates]]
        if focus:
            for (document, paragraph_id), factor in focus.items():
                entry_id = self.find(document, paragraph_id)
                if entry_id is not None:
                    scores[entry_id] *= factor
        candidates = candidates[scores[candidates] > 0]
        if not len(candidates):
            return []
        # Rank by score, nudged towards paragraphs that answer more of the question (a long
        # paragraph that holds every term beats a short one repeating part of it); the score
        # itself, which the confidence reads, is left as it is.
        held = covered[candidates]
        ranking = scores[candidates] * (RANK_FLOOR + (1 - RANK_FLOOR) * held / np.float32(total))
        chosen = _top(ranking, k)
        top = candidates[chosen]
        # Best first; ties by document, kind and number (unique within the corpus).
        ranked = sorted(
            zip(
                (-ranking[chosen]).tolist(),
                self._documents[top].tolist(),
                self._kinds[top].tolist(),
                self._numbers[top].tolist(),
                top.tolist(),
                scores[top].tolist(),
                covered[top].tolist(),
                strict=True,
            )
        )
        return [Hit(self.entry(i), s, c / total) for *_, i, s, c in ranked[:k]]

    def _spans(self, documents: frozenset[int] | None) -> list[tuple[int, int]] | None:
        """The entry ranges of a search's few documents, in order (None: all documents, or
        too many of them to look up range by range)."""
        if documents is None or len(documents) > MAX_SPANS:
            return None
        starts = self._doc_start
        return [
            (int(starts[d]), int(starts[d + 1]))
            for d in sorted(documents)
            if 0 <= d < len(self.documents)
        ]

    def _term_postings(
        self, term: QueryTerm, spans: list[tuple[int, int]] | None
    ) -> list[tuple[Ints, Floats]]:
        """The entries of each alternative of the term that the corpus holds, with their
        contributions, within `spans` when given."""
        cap = self._own_idf(term)
        found = []
        for alternative in term.alternatives:
            postings = self._alternative(alternative, cap)
            if postings is not None:
                found.append(postings if spans is None else _within(postings, spans))
        return found

    def _candidates(
        self,
        scores: Floats,
        documents: frozenset[int] | None,
        spans: list[tuple[int, int]] | None,
    ) -> npt.NDArray[np.int64]:
        """The entries (in order) of the searched documents that scored."""
        if spans is not None:
            parts = [a + np.flatnonzero(scores[a:b] > 0) for a, b in spans]
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        found = np.flatnonzero(scores > 0)
        return found if documents is None else found[self.entry_mask(documents)[found]]

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
        for memo in (self._memo, self._memo_large):
            if key in memo:
                return memo[key]
        found = self._compute_alternative(alternative, cap)
        large = found is not None and len(found[0]) > MEMO_MAX_IDS
        (self._memo_large if large else self._memo).put(key, found)
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
            at = self._pair_row(a, b)
            if at is None:
                return np.zeros(len(ids), dtype=bool)
            together &= members(ids, self._pairs.row(at)[0])
        return together

    def matched(self, hit: Hit, query: Query) -> tuple[str, ...]:
        """The surfaces of the query terms a hit matched (for /debug)."""
        entry_id = hit.entry.id
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
        key = entry.id
        cached = self._clauses.get(key)
        if cached is None:
            text = entry.paragraph.text
            cached = [
                (span, frozenset(self.analyzer.text_stems(text[span[0] : span[1]])))
                for span in clause_spans(text)
            ]
            self._clauses.put(key, cached)
        return cached


class _Sums:
    """A search's sums per entry: the BM25 scores of the terms and the weights of the terms
    matched. A term adds to its entries only (a zero added elsewhere changes nothing): in
    float32, in the order of the terms, whichever way it is added."""

    __slots__ = ("_best", "covered", "scores")

    def __init__(self, count: int) -> None:
        self.scores = np.zeros(count, dtype=np.float32)
        self.covered = np.zeros(count, dtype=np.float32)
        self._best: Floats | None = None

    def add(self, found: list[tuple[Ints, Floats]], weight: np.float32) -> None:
        """One term: its alternatives' entries and contributions (the best one counts)."""
        if not found:
            return
        dense = sum(len(ids) for ids, _ in found) * DENSE_SHARE >= len(self.scores)
        if len(found) == 1 and not dense:
            self._add_sparse(*found[0], weight)
            return
        if self._best is None:
            self._best = np.zeros(len(self.scores), dtype=np.float32)
        best = self._best  # all zero between terms
        for ids, values in found:  # ids are unique within one alternative
            best[ids] = np.maximum(best[ids], values)
        if dense:
            self.scores += best
            self.covered += weight * (best > 0)
            best.fill(0.0)
            return
        held = np.flatnonzero(best)  # a zero would add nothing
        values = best[held]
        best[held] = 0.0
        self._add_sparse(held, values, weight)

    def _add_sparse(self, ids: npt.NDArray[np.integer], best: Floats, weight: np.float32) -> None:
        self.scores[ids] += best
        self.covered[ids] += weight * (best > 0)


def _within(postings: tuple[Ints, Floats], spans: list[tuple[int, int]]) -> tuple[Ints, Floats]:
    """The postings (sorted ids and their values) inside the entry ranges."""
    ids, values = postings
    cuts = np.searchsorted(ids, [bound for span in spans for bound in span]).tolist()
    if len(spans) == 1:
        return ids[cuts[0] : cuts[1]], values[cuts[0] : cuts[1]]
    pieces = list(zip(cuts[::2], cuts[1::2], strict=True))
    return (
        np.concatenate([ids[a:b] for a, b in pieces]) if pieces else ids[:0],
        np.concatenate([values[a:b] for a, b in pieces]) if pieces else values[:0],
    )


def members(ids: Ints, sorted_ids: Ints) -> npt.NDArray[np.bool_]:
    """Which of ids are in sorted_ids (both sorted, unique): one binary search each."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.asarray(sorted_ids[at] == ids, dtype=bool)


def _top(values: Floats, k: int) -> Ints:
    if len(values) <= k:
        return np.arange(len(values), dtype=np.int32)
    return np.argpartition(-values, k)[:k].astype(np.int32)
