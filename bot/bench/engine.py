"""Part 1: the engine with its answer cache off: load and build time, memory, latency per
question over an eval set, first-citation accuracy on its topic questions; bm25s beside it;
then the same questions with semantic matching on (the shipped model: its load, the clause and
paragraph vectors, the cost of one question through the model, and latency per answer).

Runs in a fresh process (see worker.py) so that its memory figures are the engine's own.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.bench.bm25 import Bm25Result, measure_bm25
from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.bench.questions import eval_cases
from bot.core.engine import AnswerEngine
from bot.core.evaluation import Case, judge
from bot.core.index import ParagraphIndex
from bot.core.models import Answer, ConversationState, Turn
from bot.core.semantic import Encoder, Floats, SemanticIndex, nonzero_rows
from bot.loading.engine import load_all, prepare_to_serve
from bot.loading.errors import LoadError

STEADY_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class SemanticResult:
    """The engine with semantic matching on, over the same questions. `first` is each question
    seen for the first time (the model runs for those whose lexical evidence is not decisive);
    `steady` repeats them, when the engine's bounded cache of question vectors answers."""

    model: str
    status: str  # "ok", or why semantic matching could not run
    model_load_seconds: float = 0.0  # checksums verified, onnxruntime session opened
    vectors_seconds: float = 0.0  # clause and paragraph vectors of the corpus
    vectors: int = 0
    rss_after: int = 0  # model loaded, vectors built
    encode: Latency = field(default_factory=lambda: Latency.of([]))  # one question, model only
    encoded: int = 0  # questions the model ran for, first sight
    first: Latency = field(default_factory=lambda: Latency.of([]))
    steady: Latency = field(default_factory=lambda: Latency.of([]))
    topic_correct: int = 0
    topic_total: int = 0


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
    semantic: SemanticResult | None = None

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
    prepare_to_serve(engine)  # as `resbot serve` does before its first message
    first, answers = _timed_pass(engine.reply, texts)
    steady: list[float] = []
    for _ in range(STEADY_ROUNDS):
        steady += _timed_pass(engine.reply, texts)[0]
    topic = [(c, a) for c, a in zip(cases, answers, strict=True) if c.kind == "topic" and c.gold]
    correct = sum(judge(c, a, engine.documents).rank == 1 for c, a in topic)
    bm25 = measure_bm25(
        [(f"{d.symbol}:{p.id}", p.text) for d in engine.documents for p in d.paragraphs],
        cases,
        STEADY_ROUNDS,
    )
    result = EngineResult(
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
    return replace(result, semantic=measure_semantic(engine, cases))


class _Counting:
    """An encoder that counts the texts it is given (to tell how many questions ran it)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.texts = 0

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    def encode(self, texts: Sequence[str]) -> Floats:
        self.texts += len(texts)
        return self.encoder.encode(texts)


def measure_semantic(lexical: AnswerEngine, cases: Sequence[Case]) -> SemanticResult:
    """The shipped model on the engine's corpus, then the questions with semantic matching on
    (answer cache off, as for the lexical figures)."""
    from bot.semantic_model import MODEL, OnnxEncoder, SemanticUnavailable

    encoder = OnnxEncoder(MODEL)
    try:
        with Stopwatch() as load:
            encoder.load()
    except SemanticUnavailable as error:
        return SemanticResult(MODEL.model_id, f"not measured: {error}")
    texts = [c.question for c in cases]
    encode: list[float] = []
    for text in texts:
        start = time.perf_counter()
        encoder._run([text])  # the model itself: encode() would remember the vectors
        encode.append(time.perf_counter() - start)
    with Stopwatch() as vectors:
        index = SemanticIndex.build([e.paragraph for e in lexical.index.entries], encoder)
    arguments, _ = cache_off_arguments()
    counting = _Counting(encoder)
    engine = AnswerEngine(
        lexical.documents,
        lexical.intents,
        lexical.lexicon,
        semantic=index,
        encoder=counting,
        **arguments,
    )
    rss_after, _ = process_memory()
    prepare_to_serve(engine)  # as `resbot serve` does before its first message
    first, answers = _timed_pass(engine.reply, texts)
    encoded = counting.texts
    steady: list[float] = []
    for _ in range(STEADY_ROUNDS):
        steady += _timed_pass(engine.reply, texts)[0]
    topic = [(c, a) for c, a in zip(cases, answers, strict=True) if c.kind == "topic" and c.gold]
    return SemanticResult(
        model=MODEL.model_id,
        status="ok",
        model_load_seconds=load.seconds,
        vectors_seconds=vectors.seconds,
        vectors=len(index.clause_vectors) + len(nonzero_rows(index.paragraph_vectors)),
        rss_after=rss_after,
        encode=Latency.of(encode),
        encoded=encoded,
        first=Latency.of(first),
        steady=Latency.of(steady),
        topic_correct=sum(judge(c, a, engine.documents).rank == 1 for c, a in topic),
        topic_total=len(topic),
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
