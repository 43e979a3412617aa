"""Shared state in Redis: one connection (`RedisLink`) that fails fast and heals itself, and
the session store on top of it (one hash per sender, versioned, with a TTL).

When Redis cannot be reached the link raises StoreUnavailable at once (socket timeouts are short;
a connection error is retried once, on a fresh connection, since after a Redis restart every
pooled connection fails once), then opens its circuit: for `retry_interval` seconds calls fail
without touching the network, after which one call probes again. Callers fall back (no follow-up
context, per-process limits and deduplication). Outages are logged at most once per
`log_interval`, a recovery only after a logged outage. The URL is never logged: it may hold a
password.

Sessions are never used stale. Each carries a version (compare-and-set writes: a delayed or
concurrent write never overwrites a newer one) and the epoch it was written in. A turn that could
not be recorded (Redis unreachable) makes the process bump the epoch at its next successful call,
and a Redis that lost writes (restarted from an older snapshot, or empty) bumps it at the next
read: a session older than the epoch may lack a turn the person saw, so it is reported lost,
never continued from. A restart that kept every write (append-only file) keeps the sessions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.core.models import ConversationState
from bot.server.sessions.base import Stored, Written

log = logging.getLogger(__name__)

T = TypeVar("T")

SESSION_PREFIX = "resbot:session:"
EPOCH_KEY = "resbot:epoch"
WRITES_KEY = "resbot:writes"
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
            # One retry, on a fresh connection, for connection errors only (a stale pooled
            # connection after a Redis restart); a timeout is not retried.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
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
        self._outage_logged = False
        self._unlogged_outages = 0
        self._error = ""
        self._unrecorded = False

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
                if self._unrecorded:
                    await self._client.incr(EPOCH_KEY)
                    self._unrecorded = False
                result = await operation(self._client)
        except (RedisError, OSError, TimeoutError) as error:
            self._went_down(type(error).__name__)
            raise StoreUnavailable(self._error) from None
        finally:
            if probe:
                self._probing = False
        self._came_back()
        return result

    def turn_unrecorded(self) -> None:
        """A turn was answered that no session write records: at the next successful call,
        before anything else, every stored session becomes stale (the epoch goes up)."""
        self._unrecorded = True

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
            self._unlogged_outages += 1
        if self._logged_at is None or now - self._logged_at >= self._log_interval:
            others = self._unlogged_outages - 1
            self._logged_at = now
            self._outage_logged = True
            self._unlogged_outages = 0
            log.warning(
                "Redis unavailable (%s): answering without shared sessions; retrying every %gs%s",
                error,
                self._retry_interval,
                f" ({others} more outage(s) since the last report)" if others > 0 else "",
            )

    def _came_back(self) -> None:
        if self._down_since is not None:
            if self._outage_logged:
                log.warning("Redis available again after %.1fs", self._clock() - self._down_since)
                self._outage_logged = False
            self._down_since = None


# A session is a hash: v (version), e (epoch written in), t (the writing turn's token), s (the
# ConversationState as JSON). KEYS: the session, the epoch, the count of session writes.
#
# Reading first compares the count of writes with the highest count this process has seen
# (ARGV[1]): lower means Redis lost writes (a restart from an older snapshot, or empty), so
# sessions may be older than what people were shown: the epoch goes up. A value of another
# type (the plain JSON strings of older versions) is dropped.
_READ = """
local seen = tonumber(ARGV[1])
local writes = tonumber(redis.call('GET', KEYS[3]) or '0')
if writes < seen then
  redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[3], seen)
  writes = seen
end
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
local saved = redis.call('HMGET', KEYS[1], 'v', 'e', 's')
return {redis.call('GET', KEYS[2]) or '0', tostring(writes), saved[1], saved[2], saved[3]}
"""

# Compare-and-set: written only if the stored version is still ARGV[1] ('0': none). A write
# retried after a lost reply finds its own token (ARGV[2]) and succeeds again. Returns the
# count of writes, or 0 when another write got there first.
_WRITE = """
local current = redis.call('HMGET', KEYS[1], 'v', 't')
if current[2] == ARGV[2] then return tonumber(redis.call('GET', KEYS[3]) or '1') end
if (current[1] or '0') ~= ARGV[1] then return 0 end
local epoch = redis.call('GET', KEYS[2]) or '0'
redis.call('HSET', KEYS[1], 'v', tostring(tonumber(ARGV[1]) + 1), 'e', epoch, 't', ARGV[2],
  's', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('INCR', KEYS[3])
"""


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else None


class RedisSessionStore:
    """Sessions shared by every process using the same Redis. While Redis is unavailable a
    sender has no remembered context (each message is answered on its own, and what it
    cited is not remembered either)."""

    def __init__(self, link: RedisLink, *, ttl_seconds: float, prefix: str = SESSION_PREFIX):
        self._link = link
        self._ttl_ms = max(1, round(ttl_seconds)) * 1000
        self._prefix = prefix
        self._read = link.client.register_script(_READ)
        self._write = link.client.register_script(_WRITE)
        self._writes_seen = 0  # the highest count of session writes Redis has reported

    async def read(self, sender: str) -> Stored:
        keys = [self._prefix + sender, EPOCH_KEY, WRITES_KEY]

        async def run(client: Redis) -> Any:
            return await self._read(keys=keys, args=[str(self._writes_seen)], client=client)

        try:
            reply = await self._link.call(run)
        except StoreUnavailable:
            self._link.turn_unrecorded()
            return Stored(None, version=None, lost=True)
        epoch, writes, version, written_in, payload = (_text(part) for part in reply)
        self._seen(writes)
        if version is None or payload is None:
            return Stored(None)
        number = int(version) if version.isdigit() else 0
        if written_in != epoch:
            return Stored(None, version=number, lost=True)
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            return Stored(None, version=number)
        state = ConversationState.from_dict(data) if isinstance(data, dict) else None
        return Stored(state, version=number)

    async def write(self, sender: str, state: ConversationState, *, version: int) -> Written:
        payload = json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"))
        keys = [self._prefix + sender, EPOCH_KEY, WRITES_KEY]
        args = [str(version), uuid.uuid4().hex, payload, str(self._ttl_ms)]

        async def run(client: Redis) -> Any:
            return await self._write(keys=keys, args=args, client=client)

        try:
            writes = await self._link.call(run)
        except StoreUnavailable:
            self._link.turn_unrecorded()
            return Written.UNAVAILABLE
        if not writes:
            return Written.CONFLICT
        self._seen(writes)
        return Written.DONE

    def _seen(self, writes: object) -> None:
        text = _text(writes) if not isinstance(writes, int) else str(writes)
        if text is not None and text.isdigit():
            self._writes_seen = max(self._writes_seen, int(text))

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
