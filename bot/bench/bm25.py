"""The bm25s baseline: the same paragraphs and questions, bm25s.tokenize with English
stopwords and its BM25 retriever at k=1; first-citation accuracy on the topic questions."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.core.evaluation import Case


@dataclass(frozen=True, slots=True)
class Bm25Result:
    version: str
    build_seconds: float
    rss_delta: int  # the import of bm25s (numpy, scipy) and its index
    first: Latency
    steady: Latency
    topic_correct: int
    topic_total: int

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.topic_total if self.topic_total else 0.0


def measure_bm25(
    paragraphs: Sequence[tuple[str, str]], cases: Sequence[Case], rounds: int
) -> Bm25Result:
    """`paragraphs` are ("SYMBOL:paragraph id", clean text); a question's time includes
    tokenizing it."""
    before, _ = process_memory()
    import bm25s  # type: ignore[import-untyped]

    with Stopwatch() as build:
        retriever = bm25s.BM25()
        corpus = bm25s.tokenize([t for _, t in paragraphs], stopwords="en", show_progress=False)
        retriever.index(corpus, show_progress=False)
    after, _ = process_memory()

    def top(question: str) -> int:
        tokens = bm25s.tokenize(question, stopwords="en", show_progress=False)
        found, _scores = retriever.retrieve(tokens, k=1, show_progress=False)
        return int(found[0][0])

    texts = [c.question for c in cases]
    first, tops = _timed(top, texts)
    steady: list[float] = []
    for _ in range(rounds):
        steady += _timed(top, texts)[0]
    topic = [(c, t) for c, t in zip(cases, tops, strict=True) if c.kind == "topic" and c.gold]
    correct = sum(_is_gold(paragraphs[t][0], c.gold) for c, t in topic)
    return Bm25Result(
        version=str(getattr(bm25s, "__version__", "?")),
        build_seconds=build.seconds,
        rss_delta=after - before,
        first=Latency.of(first),
        steady=Latency.of(steady),
        topic_correct=correct,
        topic_total=len(topic),
    )


def _is_gold(key: str, gold: Sequence[str]) -> bool:
    """`key` is "SYMBOL:id"; a gold id is qualified the same way, or bare (any document)."""
    return any(g == key or (":" not in g and key.rsplit(":", 1)[-1] == g) for g in gold)


def _timed(top: Callable[[str], int], texts: Sequence[str]) -> tuple[list[float], list[int]]:
    durations: list[float] = []
    found: list[int] = []
    clock = time.perf_counter
    for text in texts:
        start = clock()
        found.append(top(text))
        durations.append(clock() - start)
    return durations, found
