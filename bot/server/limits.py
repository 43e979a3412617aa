"""Rate limits: token buckets per key (a sender, a client address), in memory for one process
or in Redis for all of them. A bucket holds up to `burst` tokens and refills at `per_minute`;
each request takes one token or is told how long to wait."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from bot.server.sessions.redis import RedisLink, StoreUnavailable
from bot.server.settings import Settings

log = logging.getLogger(__name__)

LIMIT_PREFIX = "resbot:limit:"
MAX_BUCKETS = 100_000


@dataclass(frozen=True, slots=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may be: message length, and the rates per sender and per client."""

    max_message_chars: int = 2000
    sender: Rate = Rate(30.0, 10)
    client: Rate = Rate(300.0, 100)
    auth_failures: Rate = Rate(10.0, 10)
    proxy_hops: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_message_chars=settings.max_message_chars,
            sender=Rate(settings.sender_rate_per_minute, settings.sender_burst),
            client=Rate(settings.client_rate_per_minute, settings.client_burst),
            auth_failures=Rate(settings.auth_failure_rate_per_minute, settings.auth_failure_burst),
            proxy_hops=settings.proxy_hops,
        )


class RateLimiter(Protocol):
    async def acquire(self, key: str, rate: Rate, *, cost: int = 1) -> float:
        """0.0 when the request may go ahead (`cost` tokens, 0 or 1, are spent), else the
        seconds to wait. With cost 0 it only looks: is a token there?"""
        ...


class MemoryRateLimiter:
    """Buckets for one process, bounded in number (the least recently used goes first)."""

    def __init__(
        self, *, max_buckets: int = MAX_BUCKETS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_buckets
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def acquire(self, key: str, rate: Rate, *, cost: int = 1) -> float:
        return self.take(key, rate, cost=cost)

    def take(self, key: str, rate: Rate, *, cost: int = 1) -> float:
        if not rate.enabled or (not cost and key not in self._buckets):
            return 0.0
        now = self._clock()
        tokens, at = self._buckets.get(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= cost
        else:
            wait = (1.0 - tokens) / rate.per_second
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait


# The same bucket, atomically in Redis, on Redis's clock (workers' clocks may differ).
_TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3]) or 1
if cost == 0 and redis.call('EXISTS', KEYS[1]) == 0 then return '0' end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - cost else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """Buckets shared by every process; per-process buckets while Redis is unavailable."""

    def __init__(self, link: RedisLink, *, fallback: MemoryRateLimiter | None = None) -> None:
        self._link = link
        self._script = link.client.register_script(_TOKEN_BUCKET)
        self._fallback = fallback or MemoryRateLimiter()

    async def acquire(self, key: str, rate: Rate, *, cost: int = 1) -> float:
        if not rate.enabled:
            return 0.0
        args = [repr(rate.per_second), str(rate.burst), str(cost)]

        async def run(client: Redis) -> object:
            return await self._script(keys=[LIMIT_PREFIX + key], args=args, client=client)

        try:
            reply = await self._link.call(run)
        except StoreUnavailable:
            return self._fallback.take(key, rate, cost=cost)
        try:
            return max(0.0, float(reply.decode() if isinstance(reply, bytes) else str(reply)))
        except ValueError:
            return 0.0
