"""Percentiles and the JSON round trip of results between processes."""

from __future__ import annotations

import dataclasses
import json
import math

from bot.bench.bm25 import Bm25Result
from bot.bench.engine import EngineResult, SemanticResult
from bot.bench.measure import Latency, from_dict, percentile


def test_percentiles_interpolate_like_numpy() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert math.isnan(Latency.of([]).p50)
    latency = Latency.of([0.001, 0.002, 0.003])
    assert (latency.count, latency.p50, latency.max) == (3, 2.0, 3.0)


def test_results_survive_the_trip_through_json() -> None:
    latency = Latency.of([0.001, 0.004])
    bm25 = Bm25Result("0.3", 0.01, 1024, latency, latency, 3, 4)
    result = EngineResult(
        1, 32, 70, "cache_size=0", 0.1, 0.2, 0.05, 1, 2, latency, latency, 5, 6, bm25
    )
    text = json.dumps(dataclasses.asdict(result))
    assert from_dict(EngineResult, json.loads(text)) == result
    semantic = SemanticResult("model", "ok", 0.3, 2.0, 67, 3, latency, 4, latency, latency, 5, 6)
    with_semantic = dataclasses.replace(result, semantic=semantic)
    text = json.dumps(dataclasses.asdict(with_semantic))
    assert from_dict(EngineResult, json.loads(text)) == with_semantic
