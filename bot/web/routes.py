"""The website routes: GET /widget.js, GET /faq, GET /demo, GET /favicon.ico, the widget's
starter questions (GET /api/starters), and CORS for the widget's API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aiohttp import web

from bot.core.engine import AnswerEngine
from bot.loading.errors import LoadError
from bot.server.conversation import ConversationService
from bot.server.errors import json_error
from bot.server.responses import json_response
from bot.server.settings import Settings
from bot.web.cors import STARTERS_PATH, setup_cors
from bot.web.demo import render_demo_page
from bot.web.faq import Answering, build_faq, faq_files, load_faq
from bot.web.faq_html import render_faq_page
from bot.web.favicon import favicon_ico
from bot.web.starters import build_starters

log = logging.getLogger(__name__)

_NOTHING = object()

WIDGET_CACHE = "public, max-age=300"
STARTERS_CACHE = "public, max-age=60"
ICON_CACHE = "public, max-age=86400"
FAQ_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'"
)
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def setup_web(app: web.Application, settings: Settings, service: ConversationService) -> None:
    """Register the website routes. Call it after `/api/ask` is registered (CORS wraps it)."""
    app.router.add_get("/widget.js", WidgetScript(read_widget()).handle)
    app.router.add_get("/faq", FaqPage(faq_files(settings.knowledge_dir), service).handle)
    app.router.add_get("/demo", DemoPage(service).handle)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get(STARTERS_PATH, Starters(service).handle)
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
    source: Path
    page: str


class FaqPage:
    """The FAQ page, built from the first FAQ file of `paths` that exists (the knowledge
    folder's faq.yaml, else the shipped default) and the engine: the first time it is asked
    for, and again after the engine is reloaded or another file takes over (answers always
    come from the engine being served). Which file it uses is logged at start-up and whenever
    that changes."""

    def __init__(self, paths: Sequence[Path], service: ConversationService) -> None:
        self._paths = tuple(paths)
        self._service = service
        self._cached: RenderedFaq | None = None
        self._lock = asyncio.Lock()
        self._announced: object = _NOTHING
        self._announce(self.source())

    def source(self) -> Path | None:
        return next((path for path in self._paths if path.is_file()), None)

    def _announce(self, source: Path | None) -> None:
        if source == self._announced:
            return
        self._announced = source
        if source is None:
            log.info("GET /faq is off: no FAQ file (%s)", ", ".join(map(str, self._paths)))
        elif self._paths and source != self._paths[0]:
            log.info(
                "GET /faq asks the default questions of %s (%s does not exist)",
                source,
                self._paths[0],
            )
        else:
            log.info("GET /faq asks the questions of %s", source)

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
        source = self.source()
        self._announce(source)
        cached = self._cached
        if cached is not None and cached.engine is engine and cached.source == source:
            return cached.page
        if source is None:
            return json_error(404, "not found: GET /faq (no FAQ questions are configured)")
        try:
            spec = load_faq(source)
        except LoadError as error:
            log.error("the FAQ is unavailable: %s", "; ".join(error.problems))
            return json_error(503, "the FAQ is unavailable (invalid FAQ file)")
        faq = build_faq(engine, spec)
        if faq.skipped:
            log.info("FAQ questions the text does not answer: %s", "; ".join(faq.skipped))
        self._cached = RenderedFaq(engine, source, render_faq_page(faq))
        return self._cached.page


class Starters:
    """GET /api/starters: `{"questions": [...]}`, the questions the widget opens with, made
    from the documents of the engine being served (again after a reload)."""

    def __init__(self, service: ConversationService) -> None:
        self._service = service
        self._cached: tuple[Answering, tuple[str, ...]] | None = None

    def questions(self) -> tuple[str, ...]:
        engine = self._service.engine
        if self._cached is None or self._cached[0] is not engine:
            self._cached = (engine, build_starters(engine))
        return self._cached[1]

    async def handle(self, request: web.Request) -> web.Response:
        return json_response(
            {"questions": list(self.questions())},
            headers={"Cache-Control": STARTERS_CACHE, "X-Content-Type-Options": "nosniff"},
        )


async def favicon(request: web.Request) -> web.Response:
    return web.Response(
        body=favicon_ico(),
        content_type="image/x-icon",
        headers={"Cache-Control": ICON_CACHE, "X-Content-Type-Options": "nosniff"},
    )


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
