"""The website routes: GET /widget.js, GET /faq and GET /demo, and CORS for /api/ask."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aiohttp import web

from bot.core.engine import AnswerEngine
from bot.loading.errors import LoadError
from bot.server.conversation import ConversationService
from bot.server.errors import json_error
from bot.server.settings import Settings
from bot.web.cors import setup_cors
from bot.web.demo import render_demo_page
from bot.web.faq import FAQ_FILE, build_faq, load_faq
from bot.web.faq_html import render_faq_page

log = logging.getLogger(__name__)

WIDGET_CACHE = "public, max-age=300"
FAQ_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def setup_web(app: web.Application, settings: Settings, service: ConversationService) -> None:
    """Register the website routes. Call it after `/api/ask` is registered (CORS wraps it)."""
    app.router.add_get("/widget.js", WidgetScript(read_widget()).handle)
    app.router.add_get("/faq", FaqPage(settings.knowledge_dir / FAQ_FILE, service).handle)
    app.router.add_get("/demo", DemoPage(service).handle)
    setup_cors(app, settings.cors_origins)


def read_widget() -> bytes:
    return resources.files("bot.web").joinpath("static", "widget.js").read_bytes()


class WidgetScript:
    def __init__(self, body: bytes) -> None:
        self._body = body

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self._body,
            content_type="text/javascript",
            charset="utf-8",
            headers={
                "Cache-Control": WIDGET_CACHE,
                "X-Content-Type-Options": "nosniff",
                "Cross-Origin-Resource-Policy": "cross-origin",
            },
        )


@dataclass(frozen=True, slots=True)
class RenderedFaq:
    engine: AnswerEngine
    page: str


class FaqPage:
    """The FAQ page, built from faq.yaml and the engine the first time it is asked for, and
    again after the engine is reloaded (answers always come from the engine being served)."""

    def __init__(self, path: Path, service: ConversationService) -> None:
        self._path = path
        self._service = service
        self._cached: RenderedFaq | None = None
        self._lock = asyncio.Lock()

    async def handle(self, request: web.Request) -> web.Response:
        async with self._lock:
            page = self._current()
        if isinstance(page, web.Response):
            return page
        return web.Response(
            text=page,
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": FAQ_CSP, "X-Content-Type-Options": "nosniff"},
        )

    def _current(self) -> str | web.Response:
        engine = self._service.engine
        if self._cached is not None and self._cached.engine is engine:
            return self._cached.page
        if not self._path.is_file():
            return json_error(404, "not found: GET /faq (no FAQ questions are configured)")
        try:
            spec = load_faq(self._path)
        except LoadError as error:
            log.error("the FAQ is unavailable: %s", "; ".join(error.problems))
            return json_error(503, "the FAQ is unavailable (invalid FAQ file)")
        faq = build_faq(engine, spec)
        if faq.skipped:
            log.info("FAQ questions the text does not answer: %s", "; ".join(faq.skipped))
        self._cached = RenderedFaq(engine, render_faq_page(faq))
        return self._cached.page


class DemoPage:
    def __init__(self, service: ConversationService) -> None:
        self._service = service

    async def handle(self, request: web.Request) -> web.Response:
        documents = self._service.engine.documents
        origin = str(request.url.origin())
        open_on_load = request.query.get("open", "") in {"1", "true"}
        return web.Response(
            text=render_demo_page(documents, origin, open_on_load=open_on_load),
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": DEMO_CSP, "X-Content-Type-Options": "nosniff"},
        )
