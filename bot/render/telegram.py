"""Telegram HTML (parse_mode "HTML"): `<blockquote>`, `<a href>`, `<i>`, `<b>`; every other
`<`, `>` and `&` escaped. Messages are measured in UTF-16 code units of the marked-up text,
which is never shorter than the text Telegram counts after parsing."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.core.models import Answer, Citation
from bot.render.layout import pack, render_blocks, safe_url, utf16_len

TELEGRAM_MESSAGE_LIMIT = 4096


def telegram_escape(text: str) -> str:
    return html.escape(text, quote=False)


class TelegramMarkup:
    def inline(self, raw: str) -> str:
        return telegram_escape(raw)

    def paragraph(self, raw: str) -> str:
        return telegram_escape(raw)

    def quote(self, raw: str) -> str:
        return f"<blockquote>{telegram_escape(raw)}</blockquote>"

    def source(self, citation: Citation) -> str:
        return f"— {self.link(citation)}"

    def link(self, citation: Citation) -> str:
        label = telegram_escape(citation.label)
        if not safe_url(citation.url):
            return label
        return f'<a href="{html.escape(citation.url, quote=True)}">{label}</a>'

    def note(self, raw: str) -> str:
        return f"<i>{telegram_escape(raw)}</i>"

    def listing(self, heading: str, items: Sequence[str]) -> str:
        return "\n".join([f"<b>{telegram_escape(heading)}</b>", *(f"• {item}" for item in items)])


def render_telegram(answer: Answer) -> str:
    return "\n\n".join(render_blocks(answer, TelegramMarkup()))


def telegram_messages(answer: Answer, *, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """The reply cut into messages Telegram accepts, never inside a tag or an entity."""
    blocks = render_blocks(answer, TelegramMarkup(), limit=limit, measure=utf16_len)
    return pack(blocks, limit, measure=utf16_len)
