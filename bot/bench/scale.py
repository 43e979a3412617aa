"""Part 3: synthetic corpora of growing size (see synthetic.py), each loaded through the real
loader and engine in a fresh process: parse and index time, memory, query latency.

A size that runs out of time or memory is stopped and reported with what it reached; the
larger sizes after it are not attempted.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bot
from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.bench.procs import Limits, WorkerRun, run_worker
from bot.bench.progress import labelled
from bot.bench.questions import eval_cases, phrase_questions
from bot.bench.synthetic import THESAURUS, material_from, write_corpus

SEED = 20240601
PHRASE_QUESTIONS = 150
BUILD_LIMIT_SECONDS = 300.0
QUERY_BUDGET_SECONDS = 60.0
RSS_LIMIT_BYTES = 10 * 2**30
if TYPE_CHECKING:
    from bot.core.engine import AnswerEngine

FIXTURE_RESOLUTIONS = Path(bot.__file__).resolve().parent.parent / "tests/fixtures/resolutions"


@dataclass(frozen=True, slots=True)
class ScaleResult:
    size: int
    status: str = "ok"  # or what happened: stopped, failed, skipped
    documents: int = 0
    paragraphs: int = 0
    corpus_bytes: int = 0
    generate_seconds: float = 0.0
    parse_seconds: float = 0.0  # load_documents
    index_seconds: float = 0.0  # AnswerEngine(): analyzer, index, vocabulary, classifier
    rss_before: int = 0  # imports done, nothing loaded
    rss_after: int = 0  # engine built
    peak_rss: int = 0
    latency: Latency = field(default_factory=lambda: Latency.of(()))
    questions: int = 0  # asked within the time budget, of `planned`
    planned: int = 0
    snapshot_save_seconds: float = (
        0.0  # bot.loading.snapshot, when the loader has it; 0: not measured
    )
    snapshot_load_seconds: float = 0.0  # load_engine() finding the saved engine

    @property
    def build_seconds(self) -> float:
        return self.parse_seconds + self.index_seconds

    @property
    def bytes_per_paragraph(self) -> float:
        grown = self.rss_after - self.rss_before
        return grown / self.paragraphs if self.paragraphs and self.rss_after else 0.0


# -- in the parent ---------------------------------------------------------------------------
def run_scale(
    sizes: Sequence[int],
    knowledge: Path,
    intents: Path,
    questions: Path,
    *,
    seed: int = SEED,
    limits: Limits | None = None,
    query_budget: float = QUERY_BUDGET_SECONDS,
    phrases: int = PHRASE_QUESTIONS,
) -> list[ScaleResult]:
    limits = limits or Limits(BUILD_LIMIT_SECONDS, RSS_LIMIT_BYTES, {"built": query_budget + 60.0})
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
            run = run_worker("scale", params, limits)
        result = result_of(size, run)
        results.append(
            replace(result, corpus_bytes=corpus_bytes, generate_seconds=generate.seconds)
        )
    return results


def result_of(size: int, run: WorkerRun) -> ScaleResult:
    """What a scale worker reached, from its events."""
    start = run.last("start") or {}
    parsed = run.last("parsed") or {}
    built = run.last("built") or {}
    done = run.last("done") or {}
    saved = run.last("snapshot") or {}
    durations = [float(e["seconds"]) for e in run.events if e.get("event") == "query"]
    if done:
        status = "ok"
    elif run.stopped:
        where = "querying" if built else "indexing" if parsed else "parsing"
        status = f"{run.stopped} while {where}"
    else:
        last_line = run.stderr.strip().splitlines()[-1:] or ["no output"]
        status = f"failed (exit {run.returncode}): {last_line[0][:120]}"
    return ScaleResult(
        size=size,
        status=status,
        documents=int(parsed.get("documents", 0)),
        paragraphs=int(built.get("paragraphs", 0)),
        parse_seconds=float(parsed.get("seconds", 0.0)),
        index_seconds=float(built.get("seconds", 0.0)),
        rss_before=int(start.get("rss", 0)),
        rss_after=int(built.get("rss", 0)),
        peak_rss=max(int(done.get("peak") or built.get("peak") or 0), run.peak_rss),
        latency=Latency.of(durations),
        questions=len(durations),
        planned=int(built.get("planned", 0)),
        snapshot_save_seconds=float(saved.get("save", 0.0)),
        snapshot_load_seconds=float(saved.get("load", 0.0)),
    )


# -- in the worker ---------------------------------------------------------------------------
def measure_scale(params: dict[str, Any], emit: Callable[..., None]) -> None:
    from bot.bench.engine import cache_off_arguments
    from bot.bench.progress import bar, counting, phase
    from bot.core.engine import AnswerEngine
    from bot.core.models import ConversationState
    from bot.loading import documents as document_files
    from bot.loading.intents import load_intents
    from bot.loading.lexicon import load_lexicon

    knowledge, intents = Path(params["knowledge"]), Path(params["intents"])
    seed = int(params["seed"])
    emit("start", rss=process_memory()[0])
    files = len(document_files.document_files(knowledge))
    with (
        counting(document_files, "parse_document", total=files, desc="parsing"),
        Stopwatch() as parse,
    ):
        documents, problems = document_files.load_documents(knowledge)
    emit("parsed", seconds=parse.seconds, documents=len(documents), problems=len(problems))
    lexicon, _ = load_lexicon(knowledge / THESAURUS)
    intent_list, _ = load_intents(intents)
    arguments, _ = cache_off_arguments()
    with phase("indexing"), Stopwatch() as build:
        engine = AnswerEngine(documents, intent_list, lexicon, **arguments)
    texts = [c.question for c in eval_cases(Path(params["questions"]))]
    texts += phrase_questions(documents, int(params["phrases"]), seed=seed)
    random.Random(seed).shuffle(texts)  # a partial run is a fair sample
    rss, peak = process_memory()
    emit(
        "built",
        seconds=build.seconds,
        paragraphs=len(engine.index.entries),
        rss=rss,
        peak=peak,
        planned=len(texts),
    )
    deadline = time.monotonic() + float(params["budget"])
    for text in bar(texts, desc="querying"):
        start = time.perf_counter()
        engine.reply(text, ConversationState())
        emit("query", seconds=time.perf_counter() - start)
        if time.monotonic() > deadline:
            break
    emit("queried")
    peak = process_memory()[1]  # before a second engine is loaded from the snapshot
    timed = snapshot_seconds(engine, knowledge, intents)
    if timed is not None:
        emit("snapshot", save=timed[0], load=timed[1])
    emit("done", peak=peak)


def snapshot_seconds(
    engine: AnswerEngine, knowledge: Path, intents: Path
) -> tuple[float, float] | None:
    """(save, load) seconds of the saved engine (bot.loading.snapshot), None when there is none."""
    from bot.loading import snapshot as snapshots
    from bot.loading.engine import load_engine, saved_engine_key

    # The lexical engine, as built above (semantic vectors for 10,000 synthetic resolutions
    # are not part of this measure).
    key, tag = saved_engine_key(knowledge, intents, None)
    with Stopwatch() as save:
        if not snapshots.write(knowledge, key, engine, tag):
            return None
    with Stopwatch() as load:
        load_engine(knowledge, intents, snapshot=True, semantic=False)
    return save.seconds, load.seconds
