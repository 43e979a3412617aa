"""Plain text: what a terminal, the Rasa REST channel or a text-only client shows."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Answer, Citation
from bot.render.layout import render_blocks


class PlainMarkup:
    def inline(self, raw: str) -> str:
        return raw

    def paragraph(self, raw: str) -> str:
        return raw

    def quote(self, raw: str) -> str:
        return f"“{raw}”"

    def source(self, citation: Citation) -> str:
        return f"— {self.link(citation)}"

    def link(self, citation: Citation) -> str:
        return f"{citation.label} ({citation.url})"

    def note(self, raw: str) -> str:
        return raw

    def listing(self, heading: str, items: Sequence[str]) -> str:
        return "\n".join([heading, *(f"- {item}" for item in items)])


def plain_blocks(answer: Answer) -> list[str]:
    """The reply as separate paragraphs (one chat bubble each)."""
    return render_blocks(answer, PlainMarkup())


def render_plain(answer: Answer) -> str:
    return "\n\n".join(plain_blocks(answer))
