"""Run the real bot application on 127.0.0.1 for a test, and sign requests as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.server import keys as appkeys
from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings
from bot.server.shared_state import open_shared_state

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TOKEN = "xoxb-test-token"
TELEGRAM_SECRET = "tg-secret_TOKEN-123"
TELEGRAM_TOKEN = "123456:TEST-token"


def settings(**overrides: Any) -> Settings:
    """Settings as from an empty environment (every channel off) plus overrides."""
    return Settings.from_env({}, **overrides)


@asynccontextmanager
async def running_bot(config: Settings, engine: Any) -> AsyncIterator[TestClient[Any, Any]]:
    """The app on a real socket; leaving the block shuts it down (cleanup contexts run).
    With `sessions` set to a redis:// URL, sessions, limits and deduplication live there."""
    config = replace(config, telegram_send_interval_seconds=0.0)
    if config.sessions == "memory":
        service = ConversationService(engine, MemorySessionStore())
        app = create_app(config, service)
    else:
        shared = open_shared_state(config)
        app = create_app(config, ConversationService(engine, shared.sessions), shared=shared)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def settle(client: TestClient[Any, Any]) -> None:
    """Wait until the bot's background replies are done."""
    await client.app[appkeys.TASKS].drain()


def slack_signature(body: bytes, timestamp: str, secret: str = SLACK_SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_headers(
    body: bytes,
    *,
    secret: str = SLACK_SECRET,
    timestamp: float | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    ts = str(int(time.time() if timestamp is None else timestamp))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(body, ts, secret),
    }
