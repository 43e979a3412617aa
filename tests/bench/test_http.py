"""The wrk script and the bare baseline, for real for one second when wrk is installed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bot.bench.http import (
    HttpResult,
    Load,
    lua_script,
    measure_server,
    request_bodies,
    server_command,
)
from tests.bench.conftest import INTENTS, KNOWLEDGE


def test_bodies_rotate_senders_and_questions() -> None:
    bodies = request_bodies(["a?", "b?", "c?"], count=6)
    decoded = [json.loads(b) for b in bodies]
    assert len({d["sender"] for d in decoded}) == 6
    assert [d["message"] for d in decoded] == ["a?", "b?", "c?"] * 2
    script = lua_script(['{"message": "x]]y"}'])
    assert '[=[{"message": "x]]y"}]=]' in script


@pytest.mark.slow
def test_one_second_against_the_bare_baseline(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        message = "wrk is not installed: run .ci/system-deps (apt-get install wrk)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    script = tmp_path / "bodies.lua"
    script.write_text(lua_script(request_bodies(["What is it about?"], count=10)))
    result = measure_server(
        server_command("bare", KNOWLEDGE, INTENTS, 1),
        HttpResult("bare", 1, "-"),
        env={},
        load=Load(duration=1.0, connections=4, script=script),
        log_path=tmp_path / "bare.log",
    )
    assert result.status == "ok", result.status
    assert result.requests > 0 and result.rps > 0
    assert result.non_2xx == 0 and result.processes == 1
