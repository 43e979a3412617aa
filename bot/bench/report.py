"""The figures of a run as a table (each beside its target, PASS/FAIL) or as JSON. The only
module of the bench that prints."""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.bench.coldstart import ColdStartResult
from bot.bench.engine import EngineResult, SemanticResult
from bot.bench.http import HttpResult
from bot.bench.measure import MB, Latency, from_dict
from bot.bench.scale import ScaleResult
from bot.bench.vectors import VectorResult

GB = 1024 * MB


@dataclass(frozen=True, slots=True)
class ScaleBudget:
    """What one corpus size may cost (issue 14)."""

    build_s: float
    start_s: float
    add_s: float
    p50_ms: float
    p99_ms: float
    rss_bytes: int


@dataclass(frozen=True, slots=True)
class Targets:
    """The goals of issue 6 (engine, cold start, HTTP), issue 13 (semantic matching) and
    issue 14 (scale, per size)."""

    engine_p50_ms: float = 0.5
    engine_p99_ms: float = 3.0
    semantic_p50_ms: float = 3.0
    semantic_p99_ms: float = 15.0
    bm25_ratio: float = 2.0
    scale: dict[int, ScaleBudget] = field(
        default_factory=lambda: {
            1_000: ScaleBudget(60.0, 0.8, 2.0, 5.0, 25.0, 400 * MB),
            10_000: ScaleBudget(15 * 60.0, 2.0, 3.0, 20.0, 60.0, int(1.5 * GB)),
        }
    )
    cold_start_s: float = 0.5
    http_share_engine: float = 0.80  # issue 14: resbot serve against the engine alone
    cold_start_semantic_s: float = 0.6
    http_share_cache_off: float = 0.35
    http_share_cache_on: float = 0.60
    http_p99_ms: float = 50.0


@dataclass
class BenchReport:
    machine: dict[str, Any]
    engine: EngineResult | None = None
    cold_start: ColdStartResult | None = None  # the default mode: semantic matching on
    cold_start_lexical: ColdStartResult | None = None  # RESBOT_SEMANTIC=off
    scale: list[ScaleResult] = field(default_factory=list)
    vectors: list[VectorResult] = field(default_factory=list)
    http: list[HttpResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Row:
    part: str
    measure: str
    value: str
    target: str = ""
    passed: bool | None = None

    @property
    def result(self) -> str:
        return "" if self.passed is None else "PASS" if self.passed else "FAIL"


def rows(report: BenchReport, targets: Targets = Targets()) -> list[Row]:
    found: list[Row] = []
    if report.engine is not None:
        found += engine_rows(report.engine, targets)
    for cold in (report.cold_start, report.cold_start_lexical):
        if cold is not None:
            found += cold_start_rows(cold, targets)
    found += scale_rows(report.scale, targets)
    found += vector_rows(report.vectors)
    found += http_rows(report.http, targets)
    return found


# -- engine ------------------------------------------------------------------------------
def engine_rows(result: EngineResult, t: Targets) -> list[Row]:
    part = "engine"
    bm25 = result.bm25
    ratio = result.steady.p50 / bm25.steady.p50 if bm25.steady.p50 else math.inf
    corpus = f"{result.documents} doc, {result.paragraphs} paragraphs"
    return [
        Row(part, "answer cache", result.cache),
        Row(part, "load: files, YAML, parse", _seconds(result.load_seconds)),
        Row(part, f"build: AnswerEngine ({corpus})", _seconds(result.build_seconds)),
        Row(part, "  of which ParagraphIndex", _seconds(result.index_seconds)),
        Row(
            part,
            "RSS after build",
            f"{_mb(result.rss_after)} (+{_mb(result.rss_after - result.rss_before)} loading)",
        ),
        *_latency_rows(part, f"latency, first sight ({result.questions} q)", result.first, t),
        *_latency_rows(part, f"latency, steady ({result.steady.count} replies)", result.steady, t),
        Row(
            part,
            f"bm25s {bm25.version}: build, RSS",
            f"{_seconds(bm25.build_seconds)}, +{_mb(bm25.rss_delta)} (numpy, index)",
        ),
        Row(part, "bm25s latency, first sight", _percentiles(bm25.first)),
        Row(part, "bm25s latency, steady", _percentiles(bm25.steady)),
        Row(
            part,
            "median ratio engine / bm25s",
            f"{ratio:.1f}x",
            f"<= {t.bm25_ratio:g}x",
            ratio <= t.bm25_ratio,
        ),
        Row(
            part,
            "topic first citation: engine",
            _accuracy(result.topic_correct, result.topic_total),
        ),
        Row(
            part, "topic first citation: bm25s k=1", _accuracy(bm25.topic_correct, bm25.topic_total)
        ),
        *semantic_rows(result.semantic, result.rss_after, t),
    ]


def semantic_rows(result: SemanticResult | None, lexical_rss: int, t: Targets) -> list[Row]:
    part = "semantic"
    if result is None:
        return []
    if result.status != "ok":
        return [Row(part, f"model {result.model}", result.status)]
    limits = (t.semantic_p50_ms, t.semantic_p99_ms)
    return [
        Row(part, f"model {result.model}: load", _seconds(result.model_load_seconds)),
        Row(
            part,
            f"build: {result.vectors} clause and paragraph vectors",
            _seconds(result.vectors_seconds),
        ),
        Row(part, "RSS, model and vectors", f"+{_mb(result.rss_after - lexical_rss)}"),
        Row(part, "one question through the model", _percentiles(result.encode)),
        Row(
            part,
            "questions the model ran for",
            f"{result.encoded} of {result.first.count} (the others: lexical evidence decisive)",
        ),
        *_latency_rows(
            part, f"latency, first sight ({result.first.count} q)", result.first, t, limits
        ),
        *_latency_rows(
            part, f"latency, steady ({result.steady.count} replies)", result.steady, t, limits
        ),
        Row(part, "topic first citation", _accuracy(result.topic_correct, result.topic_total)),
    ]


def _latency_rows(
    part: str, name: str, latency: Latency, t: Targets, limits: tuple[float, float] | None = None
) -> list[Row]:
    p50, p99 = limits or (t.engine_p50_ms, t.engine_p99_ms)
    return [
        Row(part, f"{name} p50", _ms(latency.p50), f"<= {p50:g} ms", latency.p50 <= p50),
        Row(part, f"{name} p95", _ms(latency.p95)),
        Row(part, f"{name} p99", _ms(latency.p99), f"<= {p99:g} ms", latency.p99 <= p99),
    ]


# -- cold start ----------------------------------------------------------------------------
def cold_start_rows(result: ColdStartResult, t: Targets) -> list[Row]:
    part = "cold start"
    spread = f" (min {_seconds(result.min_seconds)}, max {_seconds(result.max_seconds)})"
    failed = f", {result.failures} failed" if result.failures else ""
    limit = t.cold_start_semantic_s if result.semantic else t.cold_start_s
    mode = "semantic on" if result.semantic else "RESBOT_SEMANTIC=off"
    return [
        Row(
            part,
            f'resbot ask "hello", {mode}, saved engine, median of {result.runs}',
            _seconds(result.median_seconds) + spread + failed,
            f"<= {limit:g} s",
            result.median_seconds <= limit and not result.failures,
        ),
        *(
            [Row(part, "python -c pass (the floor)", _seconds(result.python_seconds))]
            if result.semantic
            else []
        ),
    ]


# -- scale ---------------------------------------------------------------------------------
def scale_rows(results: Sequence[ScaleResult], t: Targets) -> list[Row]:
    found: list[Row] = []
    for result in results:
        found += _scale_rows(result, t.scale.get(result.size))
    for size in sorted(t.scale):
        if results and not any(r.size == size for r in results):
            found.append(Row(f"scale {size:,}", "status", "not requested (--sizes)"))
    return found


def _scale_rows(result: ScaleResult, budget: ScaleBudget | None) -> list[Row]:
    part = f"scale {result.size:,}"

    def row(measure: str, value: str, target: str = "", ok: bool | None = None) -> Row:
        return Row(part, measure, value, target if budget else "", ok if budget else None)

    found: list[Row] = []
    if result.status != "ok":
        found.append(row("status", result.status, "finishes", False))
    if not result.documents:
        return found
    b = budget or ScaleBudget(0, 0, 0, 0, 0, 0)
    found += [
        row(
            "corpus",
            f"{result.documents:,} docs, {result.paragraphs:,} paragraphs, "
            f"{_mb(result.corpus_bytes)} text",
        ),
        row(
            "first build (parse, index, embed, merge, save)",
            f"{_seconds(result.build_seconds)} = {_seconds(result.parse_seconds)} + "
            f"{_seconds(result.index_seconds)} + {_seconds(result.embed_seconds)} + "
            f"{_seconds(result.merge_seconds + result.cluster_seconds)} + "
            f"{_seconds(result.save_seconds)}",
            f"<= {_seconds(b.build_s)}",
            0 < result.build_seconds <= b.build_s and result.encoder != "stand-in",
        ),
        row("saved engine on disk", _mb(result.saved_bytes)),
    ]
    if result.vectors:
        found.append(
            row(
                "vectors (float16): texts embedded, rows saved, by",
                f"{result.texts_embedded:,}, {result.vectors:,}, {result.encoder}",
            )
        )
    if result.encoder == "stand-in" and result.model_texts_per_second:
        model_seconds = result.texts_embedded / result.model_texts_per_second
        estimate = result.build_seconds - result.embed_seconds + model_seconds
        found.append(
            row(
                "first build with the model (estimated, not run)",
                f"{_seconds(estimate)} ({result.model_texts_per_second:.0f} texts/s"
                f" x {result.texts_embedded:,})",
                f"<= {_seconds(b.build_s)}",
                estimate <= b.build_s,
            )
        )
    if result.start_seconds:
        found += [
            row(
                'second start: resbot ask "hello", whole process',
                f"{_seconds(result.start_process_seconds)} "
                f"(load_engine {_seconds(result.start_seconds)})",
                f"<= {_seconds(b.start_s)}",
                0 < result.start_process_seconds <= b.start_s,
            ),
        ]
    if result.add_seconds:
        found.append(
            row(
                "add one resolution: load_engine",
                f"{_seconds(result.add_seconds)} ({result.add_parsed} parsed)",
                f"<= {_seconds(b.add_s)}",
                0 < result.add_seconds <= b.add_s and result.add_parsed == 1,
            )
        )
    if result.questions:
        asked = f"{result.questions} of {result.planned} q"
        found += [
            row(
                f"query p50 / p99 ({asked})",
                f"{_ms(result.latency.p50)} / {_ms(result.latency.p99)}",
                f"<= {b.p50_ms:g} / {b.p99_ms:g} ms",
                result.latency.p50 <= b.p50_ms and result.latency.p99 <= b.p99_ms,
            ),
        ]
    found += [
        row(
            "RSS: built (peak of all runs)",
            f"{_mb(result.rss_after)} ({_mb(result.peak_rss)})",
            f"peak <= {_mb(b.rss_bytes)}",
            bool(result.rss_after) and result.peak_rss <= b.rss_bytes,
        ),
    ]
    if result.serve_rss:
        found.append(
            row(
                "RSS: second start, after the queries",
                f"{_mb(result.serve_rss)} ({result.bytes_per_paragraph / 1024:.1f} KB"
                " per paragraph)",
            )
        )
    return found


# -- vectors -------------------------------------------------------------------------------
def vector_rows(results: Sequence[VectorResult]) -> list[Row]:
    found: list[Row] = []
    for result in results:
        part = f"vectors {result.resolutions:,}"
        found.append(Row(part, "rows (paragraphs and clauses)", f"{result.rows:,} x 384"))
        if result.status != "ok":
            found.append(Row(part, "status", result.status))
        for backend in result.backends:
            name = backend.name + (" (chosen)" if backend.chosen else "")
            found += [
                Row(
                    part,
                    f"{name}: query p50 / p99",
                    f"{_ms(backend.latency.p50)} / {_ms(backend.latency.p99)}",
                ),
                Row(
                    part,
                    f"{name}: recall@10, memory",
                    f"{backend.recall:.3f}, {_mb(backend.memory_bytes)}",
                ),
                Row(
                    part,
                    f"{name}: build, add one resolution",
                    f"{_seconds(backend.build_seconds)}, {backend.add_ms:.1f} ms",
                ),
            ]
    return found


# -- http ----------------------------------------------------------------------------------
def ceiling_row(result: HttpResult, engine: HttpResult | None) -> Row:
    """Bare aiohttp spending the engine's time per answer: the most a server gives here."""
    share = f" = {result.rps / engine.rps:.0%} of {engine.rps:,.0f}/s" if engine else ""
    return Row(
        "http",
        f"{result.label}: requests/s against the engine alone (the ceiling on aiohttp)",
        f"{result.rps:,.0f}/s{share}",
    )


def http_rows(results: Sequence[HttpResult], t: Targets) -> list[Row]:
    bare = {
        r.workers: r
        for r in results
        if r.server == "bare" and r.status == "ok" and not r.spend_ms and not r.round
    }
    alone = {
        (r.cache, r.round): r for r in results if r.server == "engine alone" and r.status == "ok"
    }
    found: list[Row] = []
    for result in results:
        part = "http"
        name = result.label
        if result.status != "ok":
            found.append(Row(part, name, result.status))
            continue
        if result.server == "engine alone":
            found.append(Row(part, f"{name}: answers/s (no HTTP)", f"{result.rps:,.0f}/s"))
            continue
        if result.spend_ms:
            found.append(ceiling_row(result, alone.get(("off", result.round))))
            continue
        engine = alone.get((result.cache, result.round))
        if result.server == "resbot" and result.workers == 1 and engine and engine.rps:
            against = result.rps / engine.rps
            judged = result.cache == "off" and not result.round
            found.append(
                Row(
                    part,
                    f"{name}: answers/s against the engine alone",
                    f"{result.rps:,.0f}/s = {against:.0%} of {engine.rps:,.0f}/s",
                    f">= {t.http_share_engine:.0%}" if judged else "",
                    against >= t.http_share_engine if judged else None,
                )
            )
        judged = result.server == "resbot" and result.workers == 1
        base = bare.get(result.workers)
        share = result.rps / base.rps if base and base.rps and result.server != "bare" else None
        goal = t.http_share_cache_on if result.cache == "on" else t.http_share_cache_off
        rps = f"{result.rps:,.0f}/s" + (f" = {share:.0%} of bare" if share is not None else "")
        found += [
            Row(
                part,
                f"{name}: requests/s",
                rps,
                f">= {goal:.0%} of bare" if judged else "",
                (share is not None and share >= goal) if judged else None,
            ),
            Row(
                part,
                f"{name}: p50 / p99",
                f"{_ms(result.p50_ms)} / {_ms(result.p99_ms)}",
                f"p99 <= {t.http_p99_ms:g} ms" if judged else "",
                result.p99_ms <= t.http_p99_ms if judged else None,
            ),
            Row(
                part,
                f"{name}: errors",
                f"{result.non_2xx} non-2xx, {result.socket_errors} socket of {result.requests:,}",
                "0" if judged else "",
                (result.non_2xx + result.socket_errors == 0) if judged else None,
            ),
        ]
    return found + paired_rows(results, t)


def paired_rows(results: Sequence[HttpResult], t: Targets) -> list[Row]:
    """The paired rounds' verdict: the median of the rounds' shares, the server's and the
    ceiling's, each against the engine alone of its own round."""
    rounds = sorted({r.round for r in results if r.round})
    if not rounds:
        return []

    def shares(server: str, spending: bool) -> list[float]:
        found = []
        for k in rounds:
            of_round = [r for r in results if r.round == k and r.status == "ok"]
            engine = next((r for r in of_round if r.server == "engine alone"), None)
            measured = next(
                (r for r in of_round if r.server == server and bool(r.spend_ms) == spending),
                None,
            )
            if engine and engine.rps and measured:
                found.append(measured.rps / engine.rps)
        return found

    def told(values: list[float]) -> str:
        each = ", ".join(f"{v:.0%}" for v in values)
        return f"{statistics.median(values):.0%} (rounds: {each})" if values else "no round"

    server, ceiling = shares("resbot", False), shares("bare", True)
    measure = f"median of {len(rounds)} paired rounds: answers/s against the engine alone"
    return [
        Row("http", f"{measure}, the ceiling (bare aiohttp spending its time)", told(ceiling)),
        Row(
            "http",
            f"{measure}, resbot, 1 worker, cache off",
            told(server),
            f">= {t.http_share_engine:.0%}",
            bool(server) and statistics.median(server) >= t.http_share_engine,
        ),
    ]


# -- rendering -----------------------------------------------------------------------------
def render_table(report: BenchReport, targets: Targets = Targets()) -> str:
    table = rows(report, targets)
    headers = ("part", "measure", "value", "target", "result")
    cells = [headers, *((r.part, r.measure, r.value, r.target, r.result) for r in table)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    lines = [_machine_line(report.machine), ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    previous = ""
    for cell in cells[1:]:
        if previous and cell[0] != previous:
            lines.append("")
        previous = cell[0]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    checked = [r for r in table if r.passed is not None]
    passed = sum(bool(r.passed) for r in checked)
    lines += ["", f"targets met: {passed} of {len(checked)}"]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _machine_line(machine: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in machine.items())


def to_json(report: BenchReport, targets: Targets = Targets()) -> str:
    data = {
        "machine": report.machine,
        "engine": _plain(report.engine),
        "cold_start": _plain(report.cold_start),
        "cold_start_lexical": _plain(report.cold_start_lexical),
        "scale": [_plain(r) for r in report.scale],
        "vectors": [_plain(r) for r in report.vectors],
        "http": [_plain(r) for r in report.http],
        "checks": [
            {
                "part": r.part,
                "measure": r.measure,
                "value": r.value,
                "target": r.target,
                "pass": r.passed,
            }
            for r in rows(report, targets)
            if r.passed is not None
        ],
        "targets": dataclasses.asdict(targets),
        "notes": report.notes,
    }
    return json.dumps(_finite(data), indent=2)


def _plain(result: object) -> Any:
    if result is None:
        return None
    data: dict[str, Any] = dataclasses.asdict(result)  # type: ignore[call-overload]
    for name in ("topic_accuracy", "peak_rss", "bytes_per_paragraph", "label"):
        if hasattr(result, name):
            data[name] = getattr(result, name)
    return data


def _finite(value: Any) -> Any:
    """NaN (no sample) becomes null: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def from_json(text: str) -> BenchReport:
    """A report saved with --json, to render again (`python -m bot.bench.report FILE`)."""
    data = json.loads(text)
    return BenchReport(
        machine=data["machine"],
        engine=from_dict(EngineResult, data["engine"]) if data.get("engine") else None,
        cold_start=from_dict(ColdStartResult, data["cold_start"])
        if data.get("cold_start")
        else None,
        cold_start_lexical=from_dict(ColdStartResult, data["cold_start_lexical"])
        if data.get("cold_start_lexical")
        else None,
        scale=[from_dict(ScaleResult, r) for r in data.get("scale") or []],
        vectors=[from_dict(VectorResult, r) for r in data.get("vectors") or []],
        http=[from_dict(HttpResult, r) for r in data.get("http") or []],
        notes=list(data.get("notes") or []),
    )


def emit(report: BenchReport, *, as_json: bool) -> None:
    print(to_json(report) if as_json else render_table(report))


def error(message: str) -> None:
    print(f"resbot bench: {message}", file=sys.stderr)


def status(message: str) -> None:
    """What the run is doing, on standard error when it is a terminal."""
    if sys.stderr.isatty():
        print(f"resbot bench: {message}", file=sys.stderr, flush=True)


# -- formatting ----------------------------------------------------------------------------
def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value < 10:
        return f"{value:.2f} ms"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mb(value: int) -> str:
    return f"{value / GB:.2f} GB" if value >= GB else f"{value / MB:.1f} MB"


def _percentiles(latency: Latency) -> str:
    return " / ".join(_ms(v) for v in (latency.p50, latency.p95, latency.p99)) + " (p50/95/99)"


def _accuracy(correct: int, total: int) -> str:
    return f"{correct}/{total} = {correct / total:.0%}" if total else "-"


if __name__ == "__main__":
    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as saved:
            print(render_table(from_json(saved.read())))
