"""Slack mrkdwn: quotes as `>` block quotes, citations as `<url|label>` links.

Only `&`, `<` and `>` are control characters in mrkdwn; escaping them is what keeps text such
as `<!channel>` or `<script>` from becoming a mention or markup. Slack has no escape for
`*`, `_` or `~`: they stay as written (quotes must stay verbatim).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Answer, Citation
from bot.render.layout import pack, render_blocks, safe_url

SLACK_MESSAGE_LIMIT = 4000


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackMarkup:
    def inline(self, raw: str) -> str:
        return slack_escape(raw)

    def paragraph(self, raw: str) -> str:
        return slack_escape(raw)

    def quote(self, raw: str) -> str:
        return "\n".join(f"> {line}" for line in slack_escape(raw).split("\n"))

    def source(self, citation: Citation) -> str:
        return f"— {self.link(citation)}"

    def link(self, citation: Citation) -> str:
        if not safe_url(citation.url):
            return slack_escape(citation.label)
        url = slack_escape(citation.url).replace("|", "%7C")
        return f"<{url}|{slack_escape(citation.label)}>"

    def note(self, raw: str) -> str:
        return slack_escape(raw)

    def listing(self, heading: str, items: Sequence[str]) -> str:
        return "\n".join([f"*{slack_escape(heading)}*", *(f"• {item}" for item in items)])


def render_slack(answer: Answer) -> str:
    return "\n\n".join(render_blocks(answer, SlackMarkup()))


def slack_messages(answer: Answer, *, limit: int = SLACK_MESSAGE_LIMIT) -> list[str]:
    """The reply cut into messages of at most `limit` characters, between blocks."""
    return pack(render_blocks(answer, SlackMarkup(), limit=limit), limit)
