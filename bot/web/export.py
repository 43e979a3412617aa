"""The FAQ in each export format: the page, its JSON-LD alone, or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.web.faq import Faq
from bot.web.faq_html import answer_html, render_faq_page
from bot.web.faq_jsonld import faq_jsonld
from bot.web.faq_markdown import render_faq_markdown


def render_faq_jsonld(faq: Faq) -> str:
    return json.dumps(faq_jsonld(faq, answer_html), ensure_ascii=False, indent=2) + "\n"


FAQ_FORMATS: dict[str, Callable[[Faq], str]] = {
    "html": render_faq_page,
    "jsonld": render_faq_jsonld,
    "markdown": render_faq_markdown,
}


def render_faq(faq: Faq, fmt: str) -> str:
    """The FAQ as text in `fmt` (one of FAQ_FORMATS); ValueError for another format."""
    try:
        render = FAQ_FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown FAQ format {fmt!r} (use {', '.join(FAQ_FORMATS)})") from None
    return render(faq)
