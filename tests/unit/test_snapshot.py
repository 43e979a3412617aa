"""The saved engine: reused while files are unchanged, rebuilt when any changes."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.loading import snapshot
from bot.loading.engine import load_engine
from bot.loading.errors import LoadError

from .conftest import LAYOUT, ROOT


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    shutil.copytree(ROOT / "intents", intents)
    return knowledge, intents


def saved(knowledge: Path) -> list[Path]:
    return sorted((knowledge / ".cache").glob("engine-*.pickle"))


def test_snapshot_is_written_reused_and_replaced(folders):
    knowledge, intents = folders
    first = load_engine(knowledge, intents)
    [path] = saved(knowledge)
    again = load_engine(knowledge, intents)
    assert saved(knowledge) == [path]
    assert (
        again.reply("operative paragraph 3").answer == first.reply("operative paragraph 3").answer
    )
    time.sleep(0.01)
    shutil.copy(LAYOUT / "A_RES_72_999.txt", knowledge)
    changed = load_engine(knowledge, intents)
    assert [d.symbol for d in changed.documents] == ["A/RES/71/194", "A/RES/72/999"]
    assert len(saved(knowledge)) == 1 and saved(knowledge) != [path]


def test_an_invalid_file_is_reported_even_with_a_snapshot(folders):
    knowledge, intents = folders
    load_engine(knowledge, intents)
    (intents / "broken.yaml").write_text("intents: [\n")
    with pytest.raises(LoadError):
        load_engine(knowledge, intents)


def test_a_corrupt_snapshot_is_ignored(folders):
    knowledge, intents = folders
    load_engine(knowledge, intents)
    [path] = saved(knowledge)
    path.write_bytes(b"not a pickle")
    engine = load_engine(knowledge, intents)
    assert engine.documents[0].symbol == "A/RES/71/194"


def test_fingerprint_changes_with_content(folders):
    knowledge, intents = folders
    before = snapshot.fingerprint(knowledge, intents)
    (knowledge / "thesaurus.yaml").write_text(
        (knowledge / "thesaurus.yaml").read_text() + "\n# edited\n"
    )
    assert snapshot.fingerprint(knowledge, intents) != before
