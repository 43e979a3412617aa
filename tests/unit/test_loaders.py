"""resbot check and the loaders: every problem names file, line and key."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from bot.loading.engine import load_all, load_engine
from bot.loading.errors import LoadError
from bot.loading.lexicon import thesaurus_path

from .conftest import LAYOUT, ROOT


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    knowledge = tmp_path / "knowledge"
    intents = tmp_path / "intents"
    shutil.copytree(ROOT / "knowledge", knowledge)
    shutil.copytree(ROOT / "intents", intents)
    return knowledge, intents


def problems(folders):
    return load_all(*folders).problems


def test_shipped_files_are_valid():
    assert load_all(ROOT / "knowledge", ROOT / "intents").problems == []


def test_shipped_schema_is_the_one_the_loader_uses():
    shipped = json.loads((ROOT / "intents" / "schema.json").read_text())
    packaged = json.loads((ROOT / "bot" / "data" / "intents.schema.json").read_text())
    assert shipped == packaged


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_wrong_type_and_empty_examples(folders):
    _, intents = folders
    path = write(
        intents / "extra.yaml",
        (
            "intents:\n"
            "  - name: sample_one\n"
            "    action: template\n"
            '    responses: ["hi"]\n'
            "    colour: blue\n"
            '    examples: ["a"]\n'
            "  - name: sample_two\n"
            "    action: template\n"
            '    responses: ["hi"]\n'
            "    examples: []\n"
            "  - name: sample_three\n"
            "    action: lookup\n"
            "    kind: op\n"
            "    priority: high\n"
            "    patterns: ['x']\n"
        ),
    )
    found = problems(folders)
    assert any(p.startswith(f"{path}:2:") and "colour" in p for p in found), found
    assert any(p.startswith(f"{path}:10: intents.1.examples") for p in found), found
    assert any(p.startswith(f"{path}:14: intents.2.priority") for p in found), found


def test_bad_regex_and_unknown_template_field(folders):
    _, intents = folders
    path = write(
        intents / "extra.yaml",
        (
            "intents:\n"
            "  - name: broken_pattern\n"
            "    action: fallback\n"
            '    responses: ["The {colour} of {symbol}"]\n'
            "    patterns:\n"
            "      - 'fine'\n"
            "      - '(unclosed'\n"
        ),
    )
    found = problems(folders)
    assert any(p.startswith(f"{path}:7: patterns.1: bad regular expression") for p in found)
    assert any(p.startswith(f"{path}:4: responses.0: unknown field {{colour}}") for p in found)


def test_duplicate_names_across_files(folders):
    _, intents = folders
    path = write(
        intents / "zz.yaml",
        (
            "intents:\n"
            "  - name: greet\n"
            "    action: template\n"
            '    examples: ["yo"]\n'
            '    responses: ["hey"]\n'
        ),
    )
    found = problems(folders)
    assert any(p.startswith(f"{path}:2: name: duplicate intent name 'greet'") for p in found)


def test_yaml_syntax_error_gives_line(folders):
    _, intents = folders
    path = write(intents / "bad.yaml", "intents:\n  - name: x\n    examples: [unclosed\n")
    assert any(p.startswith(f"{path}:") and "invalid YAML" in p for p in problems(folders))


def test_malformed_document_is_reported_and_the_rest_load(folders):
    knowledge, _ = folders
    shutil.copy(LAYOUT / "bad_numbering.txt", knowledge / "A_RES_70_997.txt")
    shutil.copy(LAYOUT / "A_RES_72_999.txt", knowledge)
    loaded = load_all(*folders)
    assert [p for p in loaded.problems if "A_RES_70_997.txt:11:" in p]
    assert {d.symbol for d in loaded.documents} == {"A/RES/71/194", "A/RES/72/999"}


def test_empty_or_missing_knowledge(tmp_path: Path):
    missing = load_all(tmp_path / "nope", ROOT / "intents").problems
    assert any("does not exist" in p for p in missing)
    (tmp_path / "empty").mkdir()
    empty = load_all(tmp_path / "empty", ROOT / "intents").problems
    assert any("no resolution files" in p for p in empty)
    assert not any("thesaurus" in p for p in empty)  # the shipped one stands in


def test_a_folder_of_resolutions_alone_uses_the_shipped_thesaurus(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", knowledge)
    assert thesaurus_path(knowledge) == ROOT / "knowledge" / "thesaurus.yaml"
    with caplog.at_level(logging.INFO, logger="bot.loading.engine"):
        engine = load_engine(knowledge, ROOT / "intents", snapshot=False)
    assert "has no thesaurus.yaml: using the one shipped with resbot" in caplog.text
    assert engine.lexicon.synonyms  # the shipped groups, not an empty lexicon
    own = knowledge / "thesaurus.yaml"
    own.write_text("synonyms: []\n")
    assert thesaurus_path(knowledge) == own


def test_load_engine_raises_with_all_problems(folders):
    _, intents = folders
    write(intents / "bad.yaml", "intents: 3\n")
    with pytest.raises(LoadError) as caught:
        load_engine(*folders)
    assert caught.value.problems and "bad.yaml:1" in caught.value.problems[0]


def test_aliases_beside_a_document_are_read_and_checked(folders):
    knowledge, intents = folders
    write(knowledge / "A_RES_71_194.yaml", 'aliases:\n  - "the cooperation text"\n')
    loaded = load_all(knowledge, intents)
    assert loaded.problems == []
    assert loaded.aliases == {"A/RES/71/194": ("the cooperation text",)}
    path = write(knowledge / "A_RES_71_194.yaml", "aliases:\n  - ok\n  - 3\nnames: []\n")
    found = problems(folders)
    assert any(p.startswith(f"{path}:3: aliases.1:") for p in found), found
    assert any(p.startswith(f"{path}:1: (top):") and "names" in p for p in found), found
    write(knowledge / "A_RES_71_194.yaml", "aliases:\n  - same\n  - Same\n")
    assert any(f"{path}:3: aliases.1: duplicate alias" in p for p in problems(folders))


def test_aliases_reach_the_engine(folders):
    knowledge, intents = folders
    write(knowledge / "A_RES_71_194.yaml", 'aliases: ["the Hague text"]\n')
    engine = load_engine(knowledge, intents, snapshot=False)
    mention = engine.references.find("when was the Hague text adopted?")
    assert mention is not None and mention.confident


def test_super_linear_patterns_are_refused_with_file_and_line(folders):
    _, intents = folders
    path = write(
        intents / "slow.yaml",
        (
            "intents:\n"
            "  - name: slow_one\n"
            "    action: retrieve\n"
            "    patterns:\n"
            "      - '^(\\w+ )*done$'\n"
            "      - '^what about (?P<topic>.+?)\\W*$'\n"
            "      - '\\bwhen\\b.*\\badopted\\b'\n"
            "      - '^(?P<a>.+) and (?P<b>.+)$'\n"
            "      - '^(?>.*?\\bwhen\\b).*\\badopted\\b'\n"
            "      - '^what about (?P<topic>.*\\w)\\W*+$'\n"
        ),
    )
    found = [p for p in problems(folders) if p.startswith(str(path))]
    assert [p.split(": ", 2)[:2] for p in found] == [
        [f"{path}:5", "patterns.0"],
        [f"{path}:6", "patterns.1"],
        [f"{path}:7", "patterns.2"],
        [f"{path}:8", "patterns.3"],
    ]
    assert "nested quantifiers" in found[0]
    assert "adjacent unbounded quantifiers" in found[1]
    assert "not anchored with ^" in found[2]
    assert "two unbounded quantifiers" in found[3]
