"""The aiohttp application factory: routes, middlewares and the lifecycle of outbound clients,
shared state and background work. The only place that wires the web layer to the
ConversationService."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot import admin, appkeys, observability, openapi
from bot.channels import api, rest, slack, telegram
from bot.channels.common import (
    BackgroundTasks,
    ChannelContext,
    HttpClient,
    RequestError,
    json_error,
)
from bot.config import Settings
from bot.limits import Limits
from bot.loaders import load_engine
from bot.observability import Metrics, access_middleware
from bot.protection import protection_middleware
from bot.reload import Reloader
from bot.service import ConversationService
from bot.shared import SharedState, memory_state

log = logging.getLogger("bot.app")

_MAX_ECHOED_PATH = 200


def create_app(
    settings: Settings,
    service: ConversationService,
    *,
    shared: SharedState | None = None,
    telegram_interval: float = telegram.SEND_INTERVAL_SECONDS,
) -> web.Application:
    """`shared` defaults to in-memory state around the service's store. The application owns
    it from here on: its cleanup closes it."""
    shared = shared or memory_state(settings, service.store)
    limits = Limits.from_settings(settings)
    metrics = Metrics()
    tasks = BackgroundTasks(
        on_error=lambda name: metrics.channel_error(name.split("-", 1)[0], "task_failed")
    )
    http = HttpClient()
    app = web.Application(
        middlewares=[
            access_middleware(metrics),
            error_middleware,
            protection_middleware(
                shared.limiter, limits, read_timeout=settings.read_timeout_seconds
            ),
        ],
        client_max_size=settings.max_body_bytes,
    )
    reloader = Reloader(
        service,
        settings.knowledge_dir,
        settings.intents_dir,
        loader=functools.partial(load_engine, cache_size=settings.answer_cache),
    )
    app[appkeys.SETTINGS] = settings
    app[appkeys.SERVICE] = service
    app[appkeys.METRICS] = metrics
    app[appkeys.TASKS] = tasks
    app[appkeys.HTTP] = http
    app[appkeys.SHARED] = shared
    app[appkeys.RELOADER] = reloader
    app.cleanup_ctx.append(outbound_work)

    context = ChannelContext(
        service, metrics, tasks, http, limiter=shared.limiter, dedupe=shared.dedupe, limits=limits
    )
    observability.register(app)
    openapi.register(app)
    api.register(app, context)
    rest.register(app, context)
    if settings.slack_signing_secret:
        slack.register(
            app,
            context,
            signing_secret=settings.slack_signing_secret,
            bot_token=settings.slack_bot_token,
            api_url=settings.slack_api_url,
        )
    if settings.telegram_secret_token:
        telegram.register(
            app,
            context,
            secret_token=settings.telegram_secret_token,
            bot_token=settings.telegram_bot_token,
            api_url=settings.telegram_api_url,
            interval=telegram_interval,
        )
    if settings.admin_token:
        admin.register(app, reloader, token=settings.admin_token, metrics=metrics)
    # Last: aiohttp-cors wraps the /api/ask resource registered above.
    from bot.web import setup_web

    setup_web(app, settings, service)
    return app


async def outbound_work(app: web.Application) -> AsyncIterator[None]:
    """Open the outbound HTTP client; at cleanup (after in-flight requests have finished)
    wait for the background replies, then close it and the shared state."""
    http = app[appkeys.HTTP]
    await http.start()
    yield
    await app[appkeys.TASKS].drain(timeout=app[appkeys.SETTINGS].shutdown_timeout_seconds)
    await http.close()
    await app[appkeys.SHARED].close()


@web.middleware
async def error_middleware(
    request: web.Request, handler: observability.Handler
) -> web.StreamResponse:
    """Every failure becomes `{"error": ...}`: client mistakes a 4xx, our bugs a bare 500."""
    try:
        return await handler(request)
    except RequestError as error:
        return json_error(error.status, error.message, headers=error.headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return http_error(request, error)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal error")


def http_error(request: web.Request, error: web.HTTPException) -> web.Response:
    where = f"{request.method} {request.path[:_MAX_ECHOED_PATH]}"
    if isinstance(error, web.HTTPNotFound):
        return json_error(404, f"not found: {where}")
    if isinstance(error, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(error.allowed_methods))
        return json_error(
            405, f"method not allowed: {where} (allowed: {allowed})", headers={"Allow": allowed}
        )
    if isinstance(error, web.HTTPRequestEntityTooLarge):
        limit = request.app[appkeys.SETTINGS].max_body_bytes
        return json_error(413, f"request body too large (limit {limit} bytes)")
    return json_error(error.status, error.reason.lower())
