"""Shared fixtures: the real engine, built once per test session, and fake platform servers,
started per test on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine
from bot.semantic_model import OnnxEncoder
from tests.fakes.platforms import FakeSlackApi, FakeTelegramApi

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def each_text_encoded_once() -> Iterator[dict[tuple[str, str], np.ndarray]]:
    """The shipped model runs once per text per session: many tests build engines over the
    same resolutions, and their clause and paragraph vectors are the same every time (keyed by
    the model's fingerprint, so an encoder of another or an altered model still runs, and
    fails, on its own)."""
    memo: dict[tuple[str, str], np.ndarray] = {}
    real = OnnxEncoder.encode

    def encode(self: OnnxEncoder, texts: Sequence[str]) -> np.ndarray:
        model = self.spec.fingerprint
        missing = [t for t in dict.fromkeys(texts) if (model, t) not in memo]
        if missing:
            for text, vector in zip(missing, real(self, missing), strict=True):
                memo[(model, text)] = vector
        if not texts:
            return real(self, texts)
        return np.stack([memo[(model, t)] for t in texts])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OnnxEncoder, "encode", encode)
        yield memo


@pytest.fixture(scope="session")
def engine() -> AnswerEngine:
    return load_engine(ROOT / "knowledge", ROOT / "intents")


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramApi]:
    fake = FakeTelegramApi()
    await fake.start()
    yield fake
    await fake.close()
