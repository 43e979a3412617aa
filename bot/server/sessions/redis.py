"""Shared state in Redis: one connection (`RedisLink`) that fails fast and heals itself, and
the session store on top of it (a JSON ConversationState per sender, with a TTL).

When Redis cannot be reached the link raises StoreUnavailable at once (socket timeouts are short
and retries off), then opens its circuit: for `retry_interval` seconds calls fail without
touching the network, after which one call probes again. Callers fall back (no follow-up
context, per-process limits and deduplication). The outage is logged at most once per
`log_interval`; the recovery once. The URL is never logged: it may hold a password.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bot.core.models import ConversationState

log = logging.getLogger(__name__)

T = TypeVar("T")

SESSION_PREFIX = "resbot:session:"
RETRY_INTERVAL_SECONDS = 1.0
LOG_INTERVAL_SECONDS = 60.0


class StoreUnavailable(Exception):
    """Redis did not answer (or is known to be down): use the fallback."""


class RedisLink:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.5,
        retry_interval: float = RETRY_INTERVAL_SECONDS,
        log_interval: float = LOG_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client: Redis = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self._deadline = timeout * 2
        self._retry_interval = retry_interval
        self._log_interval = log_interval
        self._clock = clock
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._probing = False
        self._logged_at: float | None = None
        self._error = ""

    @property
    def client(self) -> Redis:
        return self._client

    @property
    def ok(self) -> bool:
        return self._down_since is None

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        """Run one Redis operation, or raise StoreUnavailable quickly."""
        probe = False
        if self._down_since is not None:
            if self._probing or self._clock() < self._retry_at:
                raise StoreUnavailable(self._error)
            probe = self._probing = True
        try:
            async with asyncio.timeout(self._deadline):
                result = await operation(self._client)
        except (RedisError, OSError, TimeoutError) as error:
            self._went_down(type(error).__name__)
            raise StoreUnavailable(self._error) from None
        finally:
            if probe:
                self._probing = False
        self._came_back()
        return result

    async def probe(self) -> bool:
        """Ping (unless the circuit is open); True when Redis answers."""
        try:
            await self.call(lambda client: client.ping())
        except StoreUnavailable:
            return False
        return True

    def status(self) -> dict[str, Any]:
        if self._down_since is None:
            return {"backend": "redis", "ok": True}
        return {
            "backend": "redis",
            "ok": False,
            "error": self._error,
            "down_seconds": round(self._clock() - self._down_since, 1),
        }

    async def close(self) -> None:
        await self._client.aclose()

    def _went_down(self, error: str) -> None:
        now = self._clock()
        self._error = error
        self._retry_at = now + self._retry_interval
        if self._down_since is None:
            self._down_since = now
        if self._logged_at is None or now - self._logged_at >= self._log_interval:
            self._logged_at = now
            log.warning(
                "Redis unavailable (%s): answering without shared sessions; retrying every %gs",
                error,
                self._retry_interval,
            )

    def _came_back(self) -> None:
        if self._down_since is not None:
            log.warning("Redis available again after %.1fs", self._clock() - self._down_since)
            self._down_since = None
            self._logged_at = None


class RedisSessionStore:
    """Sessions shared by every process using the same Redis. While Redis is unavailable a
    sender has no remembered context (each message is answered on its own)."""

    def __init__(self, link: RedisLink, *, ttl_seconds: float, prefix: str = SESSION_PREFIX):
        self._link = link
        self._ttl = max(1, round(ttl_seconds))
        self._prefix = prefix

    async def load(self, sender: str) -> ConversationState | None:
        key = self._prefix + sender
        try:
            raw = await self._link.call(lambda client: client.get(key))
        except StoreUnavailable:
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        return ConversationState.from_dict(data) if isinstance(data, dict) else None

    async def save(self, sender: str, state: ConversationState) -> None:
        key = self._prefix + sender
        payload = json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"))
        try:
            await self._link.call(lambda client: client.set(key, payload, ex=self._ttl))
        except StoreUnavailable:
            return

    async def delete(self, sender: str) -> None:
        key = self._prefix + sender
        try:
            await self._link.call(lambda client: client.delete(key))
        except StoreUnavailable:
            return

    async def close(self) -> None:
        """The link is shared (limits, deduplication): its owner closes it."""

    def status(self) -> dict[str, Any]:
        return self._link.status()
