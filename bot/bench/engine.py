"""Part 1: the engine with its answer cache off: load and build time, memory, latency per
question over an eval set, first-citation accuracy on its topic questions; bm25s beside it.

Runs in a fresh process (see worker.py) so that its memory figures are the engine's own.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bench.bm25 import Bm25Result, measure_bm25
from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.bench.questions import eval_cases
from bot.core.engine import AnswerEngine
from bot.core.evaluation import judge
from bot.core.index import ParagraphIndex
from bot.core.models import Answer, ConversationState, Turn
from bot.loading.engine import load_all
from bot.loading.errors import LoadError

STEADY_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class EngineResult:
    documents: int
    paragraphs: int
    questions: int
    cache: str  # how the answer cache was turned off
    load_seconds: float  # files, YAML, schemas, parsing
    build_seconds: float  # AnswerEngine(): analyzer, paragraph index, intent classifier
    index_seconds: float  # ParagraphIndex alone, rebuilt once more
    rss_before: int  # after imports, before loading
    rss_after: int  # engine built
    first: Latency  # each question seen for the first time (typo corrections not memoised)
    steady: Latency  # STEADY_ROUNDS further rounds over the same questions
    topic_correct: int
    topic_total: int
    bm25: Bm25Result

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.topic_total if self.topic_total else 0.0


def cache_off_arguments() -> tuple[dict[str, Any], str]:
    """`cache_size=0` when AnswerEngine takes an answer cache, else nothing to turn off."""
    if "cache_size" in inspect.signature(AnswerEngine).parameters:
        return {"cache_size": 0}, "cache_size=0"
    return {}, "no answer cache in AnswerEngine"


def measure_engine(knowledge: Path, intents: Path, questions_file: Path) -> EngineResult:
    rss_before, _ = process_memory()
    with Stopwatch() as load:
        loaded = load_all(knowledge, intents)
    if loaded.problems:
        raise LoadError(loaded.problems)
    arguments, cache = cache_off_arguments()
    with Stopwatch() as build:
        engine = AnswerEngine(loaded.documents, loaded.intents, loaded.lexicon, **arguments)
    rss_after, _ = process_memory()
    with Stopwatch() as index:
        ParagraphIndex(engine.documents, engine.analyzer)

    cases = eval_cases(questions_file)
    texts = [c.question for c in cases]
    first, answers = _timed_pass(engine.reply, texts)
    steady: list[float] = []
    for _ in range(STEADY_ROUNDS):
        steady += _timed_pass(engine.reply, texts)[0]
    topic = [(c, a) for c, a in zip(cases, answers, strict=True) if c.kind == "topic" and c.gold]
    correct = sum(judge(c, a, engine.documents).rank == 1 for c, a in topic)
    bm25 = measure_bm25(
        [(p.id, p.text) for d in engine.documents for p in d.paragraphs], cases, STEADY_ROUNDS
    )
    return EngineResult(
        documents=len(engine.documents),
        paragraphs=len(engine.index.entries),
        questions=len(texts),
        cache=cache,
        load_seconds=load.seconds,
        build_seconds=build.seconds,
        index_seconds=index.seconds,
        rss_before=rss_before,
        rss_after=rss_after,
        first=Latency.of(first),
        steady=Latency.of(steady),
        topic_correct=correct,
        topic_total=len(topic),
        bm25=bm25,
    )


def _timed_pass(
    reply: Callable[[str, ConversationState], Turn], texts: Sequence[str]
) -> tuple[list[float], list[Answer]]:
    """Each question once, from a fresh conversation: durations (s) and answers."""
    durations: list[float] = []
    answers: list[Answer] = []
    clock = time.perf_counter
    for text in texts:
        state = ConversationState()
        start = clock()
        turn = reply(text, state)
        durations.append(clock() - start)
        answers.append(turn.answer)
    return durations, answers
