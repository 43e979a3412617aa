"""Web HTML for the widget and pages: one `<div class="resbot-answer">` fragment, every text
escaped (attributes too) and only http(s) links made clickable."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.core.models import Answer, Citation
from bot.render.layout import render_blocks, safe_url


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)


class HtmlMarkup:
    def inline(self, raw: str) -> str:
        return html_escape(raw)

    def paragraph(self, raw: str) -> str:
        return f"<p>{html_escape(raw)}</p>"

    def quote(self, raw: str) -> str:
        return f"<blockquote>{html_escape(raw)}</blockquote>"

    def source(self, citation: Citation) -> str:
        return f'<p class="resbot-source">— {self.link(citation)}</p>'

    def link(self, citation: Citation) -> str:
        label = html_escape(citation.label)
        if not safe_url(citation.url):
            return label
        return f'<a href="{html_escape(citation.url)}" rel="noopener">{label}</a>'

    def note(self, raw: str) -> str:
        return f'<p class="resbot-note"><small>{html_escape(raw)}</small></p>'

    def listing(self, heading: str, items: Sequence[str]) -> str:
        rows = "".join(f"<li>{item}</li>" for item in items)
        return f'<p class="resbot-heading">{html_escape(heading)}</p><ul>{rows}</ul>'


def render_html(answer: Answer) -> str:
    body = "\n".join(render_blocks(answer, HtmlMarkup()))
    return f'<div class="resbot-answer">\n{body}\n</div>'
