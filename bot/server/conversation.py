"""ConversationService: the one place transports call. Reads a sender's session, asks the
engine, writes the new state. The engine is pure; this is the only stateful glue.

The engine's replies run in batches, those asked for in one turn of the event loop together
(bot/server/batching.py). One sender's messages are answered one at a time in a process (a
lock per sender), and a write names the version it was computed from: when another process
wrote first (two events from one sender at the same moment), the turn is answered again on
the newer state, so no write is ever lost to "the last one wins"."""

from __future__ import annotations

import asyncio

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, ConversationState
from bot.server.batching import ReplyBatch
from bot.server.sessions.base import SessionStore, Written

MAX_ATTEMPTS = 3


class SenderLocks:
    """An asyncio.Lock per sender, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def hold(self, sender: str) -> HeldLock:
        return HeldLock(self._locks, sender)

    def __len__(self) -> int:
        return len(self._locks)


class HeldLock:
    """`async with locks.hold(sender)`: a plain async context manager, at less than half the
    cost of a generator-based one (every answered message takes it)."""

    __slots__ = ("_locks", "_sender")

    def __init__(self, locks: dict[str, tuple[asyncio.Lock, int]], sender: str) -> None:
        self._locks = locks
        self._sender = sender

    async def __aenter__(self) -> None:
        lock, users = self._locks.get(self._sender) or (asyncio.Lock(), 0)
        self._locks[self._sender] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._locks[self._sender][0].release()
        self._leave()

    def _leave(self) -> None:
        lock, users = self._locks[self._sender]
        if users == 1:
            del self._locks[self._sender]
        else:
            self._locks[self._sender] = (lock, users - 1)


class ConversationService:
    def __init__(self, engine: AnswerEngine, store: SessionStore) -> None:
        self._engine = engine
        self._store = store
        self._locks = SenderLocks()
        self._batch = ReplyBatch()

    @property
    def engine(self) -> AnswerEngine:
        return self._engine

    @property
    def store(self) -> SessionStore:
        return self._store

    def swap_engine(self, engine: AnswerEngine) -> None:
        """Replace the engine atomically (reload); requests in flight keep the one they took."""
        self._engine = engine

    async def ask(self, sender: str, message: str) -> Answer:
        engine = self._engine
        async with self._locks.hold(sender):
            for _ in range(MAX_ATTEMPTS):
                stored = await self._store.read(sender)
                state = stored.state or ConversationState()
                turn = await self._batch.reply(engine, message, state, context_lost=stored.lost)
                if stored.version is None:
                    return turn.answer  # the store is unreachable: nothing to record
                written = await self._store.write(sender, turn.state, version=stored.version)
                if written is not Written.CONFLICT:
                    return turn.answer
            return turn.answer

    async def reset(self, sender: str) -> None:
        await self._store.delete(sender)
