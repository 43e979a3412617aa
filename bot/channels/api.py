"""`POST /api/ask`: `{"sender", "message"}` in, the Answer (docs/contract.md) out."""

from __future__ import annotations

from aiohttp import web

from bot.channels.context import ChannelContext
from bot.server.payload import parse_ask_request, read_json_object
from bot.server.responses import json_response
from bot.server.settings import Settings

CHANNEL = "api"


class AskHandler:
    def __init__(self, context: ChannelContext) -> None:
        self._context = context

    async def handle(self, request: web.Request) -> web.Response:
        ask = parse_ask_request(await read_json_object(request))
        answer = await self._context.ask(CHANNEL, f"web:{ask.sender}", ask.message)
        return json_response(answer.to_dict())


def enabled(settings: Settings) -> bool:
    return True


def register(app: web.Application, context: ChannelContext, settings: Settings) -> None:
    app.router.add_post("/api/ask", AskHandler(context).handle)
