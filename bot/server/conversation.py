"""ConversationService: the one place transports call. Loads a sender's state, asks the
engine, saves the new state. The engine is pure; this is the only stateful glue."""

from __future__ import annotations

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, ConversationState
from bot.server.sessions.base import SessionStore


class ConversationService:
    def __init__(self, engine: AnswerEngine, store: SessionStore) -> None:
        self._engine = engine
        self._store = store

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
        state = await self._store.load(sender) or ConversationState()
        turn = engine.reply(message, state)
        await self._store.save(sender, turn.state)
        return turn.answer
