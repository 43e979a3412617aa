"""The vector part runs in a worker process and reports each backend beside the chosen one."""

from __future__ import annotations

import pytest

from bot.bench.report import BenchReport, render_table
from bot.bench.vectors import ROWS_PER_RESOLUTION, run_vectors


@pytest.mark.slow
def test_a_small_vector_run_reports_every_backend() -> None:
    (result,) = run_vectors([20])
    assert result.status == "ok" and result.rows == 20 * ROWS_PER_RESOLUTION
    names = [b.name for b in result.backends]
    assert names == ["exact, 8-bit codes", "IVF (faiss), nprobe 16"]
    exact, ivf = result.backends
    assert exact.chosen and not ivf.chosen  # 1,600 rows: exact is within its budget
    assert exact.recall >= 0.9 and ivf.recall > 0.5
    assert exact.latency.count == 200 and ivf.memory_bytes >= exact.memory_bytes
    table = render_table(BenchReport(machine={}, vectors=[result]))
    assert "exact, 8-bit codes (chosen): query p50 / p99" in table
