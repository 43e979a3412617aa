"""Real servers on 127.0.0.1 for the web tests: the bot (create_app, which sets up the website
routes) and plain "third-party" sites that embed the widget with one script tag."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings


def listening_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1 (known before its server starts)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@asynccontextmanager
async def serving(app: web.Application, sock: socket.socket) -> AsyncIterator[str]:
    """Serve `app` on `sock` until the block ends; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield url_of(sock)
    finally:
        await runner.cleanup()
        sock.close()


def bot_app(settings: Settings, engine: Any) -> tuple[web.Application, ConversationService]:
    service = ConversationService(engine, MemorySessionStore())
    app = create_app(replace(settings, telegram_send_interval_seconds=0.0), service)
    return app, service


@asynccontextmanager
async def web_client(
    config: Settings, engine: Any
) -> AsyncIterator[tuple[TestClient[Any, Any], ConversationService]]:
    """A client of the bot with its website routes, served on 127.0.0.1."""
    app, service = bot_app(config, engine)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, service


def embedding_page(widget_url: str, **data: str) -> str:
    """A third-party page with some content of its own and the one-tag embed."""
    attributes = "".join(f' data-{escape(k)}="{escape(v)}"' for k, v in data.items())
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>A site that embeds resbot</title>"
        "<style>body { font-family: serif; } div { color: red; } button { all: unset; }</style>"
        "</head><body><h1>Our site</h1><p>Some text of the site.</p>"
        f'<script src="{escape(widget_url)}"{attributes} defer></script></body></html>'
    )


def embedding_site(widget_url: str, **data: str) -> web.Application:
    """A site on another origin: GET / embeds the widget (no CSP, like many real sites)."""
    page = embedding_page(widget_url, **data)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    return app


@dataclass
class Sites:
    """The bot and two embedding sites, one allowed by RESBOT_CORS_ORIGINS and one not."""

    bot: str
    allowed: str
    other: str
    service: ConversationService
