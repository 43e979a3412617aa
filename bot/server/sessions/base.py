"""The interface every session store implements."""

from __future__ import annotations

from typing import Any, Protocol

from bot.core.models import ConversationState


class SessionStore(Protocol):
    """Keeps one ConversationState per sender, for a bounded time."""

    async def load(self, sender: str) -> ConversationState | None: ...

    async def save(self, sender: str, state: ConversationState) -> None: ...

    async def delete(self, sender: str) -> None: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...
