"""Request ids and one structured access-log line (and the HTTP metrics) per request; the
count of requests in flight, for a graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.server import keys as appkeys
from bot.server.metrics import Metrics

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_UNMATCHED = "unmatched"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_id_of(request: web.Request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def route_of(request: web.Request) -> str:
    """The route template (`/webhooks/telegram`), never the raw path: bounded label values."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else _UNMATCHED


class InFlight:
    """Requests whose handlers are running. At shutdown the server stops listening, then
    waits here for them to finish (bodies still arriving are read to the end: aiohttp drops
    what a connection sends once it closes it), and answers them with Connection: close."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.draining = False

    def __len__(self) -> int:
        return self._count

    def enter(self) -> None:
        self._count += 1
        self._idle.clear()

    def leave(self) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Stop keeping connections alive; True when every request finished in time."""
        self.draining = True
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


def access_middleware(metrics: Metrics, in_flight: InFlight) -> Middleware:
    """Outermost middleware: request id, one access-log line and the HTTP metrics per request."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = request_id_of(request)
        request[appkeys.REQUEST_ID] = request_id
        started = time.perf_counter()
        status = 500
        in_flight.enter()
        try:
            response = await handler(request)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = request_id
            if in_flight.draining:
                response.force_close()
            return response
        except web.HTTPException as error:  # redirects; errors became responses already
            status = error.status
            error.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            in_flight.leave()
            elapsed = time.perf_counter() - started
            route = route_of(request)
            metrics.observe_request(route, request.method, status, elapsed)
            fields = {
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "remote": request.remote or "",
            }
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %s", request.method, request.path, status, extra={"fields": fields})

    return middleware
