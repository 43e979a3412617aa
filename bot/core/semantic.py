"""Semantic matching, pure: vectors in, scores out.

Sentence vectors of every paragraph and of every clause of a paragraph (a long paragraph's
mean-pooled vector is diluted by its other clauses, so a question about one clause is matched
against that clause too) are computed once, when the engine is built, by an `Encoder` that the
loaders supply (bot.semantic_model runs a model on onnxruntime); they travel in the saved engine
as plain numpy arrays (`SemanticIndex.arrays`). A question is encoded once and scored against
all of them with one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.core.models import Paragraph
from bot.core.text import clause_spans

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]

# Kinds whose text carries meaning worth embedding: a footnote is a reference
# ("A/CONF.157/24 (Part I), chap. III."), matched by its words alone.
EMBEDDED_KINDS = frozenset({"pp", "op", "ax"})
ENCODE_BATCH = 16


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
    cosines, and which clause gave it (-1: the paragraph as a whole)."""

    entry: Floats
    clause: Ints


@dataclass
class SemanticIndex:
    """Unit vectors of the paragraphs (row = ParagraphIndex entry id; zeros for footnotes)
    and of their clauses (`clause_entry` says whose, `clause_spans` where)."""

    model_id: str
    paragraph_vectors: Floats
    clause_vectors: Floats
    clause_entry: Ints
    clause_spans: Ints

    @classmethod
    def build(cls, paragraphs: Sequence[Paragraph], encoder: Encoder) -> SemanticIndex:
        """Encode each embedded paragraph and, when it has more than one clause, each clause."""
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
            pieces = clause_spans(paragraph.text)
            if len(pieces) > 1:
                for start, end in pieces:
                    clause_texts.append(paragraph.text[start:end])
                    owners.append(entry_id)
                    spans.append((start, end))
        vectors = _encode(encoder, texts)
        dimension = vectors.shape[1] if len(texts) else 0
        clause_vectors = _encode(encoder, clause_texts, dimension)
        paragraph_vectors = np.zeros((len(paragraphs), dimension), dtype=np.float32)
        if rows:
            paragraph_vectors[np.asarray(rows)] = vectors
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

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Everything but the model id, as named arrays (what a saved engine stores)."""
        return {
            "paragraph_vectors": self.paragraph_vectors,
            "clause_vectors": self.clause_vectors,
            "clause_entry": self.clause_entry,
            "clause_spans": self.clause_spans,
        }

    def score(self, question: Floats) -> SemanticScores:
        """Cosines of one unit question vector against every paragraph and clause."""
        entry = self.paragraph_vectors @ question
        best_clause = np.full(self.size, -1, dtype=np.int32)
        if len(self.clause_vectors):
            clauses = self.clause_vectors @ question
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

    def clause_cosines(self, entry_id: int, question: Floats) -> dict[tuple[int, int], float]:
        """The cosine of each clause span of one entry (empty for a one-clause paragraph)."""
        found = np.flatnonzero(self.clause_entry == entry_id)
        cosines = self.clause_vectors[found] @ question
        return {
            (int(self.clause_spans[i][0]), int(self.clause_spans[i][1])): float(c)
            for i, c in zip(found, cosines, strict=True)
        }


def _encode(encoder: Encoder, texts: Sequence[str], dimension: int = 0) -> Floats:
    """Encode in batches of texts of similar length (a batch is padded to its longest)."""
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = [
        np.asarray(
            encoder.encode([texts[i] for i in order[start : start + ENCODE_BATCH]]),
            dtype=np.float32,
        )
        for start in range(0, len(order), ENCODE_BATCH)
    ]
    vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
    vectors[np.asarray(order)] = np.concatenate(parts)
    return vectors
