"""`resbot bench`: measure the engine, cold start, synthetic corpora of growing size and the
HTTP server on this machine, in one run, and print each figure beside its target.

One module per part (engine, coldstart, scale, http), each returning a frozen result; the
report module renders them. Parts that need their own memory figures run in fresh processes
(worker.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import bot
from bot.bench.engine import EngineResult
from bot.bench.http import SERVER_ENV, HttpResult
from bot.bench.measure import MB, from_dict
from bot.bench.procs import Limits, as_installed, run_worker

PARTS = ("engine", "cold", "scale", "vectors", "http")
PROJECT = Path(bot.__file__).resolve().parent.parent
ENGINE_LIMITS = Limits(seconds=600.0, rss_bytes=8 * 1024 * MB)
PHRASES_FOR_HTTP = 430


def run_bench(args: argparse.Namespace) -> int:
    from bot.bench.report import BenchReport, emit, error, status  # lazily: runnable as __main__

    skip = {p.strip() for p in str(args.skip).split(",") if p.strip()}
    unknown = skip - set(PARTS)
    if unknown:
        error(f"unknown part(s) to skip: {', '.join(sorted(unknown))}")
        return 2
    try:
        sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
        if any(s < 1 for s in sizes):
            raise ValueError(args.sizes)
    except ValueError:
        error(f"--sizes must be comma-separated positive numbers, not {args.sizes!r}")
        return 2
    knowledge, intents = Path(args.knowledge).resolve(), Path(args.intents).resolve()
    questions = questions_file(args.questions)
    as_installed(Path(bot.__file__).resolve().parent)
    report = BenchReport(machine=machine())
    if "engine" not in skip:
        status("engine: latency over the eval questions, bm25s beside it")
        report.engine, note = measure_engine(knowledge, intents, questions)
        report.notes += note
    if "cold" not in skip:
        from bot.bench.coldstart import measure_cold_start

        status('cold start: resbot ask "hello", semantic matching on, then off')
        report.cold_start = measure_cold_start(knowledge, intents, semantic=True)
        report.cold_start_lexical = measure_cold_start(knowledge, intents, semantic=False)
    if "scale" not in skip and sizes:
        from bot.bench.scale import run_scale

        status(f"scale: synthetic corpora of {', '.join(f'{s:,}' for s in sizes)} resolutions")
        report.scale = run_scale(sizes, knowledge, intents, questions)
    if "vectors" not in skip and sizes:
        from bot.bench.vectors import run_vectors

        status("vectors: exact and IVF search over synthetic sentence vectors")
        report.vectors = run_vectors(sizes)
    if "http" not in skip:
        status(f"http: wrk, {args.connections} connections, {args.duration:g} s per server")
        report.http = measure_http(knowledge, intents, questions, args)
        limits = ", ".join(f"{k}={v}" for k, v in SERVER_ENV.items())
        report.notes.append(f"http servers ran with {limits}: the limiter runs, never refuses")
    report.machine["load average after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    emit(report, as_json=bool(args.json))
    return 0


def questions_file(given: Path | None) -> Path:
    """--questions, else the dev set copy in the repository (wherever the bench runs from)."""
    if given is not None:
        return Path(given).resolve()
    from bot.bench.questions import DEFAULT_QUESTIONS

    local = DEFAULT_QUESTIONS.resolve()
    return local if local.exists() else PROJECT / DEFAULT_QUESTIONS


def machine() -> dict[str, object]:
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cores": os.cpu_count() or 1,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.machine()}",
        "tree": source_tree(),
        "load average": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


def source_tree() -> str:
    """The commit measured, and whether the working tree differs from it (read only)."""

    def git(*words: str) -> str:
        try:
            done = subprocess.run(
                ["git", *words], cwd=PROJECT, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def measure_engine(
    knowledge: Path, intents: Path, questions: Path
) -> tuple[EngineResult | None, list[str]]:
    params = {"knowledge": str(knowledge), "intents": str(intents), "questions": str(questions)}
    run = run_worker("engine", params, ENGINE_LIMITS)
    result = run.last("result")
    if result is None:
        why = run.stopped or f"exit {run.returncode}: {run.stderr.strip()[-300:]}"
        return None, [f"engine part failed ({why})"]
    return from_dict(EngineResult, result["data"]), []


def measure_http(
    knowledge: Path, intents: Path, questions: Path, args: argparse.Namespace
) -> list[HttpResult]:
    from bot.bench.http import run_http
    from bot.bench.questions import eval_cases, phrase_questions
    from bot.loading.documents import load_documents

    documents, _ = load_documents(knowledge)
    texts = [c.question for c in eval_cases(questions)]
    texts += phrase_questions(documents, PHRASES_FOR_HTTP, seed=1)
    return run_http(
        knowledge,
        intents,
        texts,
        duration=float(args.duration),
        connections=int(args.connections),
        many=os.cpu_count() or 1,
        rounds=max(1, int(args.rounds)),
    )
