"""Dropping platform redeliveries: remember each delivery key for a while. In memory for one
process, or in Redis (`SET NX GET EX`, Redis 7 or later) so a retry that lands on another
worker is dropped too."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from bot.server.sessions.redis import RedisLink, StoreUnavailable

DEDUPE_PREFIX = "resbot:seen:"


class Dedupe(Protocol):
    async def first_time(self, key: str) -> bool:
        """True the first time a key is offered within the TTL; remembers it."""
        ...

    async def forget(self, key: str) -> None:
        """Forget a key whose delivery failed, so that the platform's redelivery is handled."""
        ...


# (namespace, ttl_seconds) -> a Dedupe for one platform
DedupeFactory = Callable[[str, float], Dedupe]


class TtlDedupe:
    """Remembers keys for `ttl_seconds` (bounded in number), in this process."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        return self.remember(key)

    async def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    def remember(self, key: str) -> bool:
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)


class RedisDedupe:
    """Shared by every process. Keys are also remembered locally, so that while Redis is
    unavailable this process still drops the redeliveries it has seen."""

    def __init__(self, link: RedisLink, *, namespace: str, ttl_seconds: float) -> None:
        self._link = link
        self._prefix = f"{DEDUPE_PREFIX}{namespace}:"
        self._ttl = max(1, round(ttl_seconds))
        self._local = TtlDedupe(ttl_seconds=ttl_seconds)

    async def first_time(self, key: str) -> bool:
        local = self._local.remember(key)
        name = self._prefix + key
        # SET NX GET with a token of this delivery: a SET retried after a connection error
        # finds its own token (first time still), not a redelivery's.
        token = uuid.uuid4().hex.encode()
        try:
            before = await self._link.call(
                lambda client: client.set(name, token, nx=True, ex=self._ttl, get=True)
            )
        except StoreUnavailable:
            return local
        return before is None or before == token

    async def forget(self, key: str) -> None:
        await self._local.forget(key)
        name = self._prefix + key
        with contextlib.suppress(StoreUnavailable):
            await self._link.call(lambda client: client.delete(name))


def memory_dedupe(namespace: str, ttl_seconds: float) -> Dedupe:
    return TtlDedupe(ttl_seconds=ttl_seconds)


def redis_dedupe(link: RedisLink) -> DedupeFactory:
    def factory(namespace: str, ttl_seconds: float) -> Dedupe:
        return RedisDedupe(link, namespace=namespace, ttl_seconds=ttl_seconds)

    return factory
