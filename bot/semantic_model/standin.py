"""A stand-in for the sentence model, for measuring scale only (`resbot bench`'s largest
corpora): RESBOT_SEMANTIC=bench-stand-in.

The model embeds about 50 synthetic paragraphs a second on the bench machine, so the 285,000
paragraphs of 10,000 synthetic resolutions would take hours. This encoder gives every text a
unit vector of the model's dimension at once (the sum of a fixed pseudo-random vector per word,
normalised): texts that share words are close, as with the model, which is all that a measure
of saving, loading, adding and searching the vectors needs. Its vectors carry their own model
id, so they are never mixed with the model's; its answers mean nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.cache import BoundedCache

STAND_IN = "bench-stand-in"
WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class StandInSpec:
    model_id: str = "bench-stand-in-hashed-words"
    dimension: int = 384

    @property
    def fingerprint(self) -> str:
        return f"{self.model_id}:{self.dimension}"


class StandInEncoder:
    """The Encoder protocol (bot.core.semantic) without a model."""

    def __init__(self, spec: StandInSpec | None = None) -> None:
        self.spec = spec or StandInSpec()
        self._words: BoundedCache[str, npt.NDArray[np.float32]] = BoundedCache(200_000)

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    def _word(self, word: str) -> npt.NDArray[np.float32]:
        vector = self._words.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            drawn = np.random.default_rng(seed).standard_normal(self.spec.dimension)
            vector = drawn.astype(np.float32)
            self._words.put(word, vector)
        return vector

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        columns: dict[str, int] = {}
        rows: list[int] = []
        found: list[int] = []
        for row, text in enumerate(texts):
            for word in WORD.findall(text.lower()):
                rows.append(row)
                found.append(columns.setdefault(word, len(columns)))
        counts = np.zeros((len(texts), len(columns)), dtype=np.float32)
        np.add.at(counts, (np.asarray(rows, dtype=np.int64), np.asarray(found, dtype=np.int64)), 1)
        table = np.stack([self._word(w) for w in columns]) if columns else None
        out = counts @ table if table is not None else counts[:, :0]
        if table is None:
            out = np.zeros((len(texts), self.spec.dimension), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = (out / np.maximum(norms, np.float32(1e-12))).astype(
            np.float32
        )
        return result


_SHARED: list[StandInEncoder] = []


def stand_in_encoder() -> StandInEncoder:
    if not _SHARED:
        _SHARED.append(StandInEncoder())
    return _SHARED[0]
