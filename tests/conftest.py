"""Shared fixtures: the real engine, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def engine() -> AnswerEngine:
    return load_engine(ROOT / "knowledge", ROOT / "intents")
