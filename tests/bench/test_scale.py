"""A tiny scale run goes through the worker processes and reports every figure: the first
build by phase, a second start from the saved engine with its query latency, one more
resolution added."""

from __future__ import annotations

import pytest

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
