"""Intent patterns are compiled when a message first reaches them, and a pattern is not even
searched when the message lacks every word its matches must contain; skipping must never lose
a match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.evaluation import cases_from
from bot.core.intents import (
    Intent,
    IntentClassifier,
    IntentPattern,
    normalise,
    plain_request,
    required_words,
)
from bot.loading.intents import load_intents
from bot.loading.saved import intents_from_json, intents_to_json

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def intents() -> list[Intent]:
    loaded, problems = load_intents(ROOT / "intents")
    assert problems == []
    return loaded


def messages() -> list[str]:
    """Every question and dialogue turn of our eval files, plus a few plain chat lines."""
    found = ["hello", "thanks!", "and the next one?", "op 3", "pp2", "fn 1", "ax 4", "help"]
    for path in sorted((ROOT / "tests" / "fixtures" / "eval").glob("*.yaml")):
        questions, dialogues = cases_from(yaml.safe_load(path.read_text(encoding="utf-8")))
        found += [case.question for case in questions]
        found += [turn.question for dialogue in dialogues for turn in dialogue]
    return found


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        (r"\bhoroscope\b", ("horoscope",)),
        (r"\b(next|following) (one|clause)\b", ("next", "following")),
        (r"\b(next|following) paragraph\b", ("paragraph",)),
        (r"^\W*(please )?(?=show)\w+$", ()),
        (r"\b(note|\d+)\b", ()),
        (r"\bop ?(?P<number>\d+)", ("op",)),
    ],
)
def test_required_words_of_a_pattern(pattern: str, required: tuple[str, ...]) -> None:
    assert required_words(pattern) == required


def test_no_pattern_skipped_for_its_required_words_would_have_matched(
    intents: list[Intent],
) -> None:
    classifier = IntentClassifier(tuple(intents))
    patterns = [p for intent in intents for p in intent.patterns]
    skipped = 0
    for message in messages():
        for text in {plain_request(normalise(message)), normalise(message)}:
            reached = {pattern for _, pattern in classifier.reached(text)}
            for pattern in patterns:
                if pattern not in reached:
                    skipped += 1
                    assert pattern.compiled().search(text) is None, (pattern.source, text)
    assert skipped > 0


def test_a_greeting_compiles_few_patterns(
    intents: list[Intent], monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []
    original = IntentPattern.compiled

    def counting(self: IntentPattern):  # type: ignore[no-untyped-def]
        compiled.append(self.source)
        return original(self)

    monkeypatch.setattr(IntentPattern, "compiled", counting)
    classifier = IntentClassifier(tuple(intents))
    match = classifier.classify("hello")
    assert match is not None and match.intent.name == "greet"
    total = sum(len(i.patterns) for i in intents)
    assert len(compiled) < total / 10
    classifier.compile_all()
    assert len(compiled) == total


def test_a_pattern_that_cannot_compile_never_matches() -> None:
    broken = Intent(name="broken", action="fallback", patterns=(IntentPattern("(unclosed"),))
    assert IntentClassifier((broken,)).classify("(unclosed") is None


def test_saved_intents_keep_their_required_words(intents: list[Intent]) -> None:
    assert intents_from_json(intents_to_json(intents)) == intents
