"""The table and the JSON render every part, with each target's PASS/FAIL beside it."""

from __future__ import annotations

import json
from dataclasses import replace

from bot.bench.bm25 import Bm25Result
from bot.bench.coldstart import ColdStartResult
from bot.bench.engine import EngineResult, SemanticResult
from bot.bench.http import HttpResult
from bot.bench.measure import Latency
from bot.bench.report import BenchReport, from_json, render_table, rows, to_json
from bot.bench.scale import ScaleResult

FAST = Latency.of([0.0002] * 10)
SLOW = Latency.of([0.004] * 10)


def sample_report() -> BenchReport:
    bm25 = Bm25Result("0.3.16", 0.01, 2_000_000, FAST, FAST, 29, 41)
    engine = EngineResult(
        1,
        32,
        70,
        "cache_size=0",
        0.09,
        0.08,
        0.01,
        40_000_000,
        42_000_000,
        SLOW,
        FAST,
        41,
        41,
        bm25,
        SemanticResult(
            "all-MiniLM-L6-v2-onnx-int8",
            "ok",
            model_load_seconds=0.3,
            vectors_seconds=2.0,
            vectors=67,
            rss_after=200_000_000,
            encode=Latency.of([0.008] * 10),
            encoded=4,
            first=Latency.of([0.001] * 66 + [0.009] * 4),
            steady=FAST,
            topic_correct=41,
            topic_total=41,
        ),
    )
    return BenchReport(
        machine={"cores": 2},
        engine=engine,
        cold_start=ColdStartResult("resbot ask hello", 7, 0.55, 0.5, 0.6, 0.02, 0),
        cold_start_lexical=ColdStartResult("resbot ask hello", 7, 0.4, 0.38, 0.5, 0.02, 0, False),
        scale=[
            ScaleResult(
                100,
                documents=100,
                paragraphs=2900,
                build_seconds=1.0,
                parse_seconds=0.5,
                index_seconds=0.4,
                merge_seconds=0.05,
                save_seconds=0.05,
                rss_before=40_000_000,
                rss_after=60_000_000,
                build_peak_rss=61_000_000,
                start_seconds=0.1,
                start_process_seconds=0.5,
                serve_rss=50_000_000,
                latency=FAST,
                questions=220,
                planned=220,
                add_seconds=0.2,
                add_parsed=1,
            ),
            ScaleResult(
                1_000,
                documents=1_000,
                paragraphs=29_000,
                build_seconds=9.0,
                rss_after=90_000_000,
                build_peak_rss=120_000_000,
                start_seconds=0.2,
                start_process_seconds=0.6,
                serve_rss=70_000_000,
                latency=SLOW,
                questions=220,
                planned=220,
                add_seconds=2.5,
                add_parsed=1,
            ),
            ScaleResult(
                10_000,
                status="stopped after its time limit while building",
                documents=10_000,
                parse_seconds=40.0,
            ),
        ],
        http=[
            HttpResult(
                "bare",
                1,
                "-",
                processes=1,
                requests=60_000,
                seconds=10.0,
                rps=6000.0,
                p50_ms=8.0,
                p99_ms=15.0,
            ),
            HttpResult(
                "resbot",
                1,
                "off",
                processes=1,
                requests=25_000,
                seconds=10.0,
                rps=2500.0,
                p50_ms=20.0,
                p99_ms=45.0,
            ),
            HttpResult("resbot", 2, "on", status="not available: --workers 2 gave 1 process"),
            HttpResult(
                "engine alone", 1, "off", processes=1, requests=40_000, seconds=10.0, rps=4000.0
            ),
            HttpResult(
                "bare",
                1,
                "-",
                processes=1,
                requests=32_000,
                seconds=10.0,
                rps=3200.0,
                spend_ms=0.25,
            ),
        ],
    )


def test_table_shows_figures_beside_targets() -> None:
    table = render_table(sample_report())
    for text in (
        "engine",
        "bm25s 0.3.16",
        "cold start",
        "scale 10,000",
        "requests/s",
        "42% of bare",
        "not available: --workers 2",
        "41/41 = 100%",
        "targets met",
    ):
        assert text in table
    checks = {(r.part, r.measure): r.result for r in rows(sample_report()) if r.result}
    assert checks[("engine", "median ratio engine / bm25s")] == "PASS"
    cold = 'resbot ask "hello", {}, saved engine, median of 7'
    assert checks[("cold start", cold.format("semantic on"))] == "PASS"  # <= 0.6 s
    assert checks[("cold start", cold.format("RESBOT_SEMANTIC=off"))] == "PASS"  # <= 0.5 s
    assert checks[("semantic", "latency, first sight (70 q) p50")] == "PASS"
    assert checks[("semantic", "latency, first sight (70 q) p99")] == "PASS"
    assert "4 of 70 (the others: lexical evidence decisive)" in table
    assert checks[("scale 10,000", "status")] == "FAIL"
    assert checks[("scale 1,000", "first build (parse, index, embed, merge, save)")] == "PASS"
    assert checks[("scale 1,000", 'second start: resbot ask "hello", whole process')] == "PASS"
    assert checks[("scale 1,000", "add one resolution: load_engine")] == "FAIL"  # 2.5 s > 2 s
    assert checks[("scale 1,000", "query p50 / p99 (220 of 220 q)")] == "PASS"
    assert checks[("scale 1,000", "RSS: built (peak of all runs)")] == "PASS"
    assert checks[("http", "resbot, 1 worker, cache off: requests/s")] == "PASS"
    assert not any(part == "scale 100" for part, _ in checks)  # 1,000 and 10,000 are judged


def test_json_is_strict_and_lists_the_checks() -> None:
    report = sample_report()
    report.scale.append(ScaleResult(5, latency=Latency.of([])))  # NaN percentiles
    data = json.loads(
        to_json(report), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))
    )
    assert data["engine"]["topic_accuracy"] == 1.0
    assert data["scale"][-1]["latency"]["p50"] is None
    assert any(c["part"] == "engine" and c["pass"] is False for c in data["checks"])


def test_a_saved_report_renders_the_same_table() -> None:
    report = sample_report()
    assert render_table(from_json(to_json(report))) == render_table(report)


def test_the_ceiling_on_aiohttp_is_shown_against_the_engine_alone() -> None:
    table = render_table(sample_report())
    assert "bare, 1 worker, 0.25 ms of CPU a request" in table
    assert "3,200/s = 80% of 4,000/s" in table
    assert "42% of bare" in table  # resbot still compared with the bare server that spends none
    assert "engine alone, 1 worker, cache off: answers/s (no HTTP)" in table


def test_paired_rounds_are_judged_by_the_median_of_their_shares() -> None:
    def round_of(k: int, engine: float, ceiling: float, server: float) -> list[HttpResult]:
        return [
            HttpResult("engine alone", 1, "off", rps=engine, round=k),
            HttpResult("bare", 1, "-", rps=ceiling, spend_ms=1000.0 / engine, round=k),
            HttpResult("resbot", 1, "off", rps=server, requests=100, round=k),
        ]

    report = sample_report()
    # the machine slows down between rounds: each share is against its own round's engine
    report.http = [
        *round_of(1, 500.0, 420.0, 360.0),  # 84%, 72%
        *round_of(2, 400.0, 320.0, 340.0),  # 80%, 85%
        *round_of(3, 600.0, 480.0, 420.0),  # 80%, 70%
    ]
    table = render_table(report)
    assert "round 2: resbot, 1 worker, cache off: answers/s against the engine alone" in table
    assert "340/s = 85% of 400/s" in table  # against round 2's engine, not round 1's
    assert "80% (rounds: 84%, 80%, 80%)" in table
    assert "72% (rounds: 72%, 85%, 70%)" in table
    checks = {(r.part, r.measure): r.result for r in rows(report) if r.result}
    judged = "median of 3 paired rounds: answers/s against the engine alone, resbot, 1 worker"
    assert checks[("http", judged + ", cache off")] == "FAIL"  # 72% < 80%
    one_round = "round 2: resbot, 1 worker, cache off: answers/s against the engine alone"
    assert ("http", one_round) not in checks  # one round alone is not the verdict
    report.http[-1] = replace(report.http[-1], rps=510.0)  # 85%: median 85%
    checks = {(r.part, r.measure): r.result for r in rows(report) if r.result}
    assert checks[("http", judged + ", cache off")] == "PASS"
