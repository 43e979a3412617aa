"""Secrets received from clients, compared in constant time, and the limit on failed
authentications per client address."""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.server.errors import RequestError, retry_seconds
from bot.server.limits import Rate, RateLimiter
from bot.server.protection import client_address

AUTH_FAILURE_PREFIX = "auth:"


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a received secret with the configured one. Header values
    that were not UTF-8 reach us with their bytes as surrogate escapes: they are compared as
    those bytes (and differ), never an error."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


class AuthFailures:
    """Failed authentications (Slack signatures, Telegram's secret token, the admin bearer
    token) spend tokens of a bucket per client address. While that bucket is empty every
    authenticated route refuses the address with 429 before looking at its secret, so
    secrets cannot be guessed faster than the bucket refills."""

    def __init__(self, limiter: RateLimiter, rate: Rate, *, proxy_hops: int) -> None:
        self._limiter = limiter
        self._rate = rate
        self._proxy_hops = proxy_hops

    def _key(self, request: web.Request) -> str:
        return AUTH_FAILURE_PREFIX + client_address(request, self._proxy_hops)

    async def admit(self, request: web.Request) -> None:
        """Raise 429 while the address has no failed authentication left."""
        wait = await self._limiter.acquire(self._key(request), self._rate, cost=0)
        if wait > 0:
            raise RequestError(
                429,
                f"too many failed authentications from this address; "
                f"retry in {retry_seconds(wait)} s",
                headers={"Retry-After": str(retry_seconds(wait))},
            )

    async def failed(self, request: web.Request) -> None:
        """Count one failed authentication of the request's address."""
        await self._limiter.acquire(self._key(request), self._rate)
