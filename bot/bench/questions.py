"""The questions a run times: an eval set's questions, and questions made from corpus phrases."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.core.evaluation import Case, cases_from
from bot.core.models import Document

DEFAULT_QUESTIONS = Path("tests/fixtures/eval/dev.yaml")
TEMPLATES = (
    "What does the resolution say about {}?",
    "Which paragraph mentions {}?",
    "What is said on {}?",
    "{}",
)


def eval_cases(path: Path) -> list[Case]:
    """The single questions of an eval YAML (dialogues are left out: they need state)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions, _ = cases_from(data)
    return questions


def phrase_questions(documents: Sequence[Document], count: int, *, seed: int) -> list[str]:
    """`count` questions quoting a random 3-6 word run of a random preambular or operative
    paragraph, the same ones for the same corpus and seed."""
    rng = random.Random(seed)
    pool = [p for d in documents for p in d.paragraphs if p.kind in {"pp", "op", "ax"}]
    if not pool:
        return []
    found: list[str] = []
    while len(found) < count:
        words = [w.strip(',;:.()“”"') for w in rng.choice(pool).text.split()]
        words = [w for w in words if w]
        size = rng.randint(3, 6)
        if len(words) < size:
            continue
        start = rng.randrange(len(words) - size + 1)
        phrase = " ".join(words[start : start + size])
        found.append(rng.choice(TEMPLATES).format(phrase))
    return found
