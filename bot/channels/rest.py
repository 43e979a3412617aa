"""`POST /webhooks/rest/webhook`, the Rasa REST channel's shape, so existing web chat clients
(rasa-webchat, chatroom, ...) work unchanged: `{"sender", "message"}` in, a list of
`{"recipient_id", "text"}` bubbles out, suggestions as buttons on the last one."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from bot.channels.context import ChannelContext
from bot.core.models import Answer
from bot.render.layout import SUGGESTIONS_HEADING
from bot.render.plain import plain_blocks
from bot.server.payload import parse_ask_request, read_json_object
from bot.server.responses import json_response
from bot.server.settings import Settings

CHANNEL = "rest"


def rasa_messages(recipient: str, answer: Answer) -> list[dict[str, Any]]:
    """One bubble per paragraph (Rasa splits its text on blank lines too)."""
    blocks = plain_blocks(dataclasses.replace(answer, suggestions=()))
    messages: list[dict[str, Any]] = [{"recipient_id": recipient, "text": b} for b in blocks]
    if answer.suggestions:
        buttons = [{"title": s, "payload": s} for s in answer.suggestions]
        if not messages:
            messages.append({"recipient_id": recipient, "text": SUGGESTIONS_HEADING})
        messages[-1]["buttons"] = buttons
    return messages


class RestWebhook:
    def __init__(self, context: ChannelContext) -> None:
        self._context = context

    async def handle(self, request: web.Request) -> web.Response:
        ask = parse_ask_request(await read_json_object(request))
        answer = await self._context.ask(CHANNEL, f"web:{ask.sender}", ask.message)
        return json_response(rasa_messages(ask.sender, answer))

    async def status(self, request: web.Request) -> web.Response:
        return json_response({"status": "ok"})


def enabled(settings: Settings) -> bool:
    return True


def register(app: web.Application, context: ChannelContext, settings: Settings) -> None:
    webhook = RestWebhook(context)
    app.router.add_get("/webhooks/rest/", webhook.status)
    app.router.add_post("/webhooks/rest/webhook", webhook.handle)
