"""The aiohttp application factory: routes, middlewares and the lifecycle of outbound clients,
shared state and background work. The only place that wires the web layer to the
ConversationService."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError

from bot.channels import register_enabled
from bot.channels.context import ChannelContext
from bot.loading.engine import load_engine
from bot.server import admin, openapi, operations
from bot.server import keys as appkeys
from bot.server.access import Handler, InFlight, access_middleware
from bot.server.auth import AuthFailures
from bot.server.conversation import ConversationService
from bot.server.errors import RequestError, json_error
from bot.server.limits import Limits
from bot.server.metrics import Metrics
from bot.server.outbound import HttpClient
from bot.server.protection import protection_middleware
from bot.server.reload import Reloader
from bot.server.settings import Settings
from bot.server.shared_state import SharedState, memory_state
from bot.server.tasks import BackgroundTasks

log = logging.getLogger(__name__)

_MAX_ECHOED_PATH = 200
CLIENT_GONE = 499  # as nginx logs it: the client closed the connection before the answer


def create_app(
    settings: Settings,
    service: ConversationService,
    *,
    shared: SharedState | None = None,
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
    in_flight = InFlight()
    app = web.Application(
        middlewares=[
            access_middleware(metrics, in_flight),
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
    app[appkeys.IN_FLIGHT] = in_flight
    app.cleanup_ctx.append(outbound_work)

    auth = AuthFailures(shared.limiter, limits.auth_failures, proxy_hops=limits.proxy_hops)
    context = ChannelContext(
        service,
        metrics,
        tasks,
        http,
        limiter=shared.limiter,
        dedupe=shared.dedupe,
        limits=limits,
        auth=auth,
    )
    operations.register(app)
    openapi.register(app)
    register_enabled(app, context, settings)
    if settings.admin_token:
        admin.register(app, reloader, token=settings.admin_token, metrics=metrics, auth=auth)
    # Last: aiohttp-cors wraps the /api/ask resource registered above.
    from bot.web import setup_web

    setup_web(app, settings, service)
    return app


async def outbound_work(app: web.Application) -> AsyncIterator[None]:
    """Open the outbound HTTP client and start the shared state; at cleanup (after in-flight
    requests have finished) wait for the background replies, then close both."""
    http = app[appkeys.HTTP]
    await http.start()
    await app[appkeys.SHARED].start()
    yield
    await app[appkeys.TASKS].drain(timeout=app[appkeys.SETTINGS].shutdown_timeout_seconds)
    await http.close()
    await app[appkeys.SHARED].close()


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes `{"error": ...}`: client mistakes a 4xx, our bugs a bare 500.
    A body that cannot be read is the client's mistake (400); a client that went away
    mid-body gets nothing (499 in the access log: nobody is there to read it)."""
    try:
        return await handler(request)
    except RequestError as error:
        return json_error(error.status, error.message, headers=error.headers)
    except web.RequestPayloadError as error:
        response = json_error(400, unreadable_body(error))
        response.force_close()  # what is left of the body cannot be read either
        return response
    except ConnectionResetError:
        response = web.Response(status=CLIENT_GONE)
        response.force_close()
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return http_error(request, error)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_error(500, "internal error")


def unreadable_body(error: web.RequestPayloadError) -> str:
    cause = error.__cause__
    if isinstance(cause, ContentEncodingError):
        return "request body could not be decoded as its Content-Encoding says"
    if isinstance(cause, HttpProcessingError) and cause.message:
        return f"request body could not be read: {cause.message.strip()[:200]}"
    return "request body could not be read"


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
