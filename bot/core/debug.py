"""What /debug shows of how an answer was found; it travels in the Turn, never on the engine."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.analysis import Query
from bot.core.index import Hit, ParagraphIndex


@dataclass(frozen=True, slots=True)
class Debug:
    """What /debug shows for the last answer."""

    intent: str
    candidates: tuple[tuple[str, float, float], ...]
    terms: tuple[str, ...]
    corrections: tuple[str, ...]
    top: Hit | None = None
    query: Query | None = None

    def matched(self, index: ParagraphIndex) -> tuple[str, ...]:
        """The query terms the best paragraph matched (worked out only when asked)."""
        if self.top is None or self.query is None:
            return ()
        return index.matched(self.top, self.query)
