"""`resbot serve --workers N`: N processes on one port (SO_REUSEPORT); the supervisor forwards
SIGHUP and SIGTERM, replaces a worker that dies, and exits 0 once all have stopped."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from tests.ops.processes import INTENTS, KNOWLEDGE, ROOT, start_server

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

EXTRA_DOCUMENT = ROOT / "tests" / "fixtures" / "resolutions" / "A_RES_73_6.txt"


async def documents_by_pid(
    url: str, *, attempts: int = 40, tolerate_resets: bool = False
) -> dict[int, int]:
    """Fresh connections until both workers have answered (the kernel picks one each time).
    Right after a worker is killed, connections the kernel had queued on its socket are reset
    until the supervisor's replacement listens: `tolerate_resets` skips those."""
    seen: dict[int, int] = {}
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(attempts):
            try:
                async with session.get(f"{url}/healthz") as response:
                    assert response.status == 200
                    health = await response.json()
            except (aiohttp.ClientConnectionError, ConnectionResetError):
                if not tolerate_resets:
                    raise
                continue
            seen[health["pid"]] = health["documents"]["count"]
    return seen


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_workers_share_the_port_reload_on_sighup_and_stop_on_sigterm(
    tmp_path: Path,
) -> None:
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(KNOWLEDGE, knowledge)
    shutil.copytree(INTENTS, intents)
    server = await start_server(
        tmp_path / "serve.log", knowledge=knowledge, intents=intents, args=["--workers", "2"]
    )
    try:
        before = await documents_by_pid(server.url)
        assert len(before) == 2 and server.pid not in before
        assert set(before.values()) == {1}

        shutil.copy(EXTRA_DOCUMENT, knowledge)
        server.send(signal.SIGHUP)
        # Each worker reloads on its own, clause and paragraph vectors included: seconds on a
        # quiet machine, far more when both workers encode at once on a loaded one.
        deadline = time.monotonic() + 90
        while set((after := await documents_by_pid(server.url)).values()) != {2}:
            assert time.monotonic() < deadline, after
            await asyncio.sleep(0.2)
        assert set(after) == set(before)

        victim = next(iter(before))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (
            victim in (now := await documents_by_pid(server.url, tolerate_resets=True))
            or len(now) != 2
        ):
            assert time.monotonic() < deadline, now
            await asyncio.sleep(0.2)
    finally:
        code = await server.stop()
    assert code == 0
    assert not any(alive(pid) for pid in {*before, *now})
    log = server.log()
    assert "died" in log and log.count("shutting down") == 2
