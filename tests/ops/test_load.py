"""A real server under load: several thousand requests at 256 connections (no 5xx, memory
bounded), a reload under load (no failed request), and SIGTERM under load (every request the
server accepted is answered, pending Slack replies are posted, exit status 0)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.bot import SLACK_SECRET, SLACK_TOKEN, slack_headers
from tests.fakes.platforms import FakeSlackApi
from tests.ops.load import hammer, rss_kib
from tests.ops.processes import start_server

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

ADMIN_TOKEN = "load-Admin-token-42"
TOTAL = 3000


async def test_thousands_of_requests_at_256_connections(tmp_path: Path) -> None:
    server = await start_server(tmp_path / "serve.log", env={"RESBOT_LOG_LEVEL": "WARNING"})
    try:
        await hammer(server.url, total=512, concurrency=256)  # warm up: connections, sessions
        before = rss_kib(server.pid)
        started = time.monotonic()
        tally = await hammer(server.url, total=TOTAL, concurrency=256)
        elapsed = time.monotonic() - started
        after = rss_kib(server.pid)
    finally:
        assert await server.stop() == 0
    print(
        f"\nload: {tally.answered} requests at 256 connections in {elapsed:.1f} s "
        f"({tally.answered / elapsed:.0f}/s), statuses {dict(tally.statuses)}, "
        f"RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB"
    )
    assert tally.answered == TOTAL and not tally.errors
    assert tally.server_errors == 0 and tally.statuses[200] == TOTAL
    assert after - before < 48 * 1024, (before, after)
    assert elapsed < 120


async def test_reloading_under_load_fails_no_request(tmp_path: Path) -> None:
    env = {"RESBOT_ADMIN_TOKEN": ADMIN_TOKEN, "RESBOT_LOG_LEVEL": "WARNING"}
    server = await start_server(tmp_path / "serve.log", env=env)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        load = asyncio.create_task(hammer(server.url, total=1500, concurrency=64))
        reloads = []
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                await asyncio.sleep(0.2)
                async with session.post(f"{server.url}/admin/reload", headers=headers) as r:
                    reloads.append(r.status)
        tally = await load
    finally:
        assert await server.stop() == 0
    assert reloads == [200, 200, 200]
    assert tally.statuses[200] == 1500 and not tally.errors


class SlowSlackApi(FakeSlackApi):
    """Takes its time to accept a message: the reply is still pending at SIGTERM."""

    async def record(self, request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return await super().record(request)


def access_statuses(log: str) -> list[int]:
    lines = (json.loads(line) for line in log.splitlines() if line.startswith("{"))
    return [line["status"] for line in lines if line.get("logger") == "bot.server.access"]


async def test_sigterm_under_load_answers_every_accepted_request(tmp_path: Path) -> None:
    slack = SlowSlackApi()
    await slack.start()
    env = {
        "RESBOT_LOG_JSON": "1",
        "RESBOT_SLACK_SIGNING_SECRET": SLACK_SECRET,
        "RESBOT_SLACK_BOT_TOKEN": SLACK_TOKEN,
        "RESBOT_SLACK_API_URL": slack.api_url,
    }
    server = await start_server(tmp_path / "serve.log", env=env)
    stop = asyncio.Event()
    event: dict[str, Any] = {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev-term",
        "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.000100",
                  "text": "<@U0BOT> When was it adopted?"},
    }  # fmt: skip
    body = json.dumps(event).encode()
    try:
        load = asyncio.create_task(hammer(server.url, total=100_000, concurrency=256, stop=stop))
        async with aiohttp.ClientSession() as session:
            await asyncio.sleep(1.0)
            async with session.post(
                f"{server.url}/webhooks/slack/events", data=body, headers=slack_headers(body)
            ) as response:
                assert response.status == 200
        server.send(15)  # SIGTERM, with requests in flight on 256 connections
        code = await asyncio.wait_for(server.process.wait(), 40)
        stop.set()
        tally = await load
    finally:
        await server.kill()
        await slack.close()
    assert code == 0
    served = access_statuses(server.log())
    print(
        f"\nSIGTERM under load: {tally.answered} answered, {dict(tally.statuses)}, "
        f"connection errors after shutdown {dict(tally.errors)}; server logged {len(served)}"
    )
    assert tally.server_errors == 0 and set(tally.statuses) == {200}
    # Every request the server took on was answered, and the client got each answer.
    assert set(served) == {200}
    assert tally.answered == len(served) - 1  # the Slack event was sent outside the load
    assert tally.answered > 256
    posted = slack.posted()
    assert len(posted) == 1 and posted[0]["channel"] == "C1"
