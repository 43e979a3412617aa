"""Answer -> text for each surface, all from one shared reading of the Answer (layout.py)."""

from bot.render.html import render_html
from bot.render.plain import plain_blocks, render_plain
from bot.render.slack import render_slack, slack_messages
from bot.render.telegram import render_telegram, telegram_messages

__all__ = [
    "plain_blocks",
    "render_html",
    "render_plain",
    "render_slack",
    "render_telegram",
    "slack_messages",
    "telegram_messages",
]
