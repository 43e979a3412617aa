"""In-memory sessions with a time-to-live and a size bound (least recently used goes first)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.core.models import ConversationState
from bot.server.sessions.base import Stored, Written


class MemorySessionStore:
    """Per-process store; each worker process has its own."""

    def __init__(
        self,
        *,
        ttl_seconds: float = 3600.0,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_sessions
        self._clock = clock
        # sender -> (expires, version, state)
        self._items: OrderedDict[str, tuple[float, int, ConversationState]] = OrderedDict()

    async def read(self, sender: str) -> Stored:
        entry = self._items.get(sender)
        if entry is None:
            return Stored(None)
        expires, version, state = entry
        if expires <= self._clock():
            del self._items[sender]
            return Stored(None)
        self._items.move_to_end(sender)
        return Stored(state, version)

    async def write(self, sender: str, state: ConversationState, *, version: int) -> Written:
        current = await self.read(sender)
        if current.version != version:
            return Written.CONFLICT
        self._items[sender] = (self._clock() + self._ttl, version + 1, state)
        self._items.move_to_end(sender)
        while len(self._items) > self._max:
            self._items.popitem(last=False)
        return Written.DONE

    async def delete(self, sender: str) -> None:
        self._items.pop(sender, None)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._items.clear()

    def status(self) -> dict[str, Any]:
        return {"backend": "memory", "ok": True, "sessions": len(self._items)}
