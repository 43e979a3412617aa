"""`make chaos`, smaller: Redis frozen, killed and restarted, then restarted empty, under two
`resbot serve` processes and 20 senders. No request fails and no follow-up is answered from
the wrong paragraph (a lost context is allowed and counted). Part of `make test` too: it is
randomised, but any wrong answer is a defect (the last one, a lease lost with Redis's data,
is `test_an_empty_restart_forgets_no_partitioned_process`), never a flake to retry. `make
chaos` runs it beside the full-size run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops.chaos import report, run

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow, pytest.mark.chaos]


async def test_redis_faults_under_load_never_give_a_wrong_context(tmp_path: Path) -> None:
    result = await run(senders=20, scale=0.4, max_requests=20_000, seed=7, workdir=tmp_path)
    summary = report(result)
    assert result["failed"] == 0, summary
    assert result["wrong_context"] == 0, summary
    assert result["followups"] > 500, summary
    assert result["exit_codes"] == [0, 0] and result["tracebacks"] == 0, summary
    assert all(lines <= 2 for lines in result["outage_log_lines"]), summary
