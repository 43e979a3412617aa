"""Golden question files keep answer quality from sliding: the dev set on 71/194 and sets of
our own wording on three other resolutions, each loaded alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.evaluation import run_eval
from bot.loading.engine import load_engine

from .conftest import FIXTURES, RESOLUTIONS, ROOT

EVAL = FIXTURES / "eval"


def engine_for(folder: Path, resolution: str):
    folder.mkdir()
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    shutil.copy(RESOLUTIONS / resolution, folder)
    return load_engine(folder, ROOT / "intents")


def test_dev_set(engine):
    report = run_eval(engine, yaml.safe_load((EVAL / "dev.yaml").read_text()))
    summary = report.summary()
    assert summary["quotes_verbatim"]
    assert summary["topic_first_citation"] >= 0.9
    assert summary["answerable_first_citation"] >= 0.95
    assert summary["fallback_recall"] >= 0.9 and summary["fallback_precision"] >= 0.9
    assert summary["dialogue_turns"] >= 0.9


@pytest.mark.parametrize(
    ("questions", "resolution"),
    [
        ("icc_73_7.yaml", "A_RES_73_7.txt"),
        ("space_73_6.yaml", "A_RES_73_6.txt"),
        ("cuba_73_8.yaml", "A_RES_73_8.txt"),
    ],
)
def test_other_resolutions(tmp_path, questions, resolution):
    engine = engine_for(tmp_path / "knowledge", resolution)
    report = run_eval(engine, yaml.safe_load((EVAL / questions).read_text()))
    summary = report.summary()
    assert summary["quotes_verbatim"]
    assert summary["answerable_first_citation"] >= 0.85
    assert summary["fallback_recall"] == 1.0


def test_dev_set_with_other_resolutions_loaded_beside(multi_engine):
    """The eval file names its document; with three more resolutions loaded, conversations
    start about it and stay with it."""
    report = run_eval(multi_engine, yaml.safe_load((EVAL / "dev.yaml").read_text()))
    summary = report.summary()
    assert summary["quotes_verbatim"]
    assert summary["answerable_first_citation"] >= 0.95
    assert summary["dialogue_turns"] >= 0.9
    assert summary["fallback_recall"] >= 0.9
