"""Semantic vectors in the saved engine (a `RowMaker` for bot.loading.snapshot).

Each document's paragraph vectors (one row per paragraph, zeros for a footnote) and clause
vectors (rows owned by their paragraph, with their spans) are made when the document is first
parsed, by the model, and saved with it as float16: adding, changing or removing one resolution
embeds that one alone. Beyond `EXACT_MAX_ROWS` rows, each row also has the list of an inverted
file (bot.core.semantic.IvfLists): the centroids are trained once, on a sample of the rows,
when the engine first grows past that size, and kept (a shared array of the saved engine); a
new document's rows are assigned to their nearest centroid, so no build retrains or reassigns
the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.models import Document
from bot.core.semantic import EMBEDDED_KINDS, EXACT_MAX_ROWS, IvfLists, SemanticIndex
from bot.core.text import clause_spans
from bot.loading.progress import Progress
from bot.semantic_model import OnnxEncoder
from bot.semantic_model.standin import StandInEncoder

Array = npt.NDArray[Any]
FORMAT = "float16-ivf-1"
NO_VECTOR = -2  # the list of a row without a vector (a footnote's)
UNASSIGNED = -1  # the list of a row not assigned yet (no centroids, or a new row)

KINDS = {
    "paragraph_vectors": "entry",
    "paragraph_lists": "entry",
    "clause_entry": "owner:clause_entry",
    "clause_vectors": "owner:clause_entry",
    "clause_spans": "owner:clause_entry",
    "clause_lists": "owner:clause_entry",
}


class SemanticRows:
    """Makes the vectors of new documents with one encoder's model."""

    def __init__(self, encoder: OnnxEncoder | StandInEncoder) -> None:
        self.encoder = encoder

    @property
    def key(self) -> str:
        return f"{self.encoder.spec.fingerprint}|{FORMAT}"

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def kinds(self) -> Mapping[str, str]:
        return KINDS

    def rows(self, documents: Sequence[Document], progress: Progress) -> dict[str, Array]:
        paragraphs = [p for d in documents for p in d.paragraphs]
        total = 0
        for paragraph in paragraphs:
            if paragraph.kind in EMBEDDED_KINDS:
                clauses = len(clause_spans(paragraph.text))
                total += 1 + (clauses if clauses > 1 else 0)
        with progress.phase("embedding", total, "texts embedded") as advance:
            index = SemanticIndex.build(paragraphs, self.encoder, advance)
        dimension = self.encoder.spec.dimension
        vectors = index.paragraph_vectors.reshape(len(paragraphs), -1)
        if vectors.shape[1] != dimension:
            vectors = np.zeros((len(paragraphs), dimension), dtype=np.float32)
        clause_vectors = index.clause_vectors.reshape(len(index.clause_entry), -1)
        if clause_vectors.shape[1] != dimension:
            clause_vectors = np.zeros((len(index.clause_entry), dimension), dtype=np.float32)
        return {
            "paragraph_vectors": vectors.astype(np.float16),
            "paragraph_lists": _unassigned(vectors),
            "clause_entry": index.clause_entry.astype(np.int32),
            "clause_vectors": clause_vectors.astype(np.float16),
            "clause_spans": index.clause_spans.astype(np.int32).reshape(-1, 2),
            "clause_lists": _unassigned(clause_vectors),
        }

    def finish(
        self, joined: dict[str, Array], kept: Mapping[str, Array], progress: Progress
    ) -> tuple[dict[str, Array], dict[str, Array]]:
        """The inverted file's lists for the rows not assigned yet (and its centroids, trained
        when the engine first grows past exact search's size)."""
        paragraphs, clauses = joined["paragraph_vectors"], joined["clause_vectors"]
        if len(paragraphs) + len(clauses) <= EXACT_MAX_ROWS and "centroids" not in kept:
            return joined, {}
        joined = dict(joined)
        centroids = kept.get("centroids")
        if centroids is None:
            with progress.phase("clustering", None):
                centroids = IvfLists.train([paragraphs, clauses])
        with progress.phase("assigning", None):
            for vectors, name in ((paragraphs, "paragraph_lists"), (clauses, "clause_lists")):
                lists = np.array(joined[name], dtype=np.int32)
                todo = np.flatnonzero(lists == UNASSIGNED)
                if len(todo):
                    found = IvfLists.assign(vectors[todo], centroids)
                    lists[todo] = np.where(found < 0, NO_VECTOR, found)
                joined[name] = lists
        return joined, {"centroids": np.asarray(centroids, dtype=np.float32)}


def _unassigned(vectors: Array) -> npt.NDArray[np.int32]:
    zero = ~np.any(vectors != 0, axis=1)
    return np.where(zero, NO_VECTOR, UNASSIGNED).astype(np.int32)
