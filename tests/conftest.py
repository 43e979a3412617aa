"""Shared fixtures: the real engine, built once per test session, and fake platform servers,
started per test on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine
from tests.fakes.platforms import FakeSlackApi, FakeTelegramApi

ROOT = Path(__file__).resolve().parent.parent


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
