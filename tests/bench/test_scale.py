"""A tiny scale run goes through the worker processes and reports every figure: the first
build by phase, a second start from the saved engine with its query latency, one more
resolution added."""

from __future__ import annotations

import pytest

from bot.bench.report import BenchReport, Targets, rows
from bot.bench.scale import run_scale
from tests.bench.conftest import DEV, INTENTS, KNOWLEDGE


@pytest.mark.slow
def test_a_run_of_five_resolutions_reports_build_memory_and_latency() -> None:
    (result,) = run_scale([5], KNOWLEDGE, INTENTS, DEV, query_budget=2.0, phrases=5)
    assert result.status == "ok", result.status
    assert result.documents == 5
    assert result.paragraphs > 5 * 20
    assert result.rss_after > result.rss_before > 0
    assert result.index_seconds > 0 and result.parse_seconds > 0
    assert result.merge_seconds > 0 and result.save_seconds > 0 and result.saved_bytes > 0
    phases = result.parse_seconds + result.index_seconds + result.merge_seconds
    assert result.build_seconds >= phases + result.save_seconds
    assert 0 < result.start_seconds < result.start_process_seconds
    assert 0 < result.questions <= result.planned
    assert result.latency.count == result.questions
    assert result.serve_rss > 0 and result.peak_rss >= result.serve_rss
    assert result.add_seconds > 0 and result.add_parsed == 1
    # Semantic matching on: the model embedded every paragraph and clause, saved as rows.
    assert result.encoder == "model" and result.embed_seconds > 0
    assert result.vectors >= result.paragraphs and result.texts_embedded > 0


@pytest.mark.slow
def test_a_stand_in_size_reports_the_model_estimate() -> None:
    (result,) = run_scale(
        [3], KNOWLEDGE, INTENTS, DEV, query_budget=1.0, phrases=3, stand_in_from=3
    )
    assert result.status == "ok", result.status
    assert result.encoder == "stand-in" and result.vectors >= result.paragraphs
    assert result.model_texts_per_second > 0 and result.add_parsed == 1
    measures = {r.measure: r for r in rows(BenchReport(machine={}, scale=[result]), Targets())}
    assert "first build with the model (estimated, not run)" in measures
