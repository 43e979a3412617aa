"""Hostile bytes at the edge, on every channel, with sessions, limits and deduplication in a
real redis-server: lone surrogates in JSON text, non-UTF-8 bytes in secret headers. Never a
5xx; text is normalised once at the edge; failed authentications are rate limited."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.fakes.bot import (
    SLACK_SECRET,
    SLACK_TOKEN,
    TELEGRAM_SECRET,
    running_bot,
    settings,
    settle,
    slack_headers,
)
from tests.fakes.platforms import FakeSlackApi, FakeTelegramApi
from tests.ops.processes import RedisServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

SURROGATE = "\ud800"
QUESTION = f"What does operative paragraph 3 say?{SURROGATE}"


def every_channel(redis: RedisServer, slack: FakeSlackApi, telegram: FakeTelegramApi) -> Any:
    return settings(
        sessions=redis.url,
        slack_signing_secret=SLACK_SECRET,
        slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack.api_url,
        telegram_secret_token=TELEGRAM_SECRET,
        telegram_bot_token="1:T",
        telegram_api_url=telegram.url,
    )


def json_body(data: Any) -> bytes:
    body = json.dumps(data).encode()  # ensure_ascii: the surrogate travels as \ud800
    assert b"\\ud800" in body
    return body


async def test_lone_surrogates_are_answered_on_every_channel_with_redis(
    engine: Any,
    redis_server: RedisServer,
    slack_api: FakeSlackApi,
    telegram_api: FakeTelegramApi,
) -> None:
    config = every_channel(redis_server, slack_api, telegram_api)
    ask = json_body({"sender": f"ann{SURROGATE}", "message": QUESTION})
    headers = {"Content-Type": "application/json"}
    async with running_bot(config, engine) as client:
        response = await client.post("/api/ask", data=ask, headers=headers)
        assert response.status == 200, await response.text()
        assert (await response.json())["citations"][0]["paragraph"] == "op3"
        # The same sender (normalised the same way) continues the conversation.
        follow = json_body({"sender": f"ann{SURROGATE}", "message": f"next{SURROGATE}"})
        response = await client.post("/api/ask", data=follow, headers=headers)
        assert (await response.json())["citations"][0]["paragraph"] == "op4"

        response = await client.post("/webhooks/rest/webhook", data=ask, headers=headers)
        assert response.status == 200, await response.text()
        bubbles = await response.json()
        assert bubbles[0]["recipient_id"] == "ann\ufffd"

        message = {"message_id": 7, "chat": {"id": 5, "type": "private"}, "text": QUESTION}
        update = json_body({"update_id": 41, "message": message})
        secret = {**headers, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        response = await client.post("/webhooks/telegram", data=update, headers=secret)
        assert response.status == 200, await response.text()
        assert "operative paragraph 3" in (await response.json())["text"]

        event = {
            "type": "app_mention",
            "user": f"U1{SURROGATE}",
            "channel": "C1",
            "text": f"<@U0BOT> {QUESTION}",
            "ts": "1700000000.000100",
        }
        envelope = json_body(
            {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": event}
        )
        response = await client.post(
            "/webhooks/slack/events", data=envelope, headers=slack_headers(envelope)
        )
        assert response.status == 200
        await settle(client)
        # A form has no escapes: the surrogate arrives as its (invalid UTF-8) bytes, %ED%A0%80.
        fields = {"user_id": "U1", "team_id": "T1", "text": QUESTION}
        form = urlencode(fields, errors="surrogatepass").encode()
        assert b"%ED%A0%80" in form
        response = await client.post(
            "/webhooks/slack/command",
            data=form,
            headers=slack_headers(form, content_type="application/x-www-form-urlencoded"),
        )
        assert response.status == 200
        assert "operative paragraph 3" in (await response.json())["text"]
        metrics = await (await client.get("/metrics")).text()
    posted = slack_api.posted()
    assert len(posted) == 1 and "operative paragraph 3" in posted[0]["text"]
    assert "task_failed" not in metrics


async def test_a_failed_telegram_update_is_answered_on_redelivery(
    redis_server: RedisServer, telegram_api: FakeTelegramApi
) -> None:
    class FailsOnce:
        documents = ()
        intent_names = ("x",)
        calls = 0

        def reply(self, message: str, state: Any, **options: Any) -> Any:
            from tests.fakes.engine import ScriptedEngine

            FailsOnce.calls += 1
            if FailsOnce.calls == 1:
                raise RuntimeError("a bug on the first delivery")
            return ScriptedEngine().reply(message, state)

    config = settings(sessions=redis_server.url, telegram_secret_token=TELEGRAM_SECRET)
    message = {"message_id": 7, "chat": {"id": 5, "type": "private"}, "text": "hello"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    async with running_bot(config, FailsOnce()) as client:
        update = {"update_id": 77, "message": message}
        first = await client.post("/webhooks/telegram", json=update, headers=headers)
        assert first.status == 500
        again = await client.post("/webhooks/telegram", json=update, headers=headers)
        assert again.status == 200
        assert (await again.json())["method"] == "sendMessage"
        third = await client.post("/webhooks/telegram", json=update, headers=headers)
        assert await third.json() == {}


async def raw_request(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()


def post(path: str, headers: dict[str, bytes], body: bytes = b"{}") -> bytes:
    lines = [f"POST {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    lines += [name.encode() + b": " + value for name, value in headers.items()]
    lines += [b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def status_and_body(reply: bytes) -> tuple[int, Any]:
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def signed_slack(secret_byte: bytes) -> dict[str, bytes]:
    return {
        "X-Slack-Request-Timestamp": str(int(time.time())).encode(),
        "X-Slack-Signature": b"v0=" + secret_byte,
    }


NON_UTF8 = [
    ("/webhooks/telegram", {"X-Telegram-Bot-Api-Secret-Token": b"\xe9"}),
    ("/webhooks/telegram", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET.encode() + b"\xff"}),
    ("/webhooks/slack/events", signed_slack(b"\xe9")),
    ("/webhooks/slack/command", signed_slack(b"\xc3\x28")),
    ("/admin/reload", {"Authorization": b"Bearer \xe9"}),
]


@pytest.mark.parametrize(("path", "headers"), NON_UTF8)
async def test_non_utf8_secret_headers_get_401(path: str, headers: dict[str, bytes]) -> None:
    config = settings(
        slack_signing_secret=SLACK_SECRET,
        telegram_secret_token=TELEGRAM_SECRET,
        admin_token="admin-Token-1",
    )
    from tests.fakes.engine import ScriptedEngine

    async with running_bot(config, ScriptedEngine()) as client:
        assert client.server.port is not None
        status, body = status_and_body(await raw_request(client.server.port, post(path, headers)))
    assert status == 401
    assert "error" in body


async def test_failed_authentications_are_rate_limited_per_address(slack_api: FakeSlackApi) -> None:
    """Defaults: 10 failed authentications per address, then 429 for every authenticated
    route (even with the right secret) until the bucket refills; other addresses go on."""
    from tests.fakes.engine import ScriptedEngine

    config = settings(
        slack_signing_secret=SLACK_SECRET,
        slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack_api.api_url,
        telegram_secret_token=TELEGRAM_SECRET,
        admin_token="admin-Token-1",
        proxy_hops=1,
    )
    attacker, other = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    good_update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5}, "text": "hi"}}
    body = b'{"type": "url_verification", "challenge": "c"}'
    async with running_bot(config, ScriptedEngine()) as client:
        assert client.server.port is not None
        statuses = []
        for n in range(30):
            path, headers = NON_UTF8[n % len(NON_UTF8)]
            forwarded = {"X-Forwarded-For": b"203.0.113.7", **headers}
            reply = await raw_request(client.server.port, post(path, forwarded))
            statuses.append(status_and_body(reply)[0])
        assert statuses == [401] * 10 + [429] * 20
        wrong = {"Authorization": "Bearer guess", **attacker}
        response = await client.post("/admin/reload", headers=wrong)
        assert response.status == 429 and int(response.headers["Retry-After"]) >= 1
        # The right secret from the same address waits too: guessing cannot go on.
        telegram = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        response = await client.post(
            "/webhooks/telegram", json=good_update, headers={**telegram, **attacker}
        )
        assert response.status == 429
        response = await client.post(
            "/webhooks/telegram", json=good_update, headers={**telegram, **other}
        )
        assert response.status == 200
        response = await client.post(
            "/webhooks/slack/events", data=body, headers={**slack_headers(body), **other}
        )
        assert await response.json() == {"challenge": "c"}
        metrics = await (await client.get("/metrics")).text()
    assert 'resbot_channel_errors_total{channel="telegram",reason="bad_secret"}' in metrics
