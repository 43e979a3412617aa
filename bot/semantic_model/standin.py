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
        out = np.zeros((len(texts), self.spec.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = WORD.findall(text.lower())
            for word in words:
                out[row] += self._word(word)
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


_SHARED: list[StandInEncoder] = []


def stand_in_encoder() -> StandInEncoder:
    if not _SHARED:
        _SHARED.append(StandInEncoder())
    return _SHARED[0]
