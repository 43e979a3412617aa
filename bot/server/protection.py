"""Limits every request meets before its handler: a token bucket per client address, and a
deadline for receiving the body (slow clients must not hold a connection and its handler).
Headers are bounded by the server's keep-alive timeout (bot/server/run.py); the body's size by the
application's client_max_size (413)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.server.errors import RequestError, json_error, retry_seconds
from bot.server.limits import Limits, RateLimiter

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Operations probes are never limited; the platforms' webhooks are authenticated by their
# signature and limited per sender instead (Slack and Telegram deliver from shared addresses).
UNLIMITED_PREFIXES = ("/healthz", "/metrics", "/webhooks/slack/", "/webhooks/telegram")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def client_address(request: web.Request, proxy_hops: int) -> str:
    """The peer's address, or with `proxy_hops` trusted proxies in front, the address the
    outermost of them saw (X-Forwarded-For, counted from the right: the left is forgeable)."""
    if proxy_hops > 0:
        forwarded = [
            part.strip()
            for header in request.headers.getall("X-Forwarded-For", [])
            for part in header.split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxy_hops:
            return forwarded[-proxy_hops]
    return request.remote or "unknown"


def protection_middleware(
    limiter: RateLimiter, limits: Limits, *, read_timeout: float
) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(UNLIMITED_PREFIXES):
            address = client_address(request, limits.proxy_hops)
            wait = await limiter.acquire(f"client:{address}", limits.client)
            if wait > 0:
                raise RequestError(
                    429,
                    f"too many requests from this address; retry in {retry_seconds(wait)} s",
                    headers={"Retry-After": str(retry_seconds(wait))},
                )
        if request.method in BODY_METHODS and request.body_exists:
            if request.content.is_eof():  # the whole body came with the headers
                await request.read()
                return await handler(request)
            try:
                async with asyncio.timeout(read_timeout):
                    await request.read()  # kept by aiohttp: handlers' read() returns it
            except TimeoutError:
                response = json_error(408, f"request body not received within {read_timeout:g} s")
                response.force_close()
                return response
        return await handler(request)

    return middleware
