"""Embedding the bot on websites: the chat widget (/widget.js), the FAQ page (/faq) and its
export, the demo page (/demo), and CORS for the sites allowed to call /api/ask.

`setup_web` is imported on first use, so `resbot export-faq` does not load the web server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.web.routes import setup_web

__all__ = ["setup_web"]


def __getattr__(name: str) -> object:
    if name == "setup_web":
        from bot.web.routes import setup_web

        return setup_web
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
