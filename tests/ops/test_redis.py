"""Shared state on a real redis-server: sessions, rate limits and deduplication shared by two
`resbot serve` processes; Redis stopped mid-conversation (answers go on, /healthz degraded,
logged once) and started again (the conversation resumes, no restart)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.models import ConversationState
from bot.server.dedupe import RedisDedupe
from bot.server.limits import Rate, RedisRateLimiter
from bot.server.sessions import Stored, Written
from bot.server.sessions.redis import RedisLink, RedisSessionStore
from bot.server.settings import Settings
from tests.ops.processes import RedisServer, start_server

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

NEXT = "and the next paragraph?"


@pytest.fixture
async def link(redis_server: RedisServer) -> AsyncIterator[RedisLink]:
    link = RedisLink(redis_server.url, timeout=0.5, retry_interval=0.05)
    yield link
    await link.close()


async def test_sessions_round_trip_as_versioned_json_with_a_ttl(link: RedisLink) -> None:
    store = RedisSessionStore(link, ttl_seconds=120)
    state = ConversationState(document="A/RES/71/194", paragraph="op3", last_question="and op3?")
    assert await store.read("ann") == Stored(None, version=0)
    assert await store.write("ann", state, version=0) is Written.DONE
    assert await store.read("ann") == Stored(state, version=1)
    raw = await link.client.hget("resbot:session:ann", "s")
    assert json.loads(raw)["paragraph"] == "op3"
    assert 0 < await link.client.ttl("resbot:session:ann") <= 120
    assert await store.write("ann", ConversationState(), version=0) is Written.CONFLICT
    await link.client.hset("resbot:session:bob", mapping={"v": "1", "e": "0", "s": "{not json"})
    assert (await store.read("bob")).state is None
    await link.client.set("resbot:session:old", b'{"paragraph": "op1"}')  # before versions
    assert await store.read("old") == Stored(None, version=0)
    await store.delete("ann")
    assert (await store.read("ann")).state is None
    assert store.status() == {"backend": "redis", "ok": True}


async def test_rate_limits_and_dedupe_are_shared_between_processes(
    redis_server: RedisServer,
) -> None:
    first, second = RedisLink(redis_server.url), RedisLink(redis_server.url)
    try:
        rate = Rate(per_minute=6, burst=2)
        a, b = RedisRateLimiter(first), RedisRateLimiter(second)
        assert await a.acquire("sender:x", rate) == 0.0
        assert await b.acquire("sender:x", rate) == 0.0
        wait = await a.acquire("sender:x", rate)
        assert 9.0 < wait <= 10.0  # one token every 10 s
        assert await b.acquire("sender:y", rate) == 0.0
        seen_a = RedisDedupe(first, namespace="telegram", ttl_seconds=60)
        seen_b = RedisDedupe(second, namespace="telegram", ttl_seconds=60)
        assert await seen_a.first_time("41") is True
        assert await seen_b.first_time("41") is False
        assert await seen_b.first_time("42") is True
    finally:
        await first.close()
        await second.close()


async def test_unreachable_redis_fails_fast_logs_once_and_recovers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.server.sessions.redis")
    link = RedisLink(redis_server.url, timeout=0.3, retry_interval=0.2)
    store = RedisSessionStore(link, ttl_seconds=60)
    limiter, seen = RedisRateLimiter(link), RedisDedupe(link, namespace="slack", ttl_seconds=60)
    try:
        assert await store.write("ann", ConversationState(paragraph="op3"), version=0)
        redis_server.stop()
        started = time.monotonic()
        for _ in range(50):
            assert await store.read("ann") == Stored(None, version=None, lost=True)
            assert await store.write("ann", ConversationState(), version=1) is Written.UNAVAILABLE
        assert time.monotonic() - started < 2.0
        assert await limiter.acquire("k", Rate(60, 1)) == 0.0  # per-process bucket meanwhile
        assert await limiter.acquire("k", Rate(60, 1)) > 0
        assert await seen.first_time("Ev1") is True
        assert await seen.first_time("Ev1") is False  # remembered locally
        assert store.status()["ok"] is False and store.status()["error"]
        outages = [r for r in caplog.records if "unavailable" in r.getMessage()]
        assert len(outages) == 1
        assert redis_server.url not in caplog.text

        redis_server.start()
        await asyncio.sleep(0.25)
        assert await link.probe() is True
        # Turns were answered meanwhile that no session records: the stored one is stale
        # (and a version up, so that no write still on its way can land).
        assert await store.read("ann") == Stored(None, version=2, lost=True)
        assert store.status() == {"backend": "redis", "ok": True}
        assert any("available again" in r.getMessage() for r in caplog.records)
    finally:
        await link.close()


async def test_a_redis_that_never_answers_stalls_a_request_for_one_timeout_only() -> None:
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = RedisLink(f"redis://127.0.0.1:{port}/0", timeout=0.2, retry_interval=5.0)
    store = RedisSessionStore(link, ttl_seconds=60)
    try:
        started = time.monotonic()
        assert (await store.read("ann")).state is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):
            assert (await store.read("ann")).state is None
        rest = time.monotonic() - started
    finally:
        await link.close()
        release.set()
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.05)
    assert first < 1.0
    assert rest < 0.1  # the circuit is open: no network until the retry interval


async def ask(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> Any:
    async with session.post(f"{url}/api/ask", json={"sender": sender, "message": message}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


def cited(answer: dict[str, Any]) -> list[str]:
    return [c["paragraph"] for c in answer["citations"]]


async def health(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(f"{url}/healthz") as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


async def test_two_servers_share_conversations_and_survive_a_redis_outage(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    env = {"RESBOT_SESSIONS": redis_server.url, "RESBOT_REDIS_TIMEOUT": "0.3"}
    a, b = await asyncio.gather(
        start_server(tmp_path / "a.log", env=env), start_server(tmp_path / "b.log", env=env)
    )
    try:
        async with aiohttp.ClientSession() as session:
            assert (
                cited(await ask(session, a.url, "ann", "What does operative paragraph 3 say?"))[0]
                == "op3"
            )
            assert cited(await ask(session, b.url, "ann", NEXT))[0] == "op4"
            assert cited(await ask(session, a.url, "ann", NEXT))[0] == "op5"
            assert (await health(session, a.url))["status"] == "ok"

            redis_server.stop()
            started = time.monotonic()
            answer = await ask(session, b.url, "ann", NEXT)
            assert answer["fallback"] and not answer["citations"]  # no context, still answered
            assert "lost track of our conversation" in answer["text"]
            assert cited(await ask(session, a.url, "bob", "operative paragraph 8"))[0] == "op8"
            for _ in range(20):
                await ask(session, a.url, "ann", "When was it adopted?")
            assert time.monotonic() - started < 5.0
            for server in (a, b):
                state = await health(session, server.url)
                assert state["status"] == "degraded"
                assert state["sessions"]["ok"] is False

            redis_server.start()
            deadline = time.monotonic() + 10
            for server in (a, b):
                while (await health(session, server.url))["status"] != "ok":
                    assert time.monotonic() < deadline, "did not recover"
                    await asyncio.sleep(0.2)
            # ann was answered while Redis was down: her stored op5 is not what she saw
            # last, so the conversation is lost rather than continued from op5.
            answer = await ask(session, b.url, "ann", NEXT)
            assert not answer["citations"] and "lost track" in answer["text"]
            assert cited(await ask(session, a.url, "ann", "operative paragraph 6"))[0] == "op6"
            assert cited(await ask(session, b.url, "ann", NEXT))[0] == "op7"
    finally:
        codes = await asyncio.gather(a.stop(), b.stop())
    assert codes == [0, 0]
    for server in (a, b):
        log = server.log()
        assert log.count("Redis unavailable") == 1, log[-2000:]
        assert "Redis available again" in log
        assert redis_server.url not in log


async def test_platform_redeliveries_are_dropped_across_servers(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    secret = "tg-Secret_0123"
    env = {"RESBOT_SESSIONS": redis_server.url, "RESBOT_TELEGRAM_SECRET_TOKEN": secret}
    settings = Settings.from_env(env)
    assert settings.sessions == redis_server.url
    a, b = await asyncio.gather(
        start_server(tmp_path / "a.log", env=env), start_server(tmp_path / "b.log", env=env)
    )
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    update = {"update_id": 99, "message": {"message_id": 1, "chat": {"id": 5}, "text": "hello"}}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{a.url}/webhooks/telegram", json=update, headers=headers
            ) as first:
                assert (await first.json())["method"] == "sendMessage"
            async with session.post(
                f"{b.url}/webhooks/telegram", json=update, headers=headers
            ) as retry:
                assert await retry.json() == {}
    finally:
        assert await asyncio.gather(a.stop(), b.stop()) == [0, 0]
