"""State that several processes may share: sessions, rate-limit buckets and the platforms'
delivery ids. In memory (per process, the default) or in Redis (RESBOT_SESSIONS=redis://...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.server.dedupe import DedupeFactory, memory_dedupe, redis_dedupe
from bot.server.limits import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.server.sessions import MemorySessionStore, SessionStore
from bot.server.sessions.redis import RedisLink, RedisSessionStore
from bot.server.settings import Settings, SettingsError

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class SharedState:
    sessions: SessionStore
    limiter: RateLimiter
    dedupe: DedupeFactory
    link: RedisLink | None = None

    @property
    def ok(self) -> bool:
        return self.link is None or self.link.ok

    async def probe(self) -> None:
        """Let /healthz notice a recovered Redis even when no request has used it."""
        if self.link is not None and not self.link.ok:
            await self.link.probe()

    def status(self) -> dict[str, Any]:
        return self.sessions.status()

    async def start(self) -> None:
        await self.sessions.start()

    async def close(self) -> None:
        await self.sessions.close()
        if self.link is not None:
            await self.link.close()


def check_sessions_setting(value: str) -> None:
    if value != "memory" and not value.startswith(REDIS_SCHEMES):
        shown = value.split("://", 1)[0] + "://..." if "://" in value else repr(value)
        raise SettingsError(f"RESBOT_SESSIONS must be 'memory' or a redis:// URL, not {shown}")


def memory_state(settings: Settings, sessions: SessionStore | None = None) -> SharedState:
    store = sessions or MemorySessionStore(
        ttl_seconds=settings.session_ttl_seconds, max_sessions=settings.max_sessions
    )
    return SharedState(sessions=store, limiter=MemoryRateLimiter(), dedupe=memory_dedupe)


def open_shared_state(settings: Settings) -> SharedState:
    """Call inside the event loop that will use it (a Redis client belongs to one loop)."""
    check_sessions_setting(settings.sessions)
    if settings.sessions == "memory":
        return memory_state(settings)
    try:
        link = RedisLink(settings.sessions, timeout=settings.redis_timeout_seconds)
    except ValueError:
        raise SettingsError("RESBOT_SESSIONS is not a valid Redis URL") from None
    return SharedState(
        sessions=RedisSessionStore(link, ttl_seconds=settings.session_ttl_seconds),
        limiter=RedisRateLimiter(link),
        dedupe=redis_dedupe(link),
        link=link,
    )
