"""Part 5: vector search at scale (bot.core.vectors), on synthetic sentence-like vectors: as
many rows as paragraph and clause vectors of 1,000 and 10,000 resolutions, each backend's
build, incremental add, query latency, recall of the true 10 nearest and memory, and the
one bot.core.vectors picks at that size.

The vectors are unit vectors in 384 dimensions (the shipped model's) drawn around a few
thousand topics, and the questions are near given rows, so a true neighbourhood exists; the
truth is float32 cosine over every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.bench.measure import Latency, Stopwatch, process_memory
from bot.bench.procs import Limits, run_worker

DIMENSION = 384
ROWS_PER_RESOLUTION = 80  # about 28 paragraphs and 52 clauses embedded per resolution
QUESTIONS = 200
K = 10
LIMITS = Limits(900.0, 8 * 2**30)


@dataclass(frozen=True, slots=True)
class BackendResult:
    name: str
    build_seconds: float = 0.0
    add_ms: float = 0.0  # one resolution's rows added
    latency: Latency = field(default_factory=lambda: Latency.of(()))
    recall: float = 0.0
    memory_bytes: int = 0
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class VectorResult:
    resolutions: int
    rows: int
    status: str = "ok"
    backends: list[BackendResult] = field(default_factory=list)


def run_vectors(sizes: list[int]) -> list[VectorResult]:
    results = []
    for size in sizes:
        run = run_worker("vectors", {"resolutions": size}, LIMITS)
        found = [BackendResult(**_backend(e)) for e in run.events if e.get("event") == "backend"]
        status = "ok" if run.last("done") else (run.stopped or f"failed: {run.stderr[-200:]}")
        results.append(VectorResult(size, size * ROWS_PER_RESOLUTION, status, found))
    return results


def _backend(event: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in event.items() if k != "event"}
    data["latency"] = Latency(**data["latency"])
    return data


def measure_vectors(params: dict[str, Any], emit: Callable[..., None]) -> None:
    from bot.core.vectors import EXACT_MAX_ROWS, IvfIndex, VectorTable

    rows = int(params["resolutions"]) * ROWS_PER_RESOLUTION
    rng = np.random.default_rng(0)
    vectors = _sentence_like(rows, rng)
    questions = vectors[rng.integers(0, rows, QUESTIONS)] + _noise(QUESTIONS, 0.6, rng)
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)
    truth = _truth(vectors, questions)
    extra = _sentence_like(ROWS_PER_RESOLUTION, np.random.default_rng(1))

    def report(name: str, build: float, add_ms: float, search: Callable[[Any], Any]) -> None:
        seconds, found = [], []
        for question in questions:
            began = time.perf_counter()
            ids = search(question)
            seconds.append(time.perf_counter() - began)
            found.append(ids)
        recall = float(
            np.mean([len(set(f[:K]) & set(t)) / K for f, t in zip(found, truth, strict=True)])
        )
        emit(
            "backend",
            name=name,
            build_seconds=build,
            add_ms=add_ms,
            latency=_latency(seconds),
            recall=recall,
            memory_bytes=memory[name],
            chosen=(name == "exact, 8-bit codes") == (rows <= EXACT_MAX_ROWS),
        )

    memory: dict[str, int] = {}
    with Stopwatch() as encode:
        table = VectorTable.of(vectors)
    memory["exact, 8-bit codes"] = table.codes.nbytes
    with Stopwatch() as add:
        VectorTable(np.concatenate([table.codes, table.quantizer.encode(extra)]), table.quantizer)
    report(
        "exact, 8-bit codes",
        encode.seconds,
        add.seconds * 1000,
        lambda q: table.top(q, K)[0],
    )
    before = process_memory()[0]
    with Stopwatch() as build:
        ivf = IvfIndex.build(table, vectors)
        ivf.search(table, questions[0], K)  # fills the faiss index from the arrays
    memory["IVF (faiss), nprobe 16"] = table.codes.nbytes + max(
        process_memory()[0] - before, ivf.lists.nbytes
    )
    with Stopwatch() as add:
        ivf.assign(extra)
    report(
        "IVF (faiss), nprobe 16",
        encode.seconds + build.seconds,
        add.seconds * 1000,
        lambda q: ivf.search(table, q, K)[0],
    )
    emit("done")


def _sentence_like(rows: int, rng: np.random.Generator) -> Any:
    topics = rng.standard_normal((max(rows // 200, 50), DIMENSION)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    vectors = np.empty((rows, DIMENSION), dtype=np.float32)
    for start in range(0, rows, 50_000):
        stop = min(rows, start + 50_000)
        owner = rng.integers(0, len(topics), stop - start)
        vectors[start:stop] = topics[owner] + _noise(stop - start, 0.9, rng)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def _noise(rows: int, size: float, rng: np.random.Generator) -> Any:
    return size * rng.standard_normal((rows, DIMENSION)).astype(np.float32) / np.sqrt(DIMENSION)


def _truth(vectors: Any, questions: Any) -> Any:
    """The true K nearest rows of each question (float32 cosine), in blocks."""
    best = np.full((len(questions), K), -np.inf, dtype=np.float32)
    ids = np.zeros((len(questions), K), dtype=np.int64)
    for start in range(0, len(vectors), 100_000):
        scores = questions @ vectors[start : start + 100_000].T
        both = np.concatenate([best, scores], axis=1)
        rows = np.arange(start, start + scores.shape[1])
        both_ids = np.concatenate([ids, np.broadcast_to(rows, scores.shape)], axis=1)
        top = np.argpartition(-both, K, axis=1)[:, :K]
        best = np.take_along_axis(both, top, 1)
        ids = np.take_along_axis(both_ids, top, 1)
    return ids


def _latency(seconds: list[float]) -> dict[str, float]:
    found = Latency.of(seconds)
    return {
        "count": found.count,
        "p50": found.p50,
        "p95": found.p95,
        "p99": found.p99,
        "mean": found.mean,
        "max": found.max,
    }
