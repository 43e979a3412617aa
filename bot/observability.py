"""Metrics (Prometheus, one registry per application), structured access logs with request ids,
and the operations endpoints `/healthz` and `/metrics`."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from bot import appkeys
from bot.config import Settings
from bot.models import Answer

access_log = logging.getLogger("bot.access")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_UNMATCHED = "unmatched"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    """The bot's Prometheus metrics, in a registry of their own (never the global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "resbot_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "resbot_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            registry=self.registry,
        )
        self.answers = Counter(
            "resbot_answers",
            "Answers given, by channel and intent.",
            ["channel", "intent"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "resbot_fallbacks",
            "Answers that fell back (no answer from the documents), by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.channel_errors = Counter(
            "resbot_channel_errors",
            "Failures talking to a chat platform or rejected platform requests.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.ignored = Counter(
            "resbot_channel_ignored",
            "Platform events acknowledged without a reply (duplicates, bots, non-text).",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.refused = Counter(
            "resbot_refused",
            "Messages refused by a limit (too long, sender rate), by channel and reason.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "resbot_reloads",
            "Reloads of knowledge and intents, by outcome (ok, invalid).",
            ["outcome"],
            registry=self.registry,
        )

    def observe_answer(self, channel: str, answer: Answer) -> None:
        self.answers.labels(channel=channel, intent=answer.intent).inc()
        if answer.fallback:
            self.fallbacks.labels(channel=channel).inc()

    def channel_error(self, channel: str, reason: str) -> None:
        self.channel_errors.labels(channel=channel, reason=reason).inc()

    def ignore(self, channel: str, reason: str) -> None:
        self.ignored.labels(channel=channel, reason=reason).inc()

    def refuse(self, channel: str, reason: str) -> None:
        self.refused.labels(channel=channel, reason=reason).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def request_id_of(request: web.Request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def route_of(request: web.Request) -> str:
    """The route template (`/webhooks/telegram`), never the raw path: bounded label values."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else _UNMATCHED


def access_middleware(metrics: Metrics) -> Middleware:
    """Outermost middleware: request id, one access-log line and the HTTP metrics per request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = request_id_of(request)
        request[appkeys.REQUEST_ID] = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        except web.HTTPException as error:  # redirects; errors became responses already
            status = error.status
            error.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(request)
            metrics.requests.labels(route=route, method=request.method, status=str(status)).inc()
            metrics.latency.labels(route=route).observe(elapsed)
            fields = {
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "remote": request.remote or "",
            }
            access_log.info(
                "%s %s %s", request.method, request.path, status, extra={"fields": fields}
            )

    return middleware


async def healthz(request: web.Request) -> web.Response:
    """Always 200 while the process serves: `status` is `degraded` when shared state (Redis)
    is unavailable and answers go without follow-up context."""
    service = request.app[appkeys.SERVICE]
    settings = request.app[appkeys.SETTINGS]
    shared = request.app[appkeys.SHARED]
    await shared.probe()
    engine = service.engine
    symbols = [document.symbol for document in engine.documents]
    return web.json_response(
        {
            "status": "ok" if shared.ok else "degraded",
            "documents": {"count": len(symbols), "symbols": symbols},
            "intents": {"count": len(engine.intent_names), "names": list(engine.intent_names)},
            "sessions": shared.status(),
            "channels": enabled_channels(settings),
            "background_tasks": len(request.app[appkeys.TASKS]),
            "pid": os.getpid(),
        }
    )


def enabled_channels(settings: Settings) -> dict[str, bool]:
    return {
        "api": True,
        "rest": True,
        "slack": bool(settings.slack_signing_secret),
        "telegram": bool(settings.telegram_secret_token),
        "admin": bool(settings.admin_token),
    }


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = request.app[appkeys.METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    """Human-readable lines with the record's `fields` appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        suffix = "".join(f" {key}={_json_value(value)}" for key, value in fields.items())
        return super().format(record) + suffix


def _json_value(value: object) -> str:
    """json.dumps(value), without its machinery for the plain strings and numbers of an
    access-log line (one per request)."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        if '"' not in value and "\\" not in value:
            return f'"{value}"'
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, default=str)


def configure_logging(settings: Settings) -> None:
    """Log to standard error, as JSON lines when RESBOT_LOG_JSON is set."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if settings.log_json else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(
        settings.log_level if settings.log_level in logging.getLevelNamesMapping() else "INFO"
    )
