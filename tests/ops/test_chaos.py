"""`make chaos`, smaller: Redis frozen, killed and restarted, then restarted empty, under two
`resbot serve` processes and 20 senders. No request fails and no follow-up is answered from
the wrong paragraph (a lost context is allowed and counted).

Not part of `make test`: it is a randomised stress run, and one run in about five has given one
wrong-context answer after an empty Redis restart (1 in 1,445 follow-ups; issue 15 stays open
for it). `make chaos` runs it with the full-size figures."""

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
