"""Paths the bench tests share."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
INTENTS = ROOT / "intents"
DEV = ROOT / "tests" / "fixtures" / "eval" / "dev.yaml"
SOURCES = [*KNOWLEDGE.glob("*.txt"), *(ROOT / "tests" / "fixtures" / "resolutions").glob("*.txt")]
