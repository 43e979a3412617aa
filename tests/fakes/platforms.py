"""Fake Slack Web API and Telegram Bot API: real aiohttp servers on 127.0.0.1.

Each records every request it receives (path, headers, JSON body) and answers with canned
platform responses, or with responses a test scripts in advance (rate limits, errors).
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


class FakePlatform:
    """Records requests; `script()` queues the next responses, otherwise `default()` answers."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._scripted: deque[Scripted] = deque()
        self._server: TestServer | None = None
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def default(self, request: web.Request, body: Any) -> dict[str, Any]:
        raise NotImplementedError

    def script(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._scripted.append(Scripted(status, body, headers or {}))

    async def record(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body: Any = await request.json() if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        self.requests.append(Recorded(request.path, dict(request.headers), body))
        if self._scripted:
            reply = self._scripted.popleft()
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        return web.json_response(self.default(request, body))

    def next_id(self) -> int:
        return next(self._ids)

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    def bodies(self, path_suffix: str = "") -> list[Any]:
        return [r.body for r in self.requests if r.path.endswith(path_suffix)]


class FakeSlackApi(FakePlatform):
    """`POST /api/chat.postMessage` (set RESBOT_SLACK_API_URL to `api_url`) and slash-command
    response URLs under `/hooks/...` (`response_url(name)`)."""

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/chat.postMessage", self.record)
        app.router.add_post("/hooks/{name}", self.record)

    def default(self, request: web.Request, body: Any) -> dict[str, Any]:
        if request.path.startswith("/hooks/"):
            return {"ok": True}
        channel = body.get("channel") if isinstance(body, dict) else None
        return {"ok": True, "channel": channel, "ts": f"1700000000.{self.next_id():06d}"}

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def response_url(self, name: str = "T1/B1/x") -> str:
        return f"{self.url}/hooks/{name.replace('/', '-')}"

    def posted(self) -> list[dict[str, Any]]:
        return self.bodies("/chat.postMessage")


class FakeTelegramApi(FakePlatform):
    """`POST /bot<token>/<method>`: answers like the Bot API and records the token used.
    getMe answers with `username` and the id the token starts with."""

    username = "ResBot"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self.record)

    def default(self, request: web.Request, body: Any) -> dict[str, Any]:
        if request.match_info["method"] == "getMe":
            bot_id = int(request.match_info["token"].split(":", 1)[0])
            me = {"id": bot_id, "is_bot": True, "first_name": "R", "username": self.username}
            return {"ok": True, "result": me}
        chat = body.get("chat_id") if isinstance(body, dict) else None
        text = body.get("text") if isinstance(body, dict) else None
        message = {"message_id": self.next_id(), "chat": {"id": chat}, "text": text}
        return {"ok": True, "result": message}

    def sent(self) -> list[dict[str, Any]]:
        return self.bodies("/sendMessage")
