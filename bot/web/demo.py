"""GET /demo: a plain page that embeds the widget with the one tag a site owner would add."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Document
from bot.web.pages import escape, html_page


def widget_title(documents: Sequence[Document]) -> str:
    if len(documents) == 1:
        return f"Ask about {documents[0].symbol}"
    return "Ask about UN resolutions"


def embed_snippet(origin: str, title: str) -> str:
    return f'<script src="{origin}/widget.js" data-title="{title}" defer></script>'


def render_demo_page(documents: Sequence[Document], origin: str, *, open_on_load: bool) -> str:
    title = widget_title(documents)
    names = ", ".join(f"{d.symbol} (“{d.title}”)" for d in documents) or "no resolution yet"
    opened = ' data-open="true"' if open_on_load else ""
    body = f"""<h1>resbot: try the chat widget</h1>
<p>This page embeds the resbot chat widget the way any website would. Open it with the button
in the bottom right corner and ask about {escape(names)}: every answer quotes the resolution
verbatim and links to the official document.</p>
<p>To embed it on your site, add this one tag (and list your site's origin in
<code>RESBOT_CORS_ORIGINS</code> on the bot's server):</p>
<pre><code>{escape(embed_snippet(origin, title))}</code></pre>
<p>Options, as data attributes: <code>data-server</code> (the bot's address; defaults to where
<code>widget.js</code> comes from), <code>data-title</code>, <code>data-accent</code> (a CSS
colour) and <code>data-open="true"</code> (open the panel on load).</p>
<p>The common questions and their answers are also on the <a href="/faq">FAQ page</a>.</p>
<script src="/widget.js" data-title="{escape(title)}"{opened} defer></script>"""
    return html_page("resbot demo", body)
