"""The wrk script and the bare baseline, for real for one second when wrk is installed."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from bot.bench.baseline import spend_cpu
from bot.bench.http import (
    HttpResult,
    Load,
    ceiling,
    lua_script,
    measure_server,
    paired_round,
    request_bodies,
    server_command,
)
from tests.bench.conftest import INTENTS, KNOWLEDGE


def need_wrk() -> None:
    """Skipped without wrk on a developer's machine; in CI a missing wrk fails."""
    if shutil.which("wrk") is None:
        message = "wrk is not installed: run .ci/system-deps (apt-get install wrk)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_the_baseline_spends_cpu_time_not_wall_time() -> None:
    started = time.thread_time()
    spend_cpu(0.02)
    assert time.thread_time() - started >= 0.02


def test_bodies_rotate_senders_and_questions() -> None:
    bodies = request_bodies(["a?", "b?", "c?"], count=6)
    decoded = [json.loads(b) for b in bodies]
    assert len({d["sender"] for d in decoded}) == 6
    assert [d["message"] for d in decoded] == ["a?", "b?", "c?"] * 2
    script = lua_script(['{"message": "x]]y"}'])
    assert '[=[{"message": "x]]y"}]=]' in script


@pytest.mark.slow
def test_one_second_against_the_bare_baseline(tmp_path: Path) -> None:
    need_wrk()
    script = tmp_path / "bodies.lua"
    bodies = request_bodies(["What is it about?"], count=10)
    script.write_text(lua_script(bodies))
    result = measure_server(
        server_command("bare", KNOWLEDGE, INTENTS, 1),
        HttpResult("bare", 1, "-"),
        env={},
        load=Load(duration=1.0, connections=4, script=script, bodies=tuple(bodies)),
        log_path=tmp_path / "bare.log",
    )
    assert result.status == "ok", result.status
    assert result.requests > 0 and result.rps > 0
    assert result.non_2xx == 0 and result.processes == 1


@pytest.mark.slow
def test_the_ceiling_is_the_bare_baseline_spending_the_engines_time(tmp_path: Path) -> None:
    need_wrk()
    script = tmp_path / "bodies.lua"
    script.write_text(lua_script(request_bodies(["What is it about?"], count=10)))
    load = Load(duration=1.0, connections=4, script=script)
    alone = HttpResult("engine alone", 1, "off", rps=200.0)  # 5 ms of CPU an answer
    [result] = ceiling(alone, load, tmp_path)
    assert result.status == "ok", result.status
    assert result.spend_ms == 5.0 and result.requests > 0
    assert result.rps < 200.0  # each request spent 5 ms of the one process's CPU


@pytest.mark.slow
def test_a_paired_round_measures_the_engine_the_ceiling_and_the_server_in_turn(
    tmp_path: Path,
) -> None:
    need_wrk()
    questions = ["What is it about?", "hello", "Which paragraph mentions technical assistance?"]
    script = tmp_path / "bodies.lua"
    bodies = request_bodies(questions, count=30)
    script.write_text(lua_script(bodies))
    load = Load(duration=1.0, connections=4, script=script, bodies=tuple(bodies))
    alone, spending, server = paired_round(2, KNOWLEDGE, INTENTS, questions, load, tmp_path)
    assert [r.round for r in (alone, spending, server)] == [2, 2, 2]
    assert [r.status for r in (alone, spending, server)] == ["ok"] * 3
    assert (alone.server, spending.server, server.server) == ("engine alone", "bare", "resbot")
    assert alone.rps > 0 and spending.spend_ms == pytest.approx(1000.0 / alone.rps)
    assert server.requests > 0 and server.non_2xx == 0 and server.cache == "off"
    assert server.label.startswith("round 2: resbot, 1 worker")
