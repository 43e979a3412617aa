"""Golden question files keep answer quality from sliding: the dev set on 71/194 and sets of
our own wording on three other resolutions, each loaded alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.evaluation import run_eval
from bot.loading.engine import load_engine

from .conftest import FIXTURES, LAYOUT, RESOLUTIONS, ROOT

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


def kinds(summary, *names):
    return {k: summary["by_kind"][k]["accuracy"] for k in names if k in summary["by_kind"]}


@pytest.mark.parametrize(
    ("questions", "loaded"),
    [
        ("heldout_multi.yaml", ("A_RES_73_3.txt", "A_RES_51_100.txt")),
        ("heldout_four.yaml", ("A_RES_73_6.txt", "A_RES_73_7.txt", "A_RES_73_8.txt")),
        (
            "heldout_fresh.yaml",
            (
                "A_RES_73_3.txt",
                "A_RES_51_100.txt",
                "A_RES_73_6.txt",
                "A_RES_73_7.txt",
                "A_RES_73_8.txt",
            ),
        ),
    ],
)
def test_held_out_sets_with_several_resolutions(tmp_path, questions, loaded):
    """Our own questions naming resolutions by subject, with several loaded beside 71/194."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for name in ("thesaurus.yaml", "A_RES_71_194.txt"):
        shutil.copy(ROOT / "knowledge" / name, folder)
    for name in loaded:
        shutil.copy(RESOLUTIONS / name, folder)
    engine = load_engine(folder, ROOT / "intents")
    report = run_eval(engine, yaml.safe_load((EVAL / questions).read_text()))
    summary = report.summary()
    assert summary["quotes_verbatim"]
    assert report.missing == []
    assert all(v >= 0.9 for v in kinds(summary, "meta", "lookup", "footnote", "list").values())
    assert summary["dialogue_turns"] >= 0.85
    assert summary["answerable_first_citation"] >= 0.9


def test_held_out_list_questions_in_lay_words(tmp_path):
    """Our own list questions naming the lead verb in lay words, as a noun or in other list
    phrasings, on three resolutions the list handling was never tuned on: with the encoder
    22/30 when written, the words alone 16/30 (8/30 for both before)."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    for name in ("A_RES_73_3.txt", "A_RES_51_100.txt"):
        shutil.copy(RESOLUTIONS / name, folder)
    shutil.copy(LAYOUT / "A_RES_72_999.txt", folder)
    questions = yaml.safe_load((EVAL / "heldout_lists.yaml").read_text())
    for semantic, floor in ((True, 0.7), (False, 0.5)):
        engine = load_engine(folder, ROOT / "intents", semantic=semantic, snapshot=False)
        report = run_eval(engine, questions)
        summary = report.summary()
        assert summary["quotes_verbatim"]
        assert report.missing == []
        assert kinds(summary, "list")["list"] >= floor, semantic


@pytest.mark.parametrize(
    ("questions", "loaded", "floor"),
    [
        ("heldout_tb_plain.yaml", ("A_RES_73_3.txt",), 0.6),
        ("heldout_plain_four.yaml", ("A_RES_73_6.txt", "A_RES_73_7.txt", "A_RES_73_8.txt"), 0.6),
    ],
)
def test_plain_wording_held_out_sets(tmp_path, questions, loaded, floor):
    """Our own everyday wording, written before the second round of semantic tuning: topic
    questions found with semantic matching on (16/24 and 13/19 when written down), quotes
    verbatim."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    if len(loaded) > 1:
        shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    for name in loaded:
        shutil.copy(RESOLUTIONS / name, folder)
    engine = load_engine(folder, ROOT / "intents", semantic=True)
    report = run_eval(engine, yaml.safe_load((EVAL / questions).read_text()))
    summary = report.summary()
    assert summary["quotes_verbatim"]
    assert report.missing == []
    assert summary["by_kind"]["topic"]["accuracy"] >= floor
