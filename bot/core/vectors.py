"""Sentence vectors at scale: compact codes and their search. Pure: arrays in, scores out.

A table of unit vectors (one per paragraph or clause) is kept as 8-bit codes with a range per
dimension (faiss's SQ8 layout: value = low + (code + 0.5) / 255 * span), a quarter of float32:
at 10,000 resolutions, about 800,000 vectors of 384 dimensions take 300 MB instead of 1.2 GB.
A question is scored against codes as they are: cos ~ codes . (q * span / 255) + q . (low +
span / 510), one matrix product in float32 chunks.

Exact search (`VectorTable.top`) reads every row: while the table is small it meets the
latency budget (`EXACT_MAX_ROWS`, measured: docs/performance.md). Beyond it, an inverted-file
index (`IvfIndex`): k-means centroids and each row's list, plain arrays that a saved engine
keeps; a question probes the `nprobe` nearest lists only. The lists are searched by faiss
(faiss-cpu, an IndexIVFScalarQuantizer filled from these arrays, never from a serialised
blob) when it is installed, else by numpy over the same rows; a new row is added by assigning
it to its nearest centroid, a removed one by dropping it: no rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
Codes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int32]
Longs = npt.NDArray[np.int64]

EXACT_MAX_ROWS = 20_000  # about 3 ms for 384 dimensions on the bench machine (one core)
CHUNK_ROWS = 32_768
NPROBE = 16
KMEANS_ITERATIONS = 12
SAMPLE_PER_LIST = 40  # k-means trains on about this many rows per list


@dataclass(frozen=True, slots=True)
class Quantizer:
    """8 bits per dimension over that dimension's range in the data it was fitted on."""

    low: Floats
    span: Floats

    @classmethod
    def fit(cls, vectors: Floats) -> Quantizer:
        if not len(vectors):
            raise ValueError("a quantizer needs vectors to fit")
        low = vectors.min(axis=0).astype(np.float32)
        span = np.maximum(vectors.max(axis=0) - low, np.float32(1e-6)).astype(np.float32)
        return cls(low, span)

    def encode(self, vectors: Floats) -> Codes:
        scaled = np.clip((vectors - self.low) / self.span, 0.0, 1.0)
        codes: Codes = np.minimum(np.floor(scaled * 255.0 + 0.5), 255).astype(np.uint8)
        return codes

    def decode(self, codes: Codes) -> Floats:
        decoded: Floats = self.low + (codes.astype(np.float32) + 0.5) / 255.0 * self.span
        return decoded

    def linear(self, question: Floats) -> tuple[Floats, float]:
        """(w, c) such that decode(codes) . question == codes . w + c."""
        weights: Floats = (question * self.span / np.float32(255.0)).astype(np.float32)
        constant = float(question @ (self.low + np.float32(0.5 / 255.0) * self.span))
        return weights, constant

    @property
    def dimension(self) -> int:
        return len(self.low)


@dataclass(frozen=True, slots=True)
class VectorTable:
    """Rows of codes (n x dimension, uint8) and the quantizer that reads them."""

    codes: Codes
    quantizer: Quantizer

    @classmethod
    def of(cls, vectors: Floats, quantizer: Quantizer | None = None) -> VectorTable:
        vectors = np.asarray(vectors, dtype=np.float32)
        quantizer = quantizer or Quantizer.fit(vectors)
        return cls(quantizer.encode(vectors), quantizer)

    def __len__(self) -> int:
        return len(self.codes)

    def scores(self, question: Floats, rows: Sequence[int] | Longs | None = None) -> Floats:
        """Approximate cosines of the question with every row (or the given rows)."""
        weights, constant = self.quantizer.linear(question)
        codes = self.codes if rows is None else self.codes[np.asarray(rows, dtype=np.int64)]
        out = np.empty(len(codes), dtype=np.float32)
        for start in range(0, len(codes), CHUNK_ROWS):
            block = codes[start : start + CHUNK_ROWS].astype(np.float32)
            out[start : start + len(block)] = block @ weights
        out += np.float32(constant)
        return out

    def top(
        self, question: Floats, k: int, rows: Sequence[int] | Longs | None = None
    ) -> tuple[Longs, Floats]:
        """The k rows most like the question, best first: exact over the codes."""
        scores = self.scores(question, rows)
        ids = np.arange(len(scores), dtype=np.int64) if rows is None else np.asarray(rows)
        return _best(ids.astype(np.int64), scores, k)


@dataclass
class IvfIndex:
    """An inverted file over a VectorTable: centroids and each row's list (plain arrays)."""

    centroids: Floats  # nlist x dimension, unit rows
    lists: Ints  # per row of the table: its list
    nprobe: int = NPROBE
    _faiss: Any = None  # the faiss index, made from the arrays on first search

    @classmethod
    def build(
        cls, table: VectorTable, vectors: Floats, *, nlist: int | None = None, seed: int = 0
    ) -> IvfIndex:
        """Train centroids on a sample of `vectors` (the table's rows, as float32) by
        spherical k-means, then assign every row."""
        count = len(vectors)
        nlist = nlist or max(1, min(4096, int(np.sqrt(count) + 0.5)))
        rng = np.random.default_rng(seed)
        sample = vectors[rng.choice(count, min(count, nlist * SAMPLE_PER_LIST), replace=False)]
        centroids = _kmeans(sample, nlist, rng)
        return cls(centroids, _nearest(vectors, centroids))

    def assign(self, vectors: Floats) -> Ints:
        """The lists new rows go to (append them to `lists` in the table's row order)."""
        return _nearest(vectors, self.centroids)

    def search(self, table: VectorTable, question: Floats, k: int) -> tuple[Longs, Floats]:
        """The k best rows among the nprobe lists nearest the question."""
        faiss_index = self._faiss_index(table)
        if faiss_index is not None:
            faiss_index.nprobe = self.nprobe
            scores, ids = faiss_index.search(question.reshape(1, -1).astype(np.float32), k)
            kept = ids[0] >= 0
            return ids[0][kept].astype(np.int64), scores[0][kept].astype(np.float32)
        probe = np.argsort(-(self.centroids @ question))[: self.nprobe]
        rows = np.flatnonzero(np.isin(self.lists, probe))
        return table.top(question, k, rows)

    def _faiss_index(self, table: VectorTable) -> Any:
        if self._faiss is None:
            self._faiss = faiss_ivf(table, self) or False
        return self._faiss[0] if self._faiss else None


def faiss_ivf(table: VectorTable, ivf: IvfIndex) -> tuple[Any, Any] | None:
    """A faiss IndexIVFScalarQuantizer holding exactly these codes, lists and centroids
    (filled through its inverted-list API from arrays), with its coarse quantizer; None
    without faiss."""
    try:
        import faiss
    except ImportError:
        return None
    dimension = table.quantizer.dimension
    quantizer = faiss.IndexFlatIP(dimension)
    quantizer.add(np.ascontiguousarray(ivf.centroids, dtype=np.float32))
    index = faiss.IndexIVFScalarQuantizer(
        quantizer,
        dimension,
        len(ivf.centroids),
        faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
    )
    trained = np.concatenate([table.quantizer.low, table.quantizer.span]).astype(np.float32)
    faiss.copy_array_to_vector(trained, index.sq.trained)
    index.is_trained = True
    index.by_residual = False
    lists = index.invlists
    if lists is None:
        return None
    order = np.argsort(ivf.lists, kind="stable")
    bounds = np.searchsorted(ivf.lists[order], np.arange(len(ivf.centroids) + 1))
    for number in range(len(ivf.centroids)):
        rows = order[bounds[number] : bounds[number + 1]].astype(np.int64)
        if len(rows):
            codes = np.ascontiguousarray(table.codes[rows])
            lists.add_entries(number, len(rows), faiss.swig_ptr(rows), faiss.swig_ptr(codes))
    index.ntotal = len(table)
    return index, quantizer  # the IVF index points at its quantizer: keep both alive


def _best(ids: Longs, scores: Floats, k: int) -> tuple[Longs, Floats]:
    if len(scores) > k:
        part = np.argpartition(-scores, k)[:k]
        ids, scores = ids[part], scores[part]
    order = np.argsort(-scores, kind="stable")
    return ids[order], scores[order]


def _nearest(vectors: Floats, centroids: Floats) -> Ints:
    found = np.empty(len(vectors), dtype=np.int32)
    for start in range(0, len(vectors), CHUNK_ROWS):
        block = np.asarray(vectors[start : start + CHUNK_ROWS], dtype=np.float32)
        found[start : start + len(block)] = np.argmax(block @ centroids.T, axis=1)
    return found


def _kmeans(sample: Floats, count: int, rng: np.random.Generator) -> Floats:
    """Spherical k-means (cosine), started from distinct sample rows."""
    count = min(count, len(sample))
    centroids = sample[rng.choice(len(sample), count, replace=False)].astype(np.float32)
    for _ in range(KMEANS_ITERATIONS):
        owner = _nearest(sample, centroids)
        order = np.argsort(owner, kind="stable")
        starts = np.searchsorted(owner[order], np.arange(count))
        present = starts < np.append(starts[1:], len(order))
        sums = np.zeros_like(centroids)
        sums[present] = np.add.reduceat(sample[order], starts[present], axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
        norms[empty] = np.linalg.norm(sums[empty], axis=1, keepdims=True)
        centroids = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return centroids
