"""The command line as a person and a script use it: real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import LAYOUT, ROOT

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def resbot(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=60,
    )


def test_ask_for_a_person():
    result = resbot("ask", "What", "does", "it", "say", "about", "climate", "change?")
    assert result.returncode == 0
    assert "“Urges States" in result.stdout
    assert "— A/RES/71/194, operative paragraph 12" in result.stdout
    assert "https://undocs.org/A/RES/71/194" in result.stdout


def test_ask_json_and_options_after_the_command():
    result = resbot(
        "ask", "--json", "When was it adopted?", "--knowledge", "knowledge", "--intents", "intents"
    )
    answer = json.loads(result.stdout)
    assert answer["intent"] == "meta_adoption_date"
    assert answer["citations"][0]["paragraph"] == "meta"


def test_jsonl_keeps_order_and_conversations_per_sender():
    lines = [
        {"sender": "a", "message": "operative paragraph 8"},
        {"sender": "b", "message": "operative paragraph 2"},
        {"sender": "a", "message": "next paragraph"},
        {"sender": "b", "message": "and the next one?"},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    result = resbot("--knowledge", "knowledge", "ask", "--jsonl", stdin=stdin)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["citations"][0]["paragraph"] for a in answers] == ["op8", "op2", "op9", "op3"]


def test_jsonl_reports_bad_lines_and_goes_on():
    stdin = 'not json\n{"sender": "a"}\n{"sender": "a", "message": "hello"}\n'
    result = resbot("ask", "--jsonl", stdin=stdin)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["error"].startswith("line 1: not JSON")
    assert rows[1]["error"].startswith("line 2:")
    assert rows[2]["intent"] == "greet"
    assert result.returncode == 1


def test_check_ok_and_bad(tmp_path: Path):
    assert resbot("check").returncode == 0
    knowledge = tmp_path / "k"
    knowledge.mkdir()
    (knowledge / "thesaurus.yaml").write_text((ROOT / "knowledge/thesaurus.yaml").read_text())
    (knowledge / "A_RES_70_997.txt").write_text((LAYOUT / "bad_numbering.txt").read_text())
    result = resbot("check", "--knowledge", str(knowledge))
    assert result.returncode == 1
    assert f"{knowledge / 'A_RES_70_997.txt'}:11:" in result.stderr


def test_repl_reads_piped_input_and_refuses_bad_files(tmp_path: Path):
    result = resbot("repl", stdin="hello\n/debug\noperative paragraph 4\n/json\nnext\n/reset\n")
    assert result.returncode == 0
    assert "intent: greet" in result.stdout
    assert "Operative paragraph 4 of A/RES/71/194" in result.stdout
    assert '"paragraph": "op5"' in result.stdout
    assert "(conversation reset)" in result.stdout
    bad = resbot("repl", "--intents", str(tmp_path), stdin="hello\n")
    assert bad.returncode == 2 and "no intent files" in bad.stderr


def test_eval_prints_the_table_and_json():
    result = resbot("eval", "tests/fixtures/eval/dev.yaml", "--json")
    report = json.loads(result.stdout)
    assert report["quotes_verbatim"] is True
    assert set(report["by_kind"]) >= {"topic", "meta", "lookup", "list", "dialogue"}
    assert 0 <= report["mrr"] <= 1


def test_check_reports_a_faq_answer_that_does_not_rest_on_its_question(tmp_path: Path):
    knowledge = tmp_path / "k"
    knowledge.mkdir()
    for name in ("thesaurus.yaml", "A_RES_71_194.txt"):
        (knowledge / name).write_text((ROOT / "knowledge" / name).read_text())
    faq = knowledge / "faq.yaml"
    faq.write_text(
        "themes:\n  - theme: A\n    questions:\n      - When was it adopted?\n"
        "      - What does it say about tolerance among penguins?\n"
    )
    result = resbot("check", "--knowledge", str(knowledge))
    assert result.returncode == 1
    assert f"{faq}:5: A/RES/71/194: What does it say about tolerance among penguins?" in (
        result.stderr
    )


def test_check_refuses_a_super_linear_pattern(tmp_path: Path):
    intents = tmp_path / "intents"
    shutil.copytree(ROOT / "intents", intents)
    slow = intents / "slow.yaml"
    slow.write_text(
        "intents:\n  - name: slow\n    action: retrieve\n    patterns: ['\\bwhen\\b.*\\bby\\b']\n"
    )
    result = resbot("check", "--intents", str(intents))
    assert result.returncode == 1
    assert f"{slow}:4: patterns.0: an unbounded quantifier" in result.stderr
