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
concurrent write never overwrites a newer one) and the epoch it was written in. A turn that
could not be recorded (Redis unreachable) makes the process mark that sender's session stale
at its next successful call, before anything else; a Redis that lost writes (restarted from
an older snapshot, or empty) bumps the epoch at the next read: an older session may lack a
turn the person saw, so it is reported lost, never continued from. A restart that kept every
write (append-only file) keeps the sessions.

Another process may have answered a turn without Redis that no mark records yet (it cannot
reach Redis, or has not noticed that it can again): every process holds a sync lease that
it renews with each call, and lets it run out before it answers a turn it cannot record.
While any process's lease has run out, no session is trusted (follow-ups say the context is
lost). A Redis that lost its data lost the leases too: the first read that notices puts back
every peer the reading process knew, lapsed, until each renews (a dead one is forgotten).
"""

from __future__ import annotations

import asyncio
import contextlib
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
PEERS_KEY = "resbot:peers"
MAX_UNRECORDED = 10_000
LEASE_SECONDS = 1.0
FORGET_SECONDS = 15.0
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
        # Work owed to Redis from before an outage, done first by the next successful call.
        self._repairs: dict[str, Callable[[Redis], Awaitable[object]]] = {}

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
        repairs, self._repairs = self._repairs, {}
        try:
            async with asyncio.timeout(self._deadline):
                for repair in repairs.values():
                    await repair(self._client)
                repairs = {}
                result = await operation(self._client)
        except (RedisError, OSError, TimeoutError) as error:
            self._went_down(type(error).__name__)
            raise StoreUnavailable(self._error) from None
        finally:
            if probe:
                self._probing = False
            self._repairs = {**repairs, **self._repairs}  # not done yet: still owed
        self._came_back()
        return result

    def owe(self, name: str, repair: Callable[[Redis], Awaitable[object]]) -> None:
        """Run `repair` before the next successful call's operation (once per name)."""
        self._repairs.setdefault(name, repair)

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


# Every script below starts with the sync lease. KEYS[1] is a sorted set of the processes that
# use these sessions, each scored with the end of its lease (milliseconds, Redis's clock); a
# process renews its lease with every call (ARGV[1]: its id, ARGV[2]: the lease's end, which it
# computed from when it sent the call, so a call that Redis runs late renews nothing). Entries
# older than ARGV[3] ms are forgotten (a process that died). `lapsed` counts the others whose
# lease has run out: they may be answering without Redis, so no session can be trusted.
_LEASE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
local renewed = 0
if tonumber(ARGV[2]) > now then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  renewed = 1
end
local lapsed = redis.call('ZCOUNT', KEYS[1], '-inf', now)
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if mine and tonumber(mine) <= now then lapsed = lapsed - 1 end
"""

_RENEW = (
    _LEASE
    + """
return {tostring(now), renewed, redis.call('ZRANGE', KEYS[1], 0, -1)}
"""
)

# A session is a hash: v (version), e (epoch written in), t (the writing turn's token), s (the
# ConversationState as JSON). KEYS: the peers, the epoch, the count of session writes, the
# session.
#
# Reading also compares the count of writes with the highest count this process has seen
# (ARGV[4]): lower means Redis lost writes (a restart from an older snapshot, or empty), so
# sessions may be older than what people were shown: the epoch goes up. The peers went with
# the data, and one of them may be answering without Redis right now: every peer this process
# knew (ARGV[5] on) comes back with its lease run out, so no session is trusted until each has
# checked in again (or is forgotten, as a dead one is). A value of another type (the plain
# JSON strings of older versions) is dropped.
_READ = (
    _LEASE
    + """
local seen = tonumber(ARGV[4])
local writes = tonumber(redis.call('GET', KEYS[3]) or '0')
if writes < seen then
  redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[3], seen)
  writes = seen
  for i = 5, #ARGV do
    lapsed = lapsed + redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i])
  end
end
local kind = redis.call('TYPE', KEYS[4])['ok']
if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', KEYS[4]) end
local saved = redis.call('HMGET', KEYS[4], 'v', 'e', 's')
return {tostring(now), renewed, lapsed, redis.call('GET', KEYS[2]) or '0', tostring(writes),
  saved[1], saved[2], saved[3]}
"""
)

# Compare-and-set: written only if the stored version is still ARGV[4] ('0': none). A write
# retried after a lost reply finds its own token (ARGV[5]) and succeeds again. Returns the
# count of writes, or 0 when another write got there first.
_WRITE = (
    _LEASE
    + """
local current = redis.call('HMGET', KEYS[4], 'v', 't')
local writes = 0
if current[2] == ARGV[5] then
  writes = tonumber(redis.call('GET', KEYS[3]) or '1')
elseif (current[1] or '0') == ARGV[4] then
  redis.call('HSET', KEYS[4], 'v', tostring(tonumber(ARGV[4]) + 1),
    'e', redis.call('GET', KEYS[2]) or '0', 't', ARGV[5], 's', ARGV[6])
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
  writes = redis.call('INCR', KEYS[3])
end
return {tostring(now), renewed, writes}
"""
)

# Sessions of turns that could not be recorded (KEYS) become stale: the next read reports them
# lost. Their version goes up too, so that a write still on its way (queued in a frozen Redis)
# cannot bring the older turn back; a sender without a session gets a stale one. ARGV[1]: TTL.
_MARK_STALE = """
for _, key in ipairs(KEYS) do
  local version = tonumber(redis.call('HGET', key, 'v') or '0') + 1
  redis.call('HSET', key, 'v', tostring(version), 'e', 'stale')
  redis.call('PEXPIRE', key, ARGV[1])
end
return #KEYS
"""


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) else None


def _number(value: object) -> int:
    text = _text(value)
    return int(text) if text is not None and text.isdigit() else 0


class RedisSessionStore:
    """Sessions shared by every process using the same Redis. While Redis is unavailable a
    sender has no remembered context (each message is answered on its own, and what it
    cited is not remembered either).

    The sync lease: a process that answers a turn it cannot record first waits for its lease
    to run out (at most `lease_seconds` after its last successful call), so that every other
    process sees it lapsed and trusts no session; when it reaches Redis again, it marks the
    sessions of those turns stale before it renews its lease. A background task renews the
    lease four times a lease and learns the other processes' ids, which a Redis that lost
    its data gets back as lapsed leases."""

    def __init__(
        self,
        link: RedisLink,
        *,
        ttl_seconds: float,
        prefix: str = SESSION_PREFIX,
        lease_seconds: float = LEASE_SECONDS,
        forget_seconds: float = FORGET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._link = link
        self._ttl_ms = max(1, round(ttl_seconds)) * 1000
        self._prefix = prefix
        self._read = link.client.register_script(_READ)
        self._write = link.client.register_script(_WRITE)
        self._renew = link.client.register_script(_RENEW)
        self._mark_stale = link.client.register_script(_MARK_STALE)
        self._writes_seen = 0  # the highest count of session writes Redis has reported
        # Senders answered while Redis was unreachable: their stored sessions lack that turn.
        self._unrecorded: set[str] = set()
        self._too_many_unrecorded = False
        self._id = uuid.uuid4().hex
        self._lease = lease_seconds
        self._forget_ms = round(forget_seconds * 1000)
        self._clock = clock
        self._offset_ms: float | None = None  # Redis's clock minus ours, at most
        self._renewed_at: float | None = None  # when we sent the last call that renewed
        self._keeper: asyncio.Task[None] | None = None
        self._closing = False
        self._peers: tuple[str, ...] = ()  # the other processes' ids, as of the last renewal

    # -- sessions ------------------------------------------------------------------------
    async def read(self, sender: str) -> Stored:
        key = self._prefix + sender
        lease, sent = self._lease_args()

        async def run(client: Redis) -> Any:
            args = [*lease, str(self._writes_seen), *self._peers]
            return await self._read(keys=self._keys(key), args=args, client=client)

        try:
            reply = await self._link.call(run)
        except StoreUnavailable:
            await self._unrecorded_turn(key)
            return Stored(None, version=None, lost=True)
        now, renewed, lapsed, epoch, writes, version, written_in, payload = reply
        self._leased(sent, now, renewed)
        self._writes_seen = max(self._writes_seen, _number(writes))
        if version is None:
            return Stored(None)
        number = _number(version)
        if _text(written_in) != _text(epoch) or _number(lapsed) > 0:
            return Stored(None, version=number, lost=True)
        try:
            data = json.loads(_text(payload) or "")
        except (ValueError, RecursionError):
            return Stored(None, version=number)
        state = ConversationState.from_dict(data) if isinstance(data, dict) else None
        return Stored(state, version=number)

    async def write(self, sender: str, state: ConversationState, *, version: int) -> Written:
        key = self._prefix + sender
        payload = json.dumps(state.to_dict(), ensure_ascii=False, separators=(",", ":"))
        lease, sent = self._lease_args()
        args = [*lease, str(version), uuid.uuid4().hex, payload, str(self._ttl_ms)]

        async def run(client: Redis) -> Any:
            return await self._write(keys=self._keys(key), args=args, client=client)

        try:
            now, renewed, writes = await self._link.call(run)
        except StoreUnavailable:
            await self._unrecorded_turn(key)
            return Written.UNAVAILABLE
        self._leased(sent, now, renewed)
        if not _number(writes):
            return Written.CONFLICT
        self._writes_seen = max(self._writes_seen, _number(writes))
        return Written.DONE

    async def delete(self, sender: str) -> None:
        key = self._prefix + sender
        try:
            await self._link.call(lambda client: client.delete(key))
        except StoreUnavailable:
            return

    def _keys(self, session: str) -> list[str]:
        return [PEERS_KEY, EPOCH_KEY, WRITES_KEY, session]

    # -- turns that could not be recorded --------------------------------------------------
    async def _unrecorded_turn(self, key: str) -> None:
        """A turn is being answered that no write records: before anything else reaches Redis
        from this process, that sender's stored session is marked stale (past
        MAX_UNRECORDED senders, every session: the epoch goes up). And the answer waits until
        this process's lease has run out, so that no other process trusts a session
        meanwhile."""
        if len(self._unrecorded) < MAX_UNRECORDED:
            self._unrecorded.add(key)
        else:
            self._too_many_unrecorded = True
        self._link.owe("sessions", self._repair)
        if self._renewed_at is not None:
            wait = self._renewed_at + self._lease - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)

    async def _repair(self, client: Redis) -> None:
        keys, everything = list(self._unrecorded), self._too_many_unrecorded
        if everything:
            await client.incr(EPOCH_KEY)
        elif keys:
            await self._mark_stale(keys=keys, args=[str(self._ttl_ms)], client=client)
        self._unrecorded.difference_update(keys)
        if everything:
            self._too_many_unrecorded = False

    # -- the sync lease ----------------------------------------------------------------------
    def _lease_args(self) -> tuple[list[str], float]:
        """[id, the lease's end in Redis's clock (0: not known yet), forget ms], and when."""
        sent = self._clock()
        end = 0 if self._offset_ms is None else int((sent + self._lease) * 1000 + self._offset_ms)
        return [self._id, str(end), str(self._forget_ms)], sent

    def _leased(self, sent: float, now: object, renewed: object) -> None:
        # Redis's clock when it ran the call, minus ours when the reply came: never more than
        # the true difference, so a lease's end is never later in Redis than we believe.
        self._offset_ms = _number(now) - self._clock() * 1000
        if _number(renewed) and (self._renewed_at is None or sent > self._renewed_at):
            self._renewed_at = sent

    async def renew(self) -> bool:
        lease, sent = self._lease_args()

        async def run(client: Redis) -> Any:
            return await self._renew(keys=[PEERS_KEY], args=lease, client=client)

        try:
            now, renewed, peers = await self._link.call(run)
        except StoreUnavailable:
            return False
        self._leased(sent, now, renewed)
        self._peers = tuple(p for p in map(_text, peers) if p is not None and p != self._id)
        return bool(_number(renewed))

    async def _keep_lease(self) -> None:
        """Renew every quarter lease, busy or idle: each renewal also learns the peers. Ends
        when closing, even if the cancellation was lost inside a Redis call that timed out
        at the same moment."""
        while not self._closing:
            await self.renew()
            await asyncio.sleep(self._lease / 4)

    async def start(self) -> None:
        """Learn Redis's clock, take the lease, and keep it while idle."""
        if self._keeper is None:
            await self.renew()
            self._keeper = asyncio.create_task(self._keep_lease(), name="redis-lease")

    async def close(self) -> None:
        """Give the lease back (the link is shared: its owner closes it)."""
        if self._keeper is not None:
            self._closing = True
            self._keeper.cancel()
            # Bounded: a keeper whose cancellation was swallowed stops at its next turn.
            await asyncio.wait([self._keeper], timeout=self._lease)
            self._keeper = None
        with contextlib.suppress(StoreUnavailable):
            await self._link.call(lambda client: client.zrem(PEERS_KEY, self._id))

    def status(self) -> dict[str, Any]:
        return self._link.status()
