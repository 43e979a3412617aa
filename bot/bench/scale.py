"""Part 3: synthetic corpora of growing size (see synthetic.py), each through the real loader in
fresh processes: the first build (parse, index, merge, save, with the saved engine's format),
a second start from the saved engine with the query latency and memory of the engine it
serves, and the incremental addition of one more resolution.

Semantic matching is on, as served by default: the model embeds every paragraph and clause of
a new document. It embeds about 50 synthetic paragraphs a second on the 2-core bench machine
(hours for 10,000 resolutions), so corpora of `STAND_IN_FROM` resolutions or more are measured
with bot.semantic_model.standin (vectors of the model's dimension made at once, saved, loaded,
added and searched as the model's are; the build's embedding figure is then the model's
measured rate times the texts it would have embedded, reported apart).

A size that runs out of time or memory is stopped and reported with what it reached; the
larger sizes after it are not attempted.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import bot
from bot.bench.coldstart import measure_cold_start
from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.bench.procs import Limits, WorkerRun, run_worker
from bot.bench.progress import bar, labelled
from bot.bench.questions import eval_cases, phrase_questions
from bot.bench.synthetic import THESAURUS, material_from, resolution, write_corpus
from bot.loading.progress import Advance, Progress, terminal

SEED = 20240601
PHRASE_QUESTIONS = 150
BUILD_LIMIT_SECONDS = 2400.0  # the 10,000-resolution budget is 15 minutes; the model is slow
START_LIMIT_SECONDS = 120.0
START_RUNS = 3
QUERY_BUDGET_SECONDS = 60.0
RSS_LIMIT_BYTES = 10 * 2**30
STAND_IN_FROM = 5_000  # resolutions: from this size, vectors from the stand-in encoder

FIXTURE_RESOLUTIONS = Path(bot.__file__).resolve().parent.parent / "tests/fixtures/resolutions"


@dataclass(frozen=True, slots=True)
class ScaleResult:
    size: int
    status: str = "ok"  # or what happened: stopped, failed, skipped
    documents: int = 0
    paragraphs: int = 0
    corpus_bytes: int = 0
    generate_seconds: float = 0.0
    # The first build: load_engine() with no saved engine, by phase.
    build_seconds: float = 0.0
    parse_seconds: float = 0.0  # documents parsed
    index_seconds: float = 0.0  # postings per document
    merge_seconds: float = 0.0  # the index arrays assembled
    embed_seconds: float = 0.0  # paragraph and clause vectors made (by `encoder`)
    cluster_seconds: float = 0.0  # the inverted file's centroids trained, rows assigned
    encoder: str = ""  # "model", or "stand-in" (see the module)
    texts_embedded: int = 0  # paragraphs and clauses the encoder was given
    vectors: int = 0  # paragraph and clause rows in the saved engine
    model_texts_per_second: float = 0.0  # the model's rate, measured on this corpus
    save_seconds: float = 0.0  # the saved engine written
    saved_bytes: int = 0
    rss_before: int = 0  # imports done, nothing loaded
    rss_after: int = 0  # engine built and served from the saved arrays
    build_peak_rss: int = 0
    # A second start, from the saved engine: load_engine() in a fresh process, and
    # `resbot ask "hello"` as a whole process (median of START_RUNS, as the cold start part).
    start_seconds: float = 0.0
    start_process_seconds: float = 0.0
    start_rss: int = 0  # after loading
    serve_rss: int = 0  # after the queries
    serve_peak_rss: int = 0
    latency: Latency = field(default_factory=lambda: Latency.of(()))
    questions: int = 0  # asked within the time budget, of `planned`
    planned: int = 0
    # One more resolution added to the folder, then load_engine() in a fresh process.
    add_seconds: float = 0.0
    add_parsed: int = 0
    add_peak_rss: int = 0

    @property
    def peak_rss(self) -> int:
        return max(self.build_peak_rss, self.serve_peak_rss, self.add_peak_rss)

    @property
    def bytes_per_paragraph(self) -> float:
        grown = self.serve_rss - self.rss_before
        return grown / self.paragraphs if self.paragraphs and self.serve_rss else 0.0


# -- in the parent ---------------------------------------------------------------------------
def run_scale(
    sizes: Sequence[int],
    knowledge: Path,
    intents: Path,
    questions: Path,
    *,
    seed: int = SEED,
    build_limit: float = BUILD_LIMIT_SECONDS,
    query_budget: float = QUERY_BUDGET_SECONDS,
    phrases: int = PHRASE_QUESTIONS,
    stand_in_from: int = STAND_IN_FROM,
) -> list[ScaleResult]:
    sources = [*knowledge.glob("*.txt"), *FIXTURE_RESOLUTIONS.glob("*.txt")]
    material = material_from(sources)
    results: list[ScaleResult] = []
    for size in sizes:
        if results and results[-1].status != "ok":
            results.append(ScaleResult(size, status="skipped: a smaller size did not finish"))
            continue
        with tempfile.TemporaryDirectory(prefix=f"resbot-bench-{size}-") as folder:
            corpus = Path(folder)
            with Stopwatch() as generate:
                write_corpus(
                    material,
                    size,
                    corpus,
                    seed=seed,
                    thesaurus=knowledge / THESAURUS,
                    progress=labelled(f"generating {size:,} resolutions"),
                )
            corpus_bytes = sum(p.stat().st_size for p in corpus.glob("*.txt"))
            params = {
                "knowledge": str(corpus),
                "intents": str(intents),
                "questions": str(questions),
                "phrases": phrases,
                "seed": seed,
                "budget": query_budget,
                "size": size,
            }
            mode = "bench-stand-in" if size >= stand_in_from else "on"
            params["semantic"] = mode
            result = measure_size(size, params, build_limit, query_budget)
            if result.status == "ok":
                started = measure_cold_start(corpus, intents, runs=START_RUNS, semantic=mode)
                result = replace(result, start_process_seconds=started.median_seconds)
                # One more resolution (the next of the same sequence), then a start.
                extra = resolution(material, size, seed=seed)
                (corpus / extra.filename).write_text(extra.text, encoding="utf-8")
                added = run_worker(
                    "scale-add", params, Limits(START_LIMIT_SECONDS, RSS_LIMIT_BYTES)
                )
                result = with_addition(result, added)
        results.append(
            replace(result, corpus_bytes=corpus_bytes, generate_seconds=generate.seconds)
        )
    return results


def measure_size(
    size: int, params: dict[str, Any], build_limit: float, query_budget: float
) -> ScaleResult:
    built = run_worker("scale-build", params, Limits(build_limit, RSS_LIMIT_BYTES))
    result = build_result(size, built)
    if result.status != "ok":
        return result
    if result.encoder == "stand-in":
        # The model's rate, in a process of its own: loading and running the model beside the
        # engine just built would count in the build's peak memory.
        rate = run_worker("scale-rate", params, Limits(START_LIMIT_SECONDS, RSS_LIMIT_BYTES))
        measured = rate.last("rate") or {}
        result = replace(result, model_texts_per_second=float(measured.get("rate", 0.0)))
    limits = Limits(START_LIMIT_SECONDS, RSS_LIMIT_BYTES, {"started": query_budget + 60.0})
    served = run_worker("scale-serve", params, limits)
    return with_serving(result, served)


def build_result(size: int, run: WorkerRun) -> ScaleResult:
    """What a first build reached, from its events."""
    start = run.last("start") or {}
    built = run.last("built") or {}
    phases: dict[str, float] = {}
    for event in run.events:
        if event.get("event") == "phase":  # a phase may run more than once (embedding batches)
            name = str(event["phase"])
            phases[name] = phases.get(name, 0.0) + float(event["seconds"])
    return ScaleResult(
        size=size,
        status=_status(run, built, "building"),
        documents=int(built.get("documents", 0)),
        paragraphs=int(built.get("paragraphs", 0)),
        build_seconds=float(built.get("seconds", 0.0)),
        parse_seconds=phases.get("documents", 0.0),
        index_seconds=phases.get("paragraphs", 0.0),
        merge_seconds=phases.get("merging", 0.0),
        embed_seconds=phases.get("embedding", 0.0),
        cluster_seconds=phases.get("clustering", 0.0) + phases.get("assigning", 0.0),
        encoder=str(built.get("encoder", "")),
        texts_embedded=int(built.get("texts", 0)),
        vectors=int(built.get("vectors", 0)),
        save_seconds=phases.get("saving", 0.0),
        saved_bytes=int(built.get("saved_bytes", 0)),
        rss_before=int(start.get("rss", 0)),
        rss_after=int(built.get("rss", 0)),
        build_peak_rss=max(int(built.get("peak", 0)), run.peak_rss),
    )


def with_serving(result: ScaleResult, run: WorkerRun) -> ScaleResult:
    started = run.last("started") or {}
    done = run.last("done") or {}
    durations = [float(e["seconds"]) for e in run.events if e.get("event") == "query"]
    return replace(
        result,
        status=_status(run, done, "querying" if started else "starting"),
        start_seconds=float(started.get("seconds", 0.0)),
        start_rss=int(started.get("rss", 0)),
        serve_rss=int(done.get("rss", 0)),
        serve_peak_rss=max(int(done.get("peak", 0)), run.peak_rss),
        latency=Latency.of(durations),
        questions=len(durations),
        planned=int(started.get("planned", 0)),
    )


def with_addition(result: ScaleResult, run: WorkerRun) -> ScaleResult:
    added = run.last("added") or {}
    status = _status(run, added, "adding one resolution")
    return replace(
        result,
        status=status,
        add_seconds=float(added.get("seconds", 0.0)),
        add_parsed=int(added.get("parsed", 0)),
        add_peak_rss=max(int(added.get("peak", 0)), run.peak_rss),
    )


def _status(run: WorkerRun, finished: dict[str, Any], doing: str) -> str:
    if finished:
        return "ok"
    if run.stopped:
        return f"{run.stopped} while {doing}"
    last_line = run.stderr.strip().splitlines()[-1:] or ["no output"]
    return f"failed (exit {run.returncode}) while {doing}: {last_line[0][:120]}"


# -- in the workers --------------------------------------------------------------------------
class _Phases(Progress):
    """Progress on the terminal as usual, each phase's duration reported as an event."""

    def __init__(self, emit: Callable[..., None]) -> None:
        super().__init__(terminal())
        self._emit = emit
        self.totals: dict[str, int] = {}

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None, unit: str = "") -> Iterator[Advance]:
        self.totals[name] = self.totals.get(name, 0) + (total or 0)
        with Stopwatch() as watch, super().phase(name, total, unit) as advance:
            yield advance
        self._emit("phase", phase=name, seconds=watch.seconds)


def _mode(params: dict[str, Any]) -> None:
    """The worker's semantic mode (RESBOT_SEMANTIC), as the parent chose for the size."""
    os.environ["RESBOT_SEMANTIC"] = str(params.get("semantic", "on"))


def measure_build(params: dict[str, Any], emit: Callable[..., None]) -> None:
    from bot.loading.engine import load_engine

    _mode(params)
    knowledge, intents = Path(params["knowledge"]), Path(params["intents"])
    emit("start", rss=process_memory()[0])
    phases = _Phases(emit)
    with Stopwatch() as build:
        engine = load_engine(knowledge, intents, progress=phases)
    rss, peak = process_memory()
    saved = sum(p.stat().st_size for p in (knowledge / ".cache").rglob("*.*"))
    vectors = engine.semantic.rows if engine.semantic is not None else 0
    emit(
        "built",
        seconds=build.seconds,
        documents=len(engine.documents),
        paragraphs=len(engine.index.entries),
        saved_bytes=saved,
        rss=rss,
        peak=peak,
        encoder=(
            "stand-in"
            if params.get("semantic") == "bench-stand-in"
            else ("model" if vectors else "none")
        ),
        texts=phases.totals.get("embedding", 0),
        vectors=vectors,
    )


def measure_model_rate(params: dict[str, Any], emit: Callable[..., None]) -> None:
    emit("rate", rate=model_rate(Path(params["knowledge"])))


def model_rate(knowledge: Path, texts: int = 160) -> float:
    """Texts a second the model embeds, on the paragraphs of the corpus's first documents
    (sorted by length and batched as a build does)."""
    from bot.core.semantic import EMBEDDED_KINDS, _encode
    from bot.loading.documents import document_names, parse_file
    from bot.semantic_model import MODEL, OnnxEncoder

    sample = []
    for name in document_names(knowledge)[: max(1, texts // 20)]:
        document, _ = parse_file(knowledge / name, knowledge)
        if document is not None:
            sample += [p.text for p in document.paragraphs if p.kind in EMBEDDED_KINDS]
    encoder = OnnxEncoder(MODEL)
    encoder.load()
    with Stopwatch() as watch:
        _encode(encoder, sample[:texts])
    return min(len(sample), texts) / watch.seconds if watch.seconds else 0.0


def measure_serving(params: dict[str, Any], emit: Callable[..., None]) -> None:
    from bot.core.models import ConversationState
    from bot.loading.engine import load_engine, prepare_to_serve, warm_semantic

    _mode(params)
    knowledge, intents = Path(params["knowledge"]), Path(params["intents"])
    seed = int(params["seed"])
    with Stopwatch() as start:
        engine = load_engine(knowledge, intents, cache_size=0)
    prepare_to_serve(engine)  # as `resbot serve` does before its first message
    texts = [c.question for c in eval_cases(Path(params["questions"]))]
    texts += phrase_questions(list(engine.documents), int(params["phrases"]), seed=seed)
    random.Random(seed).shuffle(texts)  # a partial run is a fair sample
    emit(
        "started",
        seconds=start.seconds,
        rss=process_memory()[0],
        planned=len(texts),
    )
    warm_semantic(engine)  # as `resbot serve` does at start (bot.server.run)
    deadline = time.monotonic() + float(params["budget"])
    for text in bar(texts, desc="querying"):
        began = time.perf_counter()
        engine.reply(text, ConversationState())
        emit("query", seconds=time.perf_counter() - began)
        if time.monotonic() > deadline:
            break
    rss, peak = process_memory()
    emit("done", rss=rss, peak=peak)


def measure_addition(params: dict[str, Any], emit: Callable[..., None]) -> None:
    from bot.loading.engine import load_saved, semantic_encoder
    from bot.semantic_model import semantic_enabled

    _mode(params)
    knowledge, intents = Path(params["knowledge"]), Path(params["intents"])
    with Stopwatch() as add:
        encoder = semantic_encoder(semantic_enabled())
        _, report = load_saved(knowledge, intents, encoder, _Phases(emit))
    emit("added", seconds=add.seconds, parsed=report.parsed, peak=process_memory()[1])
