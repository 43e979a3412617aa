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

import contextlib
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.models import Document, Paragraph
from bot.core.semantic import (
    CHUNK_ROWS,
    EMBEDDED_KINDS,
    EXACT_MAX_ROWS,
    IvfLists,
    SemanticIndex,
)
from bot.core.text import clause_spans
from bot.loading.progress import Progress
from bot.loading.saved import Rows
from bot.loading.segments import as_table, plain
from bot.semantic_model import OnnxEncoder
from bot.semantic_model.memory import release_memory
from bot.semantic_model.standin import StandInEncoder

Array = npt.NDArray[Any]
FORMAT = "float16-ivf-1"
NO_VECTOR = -2  # the list of a row without a vector (a footnote's)
UNASSIGNED = -1  # the list of a row not assigned yet (no centroids, or a new row)
# Documents embedded at a time: their float32 vectors are made, then stored as float16.
EMBED_DOCUMENTS = 100
# Texts up to which the model runs two batches at a time (an addition of a few resolutions,
# about 55 texts each); a larger build runs one at a time: at 1,000 resolutions two runs took
# its peak from 378 to 484 MiB, past the 400 MB budget, for a build of minutes either way.
PARALLEL_TEXTS = 2_000

# The vectors: kept in segments, so that adding a resolution writes its rows alone.
SEGMENTED = frozenset({"paragraph_vectors", "clause_vectors"})
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
        # Whether the model was loaded before this build needed it (for questions, say).
        self._loaded_before = getattr(encoder, "loaded", True)

    def prepare(self) -> None:
        """New documents are about to be embedded: the model (when not loaded yet) loads in a
        thread while they are parsed and indexed."""
        if isinstance(self.encoder, OnnxEncoder) and not self.encoder.loaded:
            self.encoder.load_in_background()

    def release(self) -> None:
        """Every new document's rows are made: a model loaded for them alone is closed (a
        question loads it again), so the rest of the build does not hold it."""
        unload = getattr(self.encoder, "unload", None)
        if unload is not None and not self._loaded_before:
            unload()

    @property
    def key(self) -> str:
        return f"{self.encoder.spec.fingerprint}|{FORMAT}"

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def kinds(self) -> Mapping[str, str]:
        return KINDS

    @property
    def segmented(self) -> frozenset[str]:
        return SEGMENTED

    def rows(self, documents: Sequence[Document], progress: Progress) -> dict[str, Array]:
        """The documents' rows, embedded `EMBED_DOCUMENTS` at a time into float16 arrays of
        their final size (a text's vector does not depend on the texts embedded with it)."""
        paragraphs = 0
        texts = clauses = 0
        spans = _Spans()  # each paragraph's clauses, found once for the count and the vectors
        for document in documents:
            paragraphs += len(document.paragraphs)
            for paragraph in document.paragraphs:
                pieces = spans.add(paragraph)
                if paragraph.kind in EMBEDDED_KINDS:
                    texts += 1 + (pieces if pieces > 1 else 0)
                    clauses += pieces if pieces > 1 else 0
        dimension = self.encoder.spec.dimension
        made: dict[str, Array] = {
            "paragraph_vectors": np.zeros((paragraphs, dimension), dtype=np.float16),
            "paragraph_lists": np.zeros(paragraphs, dtype=np.int32),
            "clause_entry": np.zeros(clauses, dtype=np.int32),
            "clause_vectors": np.zeros((clauses, dimension), dtype=np.float16),
            "clause_spans": np.zeros((clauses, 2), dtype=np.int32),
            "clause_lists": np.zeros(clauses, dtype=np.int32),
        }
        entry = clause = 0
        with (
            self._runs_for(texts),
            progress.phase("embedding", texts, "texts embedded") as advance,
        ):
            for start in range(0, len(documents), EMBED_DOCUMENTS):
                batch = documents[start : start + EMBED_DOCUMENTS]
                chunk = [p for d in batch for p in d.paragraphs]
                if not chunk:
                    continue
                index = SemanticIndex.build(
                    chunk, self.encoder, advance, spans.of(entry, len(chunk))
                )
                vectors = np.asarray(index.paragraph_vectors)
                if vectors.shape != (len(chunk), dimension):  # nothing embedded
                    vectors = np.zeros((len(chunk), dimension), dtype=np.float32)
                owners = index.clause_entry
                clause_vectors = np.asarray(index.clause_vectors)
                if clause_vectors.shape != (len(owners), dimension):  # no clauses
                    clause_vectors = np.zeros((len(owners), dimension), dtype=np.float32)
                at, till = slice(entry, entry + len(chunk)), slice(clause, clause + len(owners))
                made["paragraph_vectors"][at] = vectors
                made["paragraph_lists"][at] = _unassigned(vectors)
                made["clause_entry"][till] = owners + entry
                made["clause_vectors"][till] = clause_vectors
                made["clause_spans"][till] = index.clause_spans.reshape(-1, 2)
                made["clause_lists"][till] = _unassigned(clause_vectors)
                entry, clause = entry + len(chunk), clause + len(owners)
        if clause != clauses:  # clause_spans said otherwise: cannot happen
            raise AssertionError(f"{clause} clause rows made, {clauses} counted")
        return made

    def _runs_for(self, texts: int) -> contextlib.AbstractContextManager[None]:
        """The model one run at a time for a build of more than PARALLEL_TEXTS texts."""
        if isinstance(self.encoder, OnnxEncoder) and texts > PARALLEL_TEXTS:
            return self.encoder.one_run_at_a_time()
        return contextlib.nullcontext()

    def finish(
        self, joined: dict[str, Rows], kept: Mapping[str, Array], progress: Progress
    ) -> tuple[dict[str, Rows], dict[str, Array]]:
        """The inverted file's lists for the rows not assigned yet (and its centroids, trained
        when the engine first grows past exact search's size)."""
        paragraphs = as_table(joined["paragraph_vectors"])
        clauses = as_table(joined["clause_vectors"])
        if len(paragraphs) + len(clauses) <= EXACT_MAX_ROWS and "centroids" not in kept:
            return joined, {}
        joined = dict(joined)
        centroids = kept.get("centroids")
        if centroids is None:
            with progress.phase("clustering", None):
                centroids = IvfLists.train([paragraphs, clauses])
            release_memory()
        with progress.phase("assigning", None):
            for vectors, name in ((paragraphs, "paragraph_lists"), (clauses, "clause_lists")):
                lists = np.array(plain(joined[name]), dtype=np.int32)
                todo = np.flatnonzero(lists == UNASSIGNED)
                # A chunk of rows at a time: the rows to assign are not copied all at once.
                for start in range(0, len(todo), CHUNK_ROWS):
                    rows = todo[start : start + CHUNK_ROWS]
                    found = IvfLists.assign(vectors[rows], centroids)
                    lists[rows] = np.where(found < 0, NO_VECTOR, found)
                joined[name] = lists
        return joined, {"centroids": np.asarray(centroids, dtype=np.float32)}


class _Spans:
    """The clause spans of a build's paragraphs, in order, as flat int arrays (a list of
    tuples for 285,000 paragraphs would weigh on the build's peak)."""

    def __init__(self) -> None:
        self._flat = array("i")
        self._starts = array("q", [0])

    def add(self, paragraph: Paragraph) -> int:
        """Find the paragraph's clauses (none for a kind not embedded); their count."""
        pieces = clause_spans(paragraph.text) if paragraph.kind in EMBEDDED_KINDS else []
        self._flat.extend(bound for piece in pieces for bound in piece)
        self._starts.append(len(self._flat))
        return len(pieces)

    def of(self, first: int, count: int) -> list[list[tuple[int, int]]]:
        """The spans of paragraphs first..first+count-1."""
        found = []
        for row in range(first, first + count):
            bounds = self._flat[self._starts[row] : self._starts[row + 1]]
            found.append(list(zip(bounds[::2], bounds[1::2], strict=True)))
        return found


def _unassigned(vectors: Array) -> npt.NDArray[np.int32]:
    zero = ~np.any(vectors != 0, axis=1)
    return np.where(zero, NO_VECTOR, UNASSIGNED).astype(np.int32)
