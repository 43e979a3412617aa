"""The interface every session store implements: versioned reads, compare-and-set writes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.models import ConversationState


@dataclass(frozen=True, slots=True)
class Stored:
    """A sender's session as read. `version` counts the writes (0: none yet); a write must
    name the version it was computed from, so that a stale or concurrent copy never
    overwrites a newer one. `version` None: the store could not be read, so nothing may be
    written either. `lost`: there was (or may have been) a conversation, but it cannot be
    trusted: a turn was answered that the stored copy lacks, or the store was unreachable."""

    state: ConversationState | None
    version: int | None = 0
    lost: bool = False


class Written(enum.Enum):
    """What a compare-and-set write did."""

    DONE = "done"
    CONFLICT = "conflict"  # another write got there first: read again
    UNAVAILABLE = "unavailable"  # the store could not be reached: nothing was recorded


class SessionStore(Protocol):
    """Keeps one ConversationState per sender, for a bounded time."""

    async def read(self, sender: str) -> Stored: ...

    async def write(self, sender: str, state: ConversationState, *, version: int) -> Written:
        """Store `state` as version `version + 1` if the stored version is still `version`."""
        ...

    async def delete(self, sender: str) -> None: ...

    async def start(self) -> None:
        """Background work the store needs while the server runs (started in its loop)."""
        ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...
