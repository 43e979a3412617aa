"""Limits on hostile or greedy clients: body size, message length, token buckets per sender
and per client address, slow bodies and slow headers. In process, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.limits import MemoryRateLimiter, Rate
from bot.server.run import make_runner
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings, SettingsError
from tests.fakes.bot import (
    SLACK_SECRET,
    SLACK_TOKEN,
    TELEGRAM_SECRET,
    running_bot,
    settings,
    slack_headers,
)
from tests.fakes.engine import ScriptedEngine

session_loop = pytest.mark.asyncio(loop_scope="session")

ASK = "/api/ask"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_one_per_interval() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    rate = Rate(per_minute=30, burst=3)  # one token every 2 s
    assert [limiter.take("a", rate) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", rate) == pytest.approx(2.0)
    assert limiter.take("b", rate) == 0.0
    clock.now += 1.0
    assert limiter.take("a", rate) == pytest.approx(1.0)
    clock.now += 60.0
    assert [limiter.take("a", rate) for _ in range(3)] == [0.0, 0.0, 0.0]  # capped at burst
    assert limiter.take("a", rate) > 0
    assert limiter.take("a", Rate(per_minute=0, burst=1)) == 0.0  # 0 turns the limit off


def test_buckets_are_bounded_in_number() -> None:
    limiter = MemoryRateLimiter(max_buckets=100)
    for n in range(1000):
        limiter.take(f"k{n}", Rate(60, 1))
    assert len(limiter._buckets) == 100


def test_limits_come_from_the_environment_and_bad_values_name_the_variable() -> None:
    config = Settings.from_env(
        {
            "RESBOT_MAX_BODY_BYTES": "4096",
            "RESBOT_MAX_MESSAGE_CHARS": "500",
            "RESBOT_SENDER_RATE": "12.5",
            "RESBOT_SENDER_BURST": "3",
            "RESBOT_CLIENT_RATE": "0",
            "RESBOT_PROXY_HOPS": "1",
            "RESBOT_READ_TIMEOUT": "2",
            "RESBOT_KEEPALIVE_TIMEOUT": "5",
            "RESBOT_SESSION_TTL": "600",
            "RESBOT_REDIS_TIMEOUT": "0.25",
        }
    )
    assert (config.max_body_bytes, config.max_message_chars) == (4096, 500)
    assert (config.sender_rate_per_minute, config.sender_burst) == (12.5, 3)
    assert (config.client_rate_per_minute, config.proxy_hops) == (0.0, 1)
    assert (config.read_timeout_seconds, config.keepalive_timeout_seconds) == (2.0, 5.0)
    assert (config.session_ttl_seconds, config.redis_timeout_seconds) == (600.0, 0.25)
    defaults = Settings.from_env({})
    assert (defaults.max_body_bytes, defaults.max_message_chars) == (65536, 2000)
    for variable, value in [
        ("RESBOT_SENDER_BURST", "many"),
        ("RESBOT_SENDER_BURST", "0"),
        ("RESBOT_MAX_BODY_BYTES", "12"),
        ("RESBOT_READ_TIMEOUT", "nan"),
    ]:
        with pytest.raises(SettingsError, match=variable):
            Settings.from_env({variable: value})


def test_settings_repr_hides_secrets_and_the_redis_url() -> None:
    config = Settings.from_env(
        {"RESBOT_SESSIONS": "redis://:pa55word@db:6379/0", "RESBOT_ADMIN_TOKEN": "adm1n"}
    )
    assert "pa55word" not in repr(config) and "adm1n" not in repr(config)


@session_loop
async def test_too_many_messages_from_one_sender_get_a_429_with_retry_after() -> None:
    config = settings(sender_rate_per_minute=60, sender_burst=2)
    async with running_bot(config, ScriptedEngine()) as client:
        for _ in range(2):
            assert (await client.post(ASK, json={"sender": "a", "message": "hi"})).status == 200
        refused = await client.post(ASK, json={"sender": "a", "message": "hi"})
        assert refused.status == 429
        assert refused.headers["Retry-After"] == "1"
        assert "too many messages" in (await refused.json())["error"]
        assert (await client.post(ASK, json={"sender": "b", "message": "hi"})).status == 200
        # The REST channel shares the web sender's bucket.
        rest = await client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "x"})
        assert rest.status == 429
        metrics = await (await client.get("/metrics")).text()
    assert 'resbot_refused_total{channel="api",reason="rate_limited"} 1.0' in metrics


@session_loop
async def test_too_many_requests_from_one_address_get_a_429_but_probes_do_not() -> None:
    config = settings(client_rate_per_minute=60, client_burst=3)
    async with running_bot(config, ScriptedEngine()) as client:
        statuses = [
            (await client.post(ASK, json={"sender": f"s{n}", "message": "hi"})).status
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        refused = await client.get("/openapi.json")
        assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
        for _ in range(10):
            assert (await client.get("/healthz")).status == 200
            assert (await client.get("/metrics")).status == 200


@session_loop
async def test_forwarded_addresses_count_only_behind_trusted_proxies() -> None:
    for hops, expected in ((0, [200, 429]), (1, [200, 200])):
        config = settings(client_rate_per_minute=1, client_burst=1, proxy_hops=hops)
        async with running_bot(config, ScriptedEngine()) as client:
            statuses = []
            for address in ("203.0.113.1", "203.0.113.2"):
                forwarded = {"X-Forwarded-For": f"198.51.100.9, {address}"}
                response = await client.get("/openapi.json", headers=forwarded)
                statuses.append(response.status)
            assert statuses == expected


@session_loop
async def test_chat_platforms_get_a_notice_instead_of_an_error_status() -> None:
    config = settings(
        telegram_secret_token=TELEGRAM_SECRET,
        slack_signing_secret=SLACK_SECRET,
        slack_bot_token=SLACK_TOKEN,
        slack_api_url="http://127.0.0.1:9/api",
        max_message_chars=50,
    )
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    message = {"message_id": 3, "chat": {"id": 77}, "from": {"id": 77}, "text": "why " * 40}
    async with running_bot(config, ScriptedEngine()) as client:
        response = await client.post(
            "/webhooks/telegram", json={"update_id": 1, "message": message}, headers=headers
        )
        reply = await response.json()
        assert response.status == 200 and reply["method"] == "sendMessage"
        assert "too long" in reply["text"] and reply["chat_id"] == 77
        form = urlencode({"user_id": "U1", "team_id": "T1", "text": "why " * 40}).encode()
        form_headers = slack_headers(form, content_type="application/x-www-form-urlencoded")
        response = await client.post("/webhooks/slack/command", data=form, headers=form_headers)
        assert response.status == 200
        assert "too long" in (await response.json())["text"]


@session_loop
async def test_body_size_limit_is_configurable() -> None:
    async with running_bot(settings(max_body_bytes=2048), ScriptedEngine()) as client:
        body = json.dumps({"sender": "a", "message": "x" * 1500}).encode()
        json_type = {"Content-Type": "application/json"}
        assert (await client.post(ASK, data=body, headers=json_type)).status == 200
        response = await client.post(ASK, data=b" " * 3000)
        assert response.status == 413
        assert (await response.json())["error"] == "request body too large (limit 2048 bytes)"


@asynccontextmanager
async def real_server(config: Settings) -> AsyncIterator[int]:
    """The app behind the same runner `resbot serve` uses (its keep-alive timeout)."""
    app = create_app(config, ConversationService(ScriptedEngine(), MemorySessionStore()))  # type: ignore[arg-type]
    runner = make_runner(app, config)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def read_all(reader: asyncio.StreamReader, timeout: float) -> bytes:
    return await asyncio.wait_for(reader.read(), timeout)


@session_loop
async def test_a_body_that_trickles_in_gets_a_408_and_the_connection_closes() -> None:
    config = settings(read_timeout_seconds=0.5)
    async with real_server(config) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"sender": '
        )
        started = time.monotonic()
        reply = await read_all(reader, 5)
        writer.close()
        await writer.wait_closed()
    assert reply.startswith(b"HTTP/1.1 408")
    assert b"request body not received within 0.5 s" in reply
    assert 0.4 < time.monotonic() - started < 5  # read timeout, then 2 s of lingering


@session_loop
async def test_a_client_that_never_finishes_its_headers_is_disconnected() -> None:
    config = settings(keepalive_timeout_seconds=0.5)
    async with real_server(config) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        for _ in range(3):
            await asyncio.sleep(0.1)
            writer.write(b"X-Slow: 1\r\n")  # a header now and then: slowloris
        assert await read_all(reader, 5) == b""
        writer.close()
        await writer.wait_closed()
        assert time.monotonic() - started < 3
        # An idle keep-alive connection goes the same way.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = await read_all(reader, 5)
        writer.close()
        await writer.wait_closed()
    assert reply.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RESBOT_SENDER_BURST", "lots", "RESBOT_SENDER_BURST='lots' is not a number"),
        ("RESBOT_SESSIONS", "mongodb://u:pw@db/0", "not mongodb://..."),
    ],
)
def test_serve_refuses_bad_settings_with_status_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    message: str,
) -> None:
    from bot.cli.main import main

    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("RESBOT_LOG_LEVEL", "CRITICAL")
    assert main(["serve", "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert message in error and "pw@" not in error
