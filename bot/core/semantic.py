"""Semantic matching, pure: vectors in, scores out.

Sentence vectors of every paragraph and of every clause of a paragraph (a long paragraph's
mean-pooled vector is diluted by its other clauses, so a question about one clause is matched
against that clause too) are computed once, when the engine is built, by an `Encoder` that the
loaders supply (bot.semantic_model runs a model on onnxruntime); they travel in the saved engine
as plain numpy arrays (`SemanticIndex.arrays`), float16 in a saved engine. A question is
encoded once and scored against all of them with one matrix product while they are few
(`EXACT_MAX_ROWS`, measured: docs/performance.md); beyond that, an inverted file over the same
float16 rows (faiss-cpu IndexIVFScalarQuantizer, QT_fp16, filled from the arrays: k-means
centroids and each row's list, saved with the engine, `IvfLists`) gives each question the rows
of the `NPROBE` lists nearest to it, and the paragraphs a question needs besides (the lexical
hits, the resolution it is scoped to) are scored exactly.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.core.models import Paragraph
from bot.core.stacked import Table
from bot.core.text import clause_spans

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]

# Kinds whose text carries meaning worth embedding: a footnote is a reference
# ("A/CONF.157/24 (Part I), chap. III."), matched by its words alone.
EMBEDDED_KINDS = frozenset({"pp", "op", "ax"})
# Texts handed to the encoder at a time, sorted by length: it runs them in batches of a token
# budget, two batches at a time (bot.semantic_model.encoder), so a new resolution's ~55 texts
# are one call whose batches share both cores (16 a call left most calls one or two batches).
ENCODE_BATCH = 64
# Exact search reads every row; beyond this many paragraph and clause rows, the inverted file
# (measured on the bench machine: an exact product over 20,000 rows of 384 takes about 3 ms,
# over 80,000 11-130 ms; the IVF 0.2-1.3 ms up to 800,000 rows).
EXACT_MAX_ROWS = 20_000
NPROBE = 16
APPROXIMATE_K = 48  # rows taken from the inverted file, per table (paragraphs, clauses)
CHUNK_ROWS = 4096  # rows assigned or scanned at a time (about 20 MB of work arrays)
KMEANS_ITERATIONS = 10
SAMPLE_PER_LIST = 40
UNASSIGNED = -1


class EncoderUnavailable(RuntimeError):
    """An encoder cannot run (its model is missing or altered): the engine goes on lexically."""


@runtime_checkable
class Encoder(Protocol):
    """Texts -> float32 unit vectors, one row per text, from one model (`model_id`)."""

    @property
    def model_id(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Floats: ...


@dataclass(frozen=True, slots=True)
class SemanticScores:
    """One question against the index: per entry, the best of its paragraph and clause
    cosines, and which clause gave it (-1: the paragraph as a whole). With approximate search
    `entry` is NaN where a paragraph was not scored; `cosine` scores it exactly when read."""

    entry: Floats
    clause: Ints
    exact: Callable[[int], float] | None = None

    def cosine(self, entry_id: int) -> float:
        value = float(self.entry[entry_id])
        if value != value and self.exact is not None:  # NaN: not among the rows searched
            return self.exact(entry_id)
        return value


@dataclass
class SemanticIndex:
    """Unit vectors of the paragraphs (row = ParagraphIndex entry id; zeros for footnotes)
    and of their clauses (`clause_entry` says whose, `clause_spans` where)."""

    model_id: str
    # float32, or float16 when saved (then possibly stacked segments: bot.core.stacked)
    paragraph_vectors: Table
    clause_vectors: Table
    clause_entry: Ints
    clause_spans: Ints
    # The inverted file (None: exact search): centroids, and each row's list.
    lists: IvfLists | None = None
    _search: _Approximate | None = field(default=None, repr=False, compare=False)
    _exact: tuple[Floats, Floats] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        paragraphs: Sequence[Paragraph],
        encoder: Encoder,
        advance: Callable[[int], None] | None = None,
        clauses: Sequence[Sequence[tuple[int, int]]] | None = None,
    ) -> SemanticIndex:
        """Encode each embedded paragraph and, when it has more than one clause, each clause
        (`advance` is told how many texts each batch encoded; `clauses`, each paragraph's
        clause_spans when the caller has them already)."""
        texts: list[str] = []
        rows: list[int] = []
        clause_texts: list[str] = []
        owners: list[int] = []
        spans: list[tuple[int, int]] = []
        for entry_id, paragraph in enumerate(paragraphs):
            if paragraph.kind not in EMBEDDED_KINDS:
                continue
            texts.append(paragraph.text)
            rows.append(entry_id)
            pieces = clause_spans(paragraph.text) if clauses is None else clauses[entry_id]
            if len(pieces) > 1:
                for start, end in pieces:
                    clause_texts.append(paragraph.text[start:end])
                    owners.append(entry_id)
                    spans.append((start, end))
        # One call for both: its batches share the model's runs (a new resolution's 27
        # paragraphs and 30 clauses made 5 and 3 batches, each call's last run alone).
        vectors = _encode(encoder, texts + clause_texts, advance=advance)
        dimension = vectors.shape[1] if len(texts) else 0
        clause_vectors = vectors[len(texts) :].copy()
        paragraph_vectors = np.zeros((len(paragraphs), dimension), dtype=np.float32)
        if rows:
            paragraph_vectors[np.asarray(rows)] = vectors[: len(texts)]
        return cls(
            model_id=encoder.model_id,
            paragraph_vectors=paragraph_vectors,
            clause_vectors=clause_vectors,
            clause_entry=np.asarray(owners, dtype=np.int32),
            clause_spans=np.asarray(spans, dtype=np.int32).reshape(-1, 2),
        )

    @property
    def size(self) -> int:
        return int(self.paragraph_vectors.shape[0])

    @property
    def rows(self) -> int:
        return int(self.paragraph_vectors.shape[0] + self.clause_vectors.shape[0])

    @property
    def approximate(self) -> bool:
        """Searched through the inverted file (it has one, and exact search is too slow)."""
        return self.lists is not None and self.rows > EXACT_MAX_ROWS and _faiss() is not None

    def compact(self) -> SemanticIndex:
        """The same vectors as float16 (half of float32; cosines change by about 1e-3)."""
        return SemanticIndex(
            self.model_id,
            np.asarray(self.paragraph_vectors, dtype=np.float16),
            np.asarray(self.clause_vectors, dtype=np.float16),
            self.clause_entry,
            self.clause_spans,
            self.lists,
        )

    def prepare(self) -> None:
        """Make what a search reads (the inverted file, or float32 copies for exact search),
        then search once, scoped to one paragraph as a question naming a resolution is: a
        first question would do both otherwise (the first search alone took 15-25 ms at 1,000
        resolutions: faiss's threads started, numpy's modules for set operations imported).
        Thread-safe, idempotent."""
        if self.approximate:
            self._approximate()
        else:
            self._float32()
        if self.size:
            unit = np.zeros(self.paragraph_vectors.shape[1], dtype=np.float32)
            unit[0] = 1.0
            self.score(unit, np.zeros(1, dtype=np.int32))

    def _float32(self) -> tuple[Floats, Floats]:
        if self._exact is None:
            self._exact = (
                np.ascontiguousarray(self.paragraph_vectors, dtype=np.float32),
                np.ascontiguousarray(self.clause_vectors, dtype=np.float32),
            )
        return self._exact

    def _approximate(self) -> _Approximate:
        search = self._search
        if search is None:
            with _BUILD_LOCK:
                search = self._search
                if search is None:
                    assert self.lists is not None
                    search = _Approximate.of(self, self.lists)
                    self._search = search
        return search

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Everything but the model id, as named arrays (what a saved engine stores)."""
        return {
            "paragraph_vectors": np.asarray(self.paragraph_vectors),
            "clause_vectors": np.asarray(self.clause_vectors),
            "clause_entry": self.clause_entry,
            "clause_spans": self.clause_spans,
        }

    def score(self, question: Floats, entries: Ints | None = None) -> SemanticScores:
        """Cosines of one unit question vector against every paragraph and clause, or, with
        approximate search, against the rows its inverted file gives and those of `entries`
        (the paragraphs a question is scoped to), exactly."""
        question = np.asarray(question, dtype=np.float32)
        if self.approximate:
            return self._score_approximately(question, entries)
        paragraph_vectors, clause_vectors = self._float32()
        entry = paragraph_vectors @ question
        best_clause = np.full(self.size, -1, dtype=np.int32)
        if len(clause_vectors):
            clauses = clause_vectors @ question
            # The best clause of each entry: sort clause ids by (entry, cosine) and keep the
            # last of each entry's run.
            order = np.lexsort((clauses, self.clause_entry))
            owners = self.clause_entry[order]
            last = np.flatnonzero(np.append(owners[1:] != owners[:-1], True))
            top = order[last]
            better = clauses[top] > entry[owners[last]]
            entry[owners[last][better]] = clauses[top][better]
            best_clause[owners[last][better]] = top[better].astype(np.int32)
        return SemanticScores(entry.astype(np.float32), best_clause)

    def _score_approximately(self, question: Floats, entries: Ints | None) -> SemanticScores:
        search = self._approximate()
        entry = np.full(self.size, np.nan, dtype=np.float32)
        best_clause = np.full(self.size, -1, dtype=np.int32)
        found, _ = search.paragraphs(question)
        wanted = [found] if entries is None else [found, np.asarray(entries, dtype=np.int64)]
        rows = np.unique(np.concatenate(wanted))
        entry[rows] = self._exact_rows(rows, question)
        clause_rows, _ = search.clauses(question)
        if entries is not None and len(entries):
            first, stop = np.searchsorted(
                self.clause_entry, [int(entries.min()), 1 + int(entries.max())]
            )
            inside = np.arange(first, stop, dtype=np.int64)
            inside = inside[np.isin(self.clause_entry[inside], entries)]
            clause_rows = np.unique(np.concatenate([clause_rows, inside]))
        if len(clause_rows):
            owners = self.clause_entry[clause_rows]
            missing = np.unique(owners[np.isnan(entry[owners])])
            if len(missing):
                entry[missing] = self._exact_rows(missing.astype(np.int64), question)
            clauses = np.asarray(self.clause_vectors[clause_rows], dtype=np.float32) @ question
            for row, owner, cosine in zip(
                clause_rows.tolist(), owners.tolist(), clauses.tolist(), strict=True
            ):
                if cosine > entry[owner]:
                    entry[owner] = cosine
                    best_clause[owner] = row
        return SemanticScores(entry, best_clause, lambda i: self._entry_cosine(i, question))

    def _exact_rows(self, rows: npt.NDArray[np.int64], question: Floats) -> Floats:
        vectors = np.asarray(self.paragraph_vectors[rows], dtype=np.float32)
        return (vectors @ question).astype(np.float32)

    def _entry_cosine(self, entry_id: int, question: Floats) -> float:
        """An entry's cosine (the best of its paragraph and its clauses), exactly."""
        best = float(self._exact_rows(np.asarray([entry_id]), question)[0])
        return max([best, *self.clause_cosines(entry_id, question).values()])

    def clause_cosines(self, entry_id: int, question: Floats) -> dict[tuple[int, int], float]:
        """The cosine of each clause span of one entry (empty for a one-clause paragraph)."""
        first, stop = np.searchsorted(self.clause_entry, [entry_id, entry_id + 1])
        found = np.arange(first, stop)
        cosines = np.asarray(self.clause_vectors[first:stop], dtype=np.float32) @ question
        return {
            (int(self.clause_spans[i][0]), int(self.clause_spans[i][1])): float(c)
            for i, c in zip(found, cosines, strict=True)
        }


def _encode(
    encoder: Encoder, texts: Sequence[str], advance: Callable[[int], None] | None = None
) -> Floats:
    """Encode in batches of texts of similar length (a batch is padded to its longest)."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: Floats | None = None
    for start in range(0, len(order), ENCODE_BATCH):
        rows = order[start : start + ENCODE_BATCH]
        encoded = np.asarray(encoder.encode([texts[i] for i in rows]), dtype=np.float32)
        if vectors is None:  # each batch goes to its rows: no list of batches to join
            vectors = np.empty((len(texts), encoded.shape[1]), dtype=np.float32)
        vectors[rows] = encoded
        if advance is not None:
            advance(len(rows))
    assert vectors is not None
    return vectors


# -- the inverted file ----------------------------------------------------------------------
_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class IvfLists:
    """Centroids (unit rows) and the list of each paragraph row and clause row (-1: a row
    without a vector, such as a footnote's, or not assigned yet)."""

    centroids: Floats
    paragraph_lists: Ints
    clause_lists: Ints

    @staticmethod
    def train(tables: Sequence[Table], seed: int = 0) -> Floats:
        """Centroids by spherical k-means over a sample of the tables' (non-zero) rows."""
        found = [nonzero_rows(t) for t in tables]
        total = sum(len(f) for f in found)
        count = max(1, min(4096, int(np.sqrt(total) + 0.5)))
        rng = np.random.default_rng(seed)
        share = min(1.0, count * SAMPLE_PER_LIST / max(total, 1))
        parts = []
        for table, rows in zip(tables, found, strict=True):
            picked = np.sort(rng.choice(rows, int(len(rows) * share + 0.5), replace=False))
            parts.append(np.asarray(table[picked], dtype=np.float32))
        return _kmeans(np.concatenate(parts), count, rng)

    @staticmethod
    def assign(vectors: Table, centroids: Floats) -> Ints:
        """The nearest centroid of each row (-1 for an all-zero row)."""
        found = np.empty(len(vectors), dtype=np.int32)
        for start in range(0, len(vectors), CHUNK_ROWS):
            block = np.asarray(vectors[start : start + CHUNK_ROWS], dtype=np.float32)
            nearest = np.argmax(block @ centroids.T, axis=1).astype(np.int32)
            nearest[~np.any(block != 0, axis=1)] = UNASSIGNED
            found[start : start + len(block)] = nearest
        return found


def nonzero_rows(table: Table) -> npt.NDArray[np.intp]:
    """The positions of a table's rows that are not all zeros (a chunk at a time: no mask
    of the whole table is made)."""
    found = [
        start + np.flatnonzero(np.any(table[start : start + CHUNK_ROWS] != 0, axis=1))
        for start in range(0, len(table), CHUNK_ROWS)
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def _kmeans(sample: Floats, count: int, rng: np.random.Generator) -> Floats:
    count = min(count, len(sample))
    centroids = sample[rng.choice(len(sample), count, replace=False)].astype(np.float32)
    for _ in range(KMEANS_ITERATIONS):
        owner = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, owner, sample)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = centroids[empty]
        norms[empty] = 1.0
        centroids = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return centroids


@functools.cache
def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        return None
    return faiss


@dataclass
class _Approximate:
    """Two faiss inverted files (paragraphs, clauses) filled from the saved float16 rows."""

    paragraph_index: Any
    clause_index: Any
    keep: tuple[Any, ...]

    @classmethod
    def of(cls, index: SemanticIndex, lists: IvfLists) -> _Approximate:
        faiss = _faiss()
        dimension = int(index.paragraph_vectors.shape[1])
        quantizer = faiss.IndexFlatIP(dimension)
        quantizer.add(np.ascontiguousarray(lists.centroids, dtype=np.float32))
        made = [
            _filled(faiss, quantizer, dimension, vectors, rows)
            for vectors, rows in (
                (index.paragraph_vectors, lists.paragraph_lists),
                (index.clause_vectors, lists.clause_lists),
            )
        ]
        return cls(made[0], made[1], (quantizer,))

    def paragraphs(self, question: Floats) -> tuple[npt.NDArray[np.int64], Floats]:
        return _probe(self.paragraph_index, question)

    def clauses(self, question: Floats) -> tuple[npt.NDArray[np.int64], Floats]:
        return _probe(self.clause_index, question)


def _filled(faiss: Any, quantizer: Any, dimension: int, vectors: Table, lists: Ints) -> Any:
    index = faiss.IndexIVFScalarQuantizer(
        quantizer,
        dimension,
        quantizer.ntotal,
        faiss.ScalarQuantizer.QT_fp16,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.is_trained = True
    index.by_residual = False
    order = np.argsort(lists, kind="stable")
    bounds = np.searchsorted(lists[order], np.arange(quantizer.ntotal + 1))
    for number in range(quantizer.ntotal):
        rows = order[bounds[number] : bounds[number + 1]].astype(np.int64)
        if len(rows):
            codes = np.ascontiguousarray(np.asarray(vectors[rows], dtype=np.float16))
            index.invlists.add_entries(
                number, len(rows), faiss.swig_ptr(rows), faiss.swig_ptr(codes.view(np.uint8))
            )
    index.ntotal = int(np.count_nonzero(lists >= 0))
    index.nprobe = NPROBE
    return index


def _probe(index: Any, question: Floats) -> tuple[npt.NDArray[np.int64], Floats]:
    if index.ntotal == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, ids = index.search(question.reshape(1, -1), APPROXIMATE_K)
    kept = ids[0] >= 0
    return ids[0][kept].astype(np.int64), scores[0][kept].astype(np.float32)
