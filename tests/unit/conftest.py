"""Fixtures for the core: paths to the real resolutions and a multi-document engine."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bot.bench.synthetic import Material, material_from, resolution, write_corpus
from bot.core.analysis import Analyzer
from bot.core.engine import AnswerEngine
from bot.core.index import ParagraphIndex
from bot.core.parse import parse_document
from bot.loading.engine import load_engine
from bot.loading.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
RESOLUTIONS = FIXTURES / "resolutions"
LAYOUT = FIXTURES / "layout"


def settled_corpus(folder: Path, material: Material, count: int, seed: int) -> Path:
    """`count` synthetic resolutions and the shipped thesaurus in `folder`, written an hour
    ago as far as their modification times tell (a change made by a test is then seen)."""
    write_corpus(
        material, count, folder, seed=seed, thesaurus=ROOT / "knowledge" / "thesaurus.yaml"
    )
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in folder.iterdir():
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return folder


@pytest.fixture(scope="session")
def multi_engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    """71/194 with 73/6, 73/7 and 73/8 loaded beside it."""
    folder = tmp_path_factory.mktemp("knowledge-multi")
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    for name in ("A_RES_73_6.txt", "A_RES_73_7.txt", "A_RES_73_8.txt"):
        shutil.copy(RESOLUTIONS / name, folder)
    return load_engine(folder, ROOT / "intents")


@pytest.fixture(scope="session")
def six_engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    """71/194 with five more beside it, two of them (73/3, 51/100) never tuned on; 51/100 has
    the same subject as 71/194."""
    folder = tmp_path_factory.mktemp("knowledge-six")
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    for name in ("73_3", "51_100", "73_6", "73_7", "73_8"):
        shutil.copy(RESOLUTIONS / f"A_RES_{name}.txt", folder)
    return load_engine(folder, ROOT / "intents")


@pytest.fixture(scope="session")
def shipped_analyzer() -> Analyzer:
    """The analyzer of the shipped thesaurus (stopwords, synonyms)."""
    lexicon, problems = load_lexicon(ROOT / "knowledge" / "thesaurus.yaml")
    assert problems == []
    return Analyzer(lexicon)


@pytest.fixture(scope="session")
def synthetic_index(shipped_analyzer: Analyzer) -> ParagraphIndex:
    """The index of 40 synthetic resolutions (real clauses under real leads, references such
    as "resolution 48/112"), parsed in memory."""
    material = material_from([*(ROOT / "knowledge").glob("*.txt"), *RESOLUTIONS.glob("*.txt")])
    documents = [
        parse_document(resolution(material, i, seed=7).text, f"synthetic-{i}") for i in range(40)
    ]
    return ParagraphIndex(documents, shipped_analyzer)
