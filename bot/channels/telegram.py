"""Telegram, `POST /webhooks/telegram` (registered with setWebhook and a `secret_token`).

The `X-Telegram-Bot-Api-Secret-Token` header is compared in constant time before the body is
read. A text message is answered in the webhook response (`sendMessage`, HTML parse mode);
a reply longer than one message continues through the Bot API, a message a second as Telegram
asks, which also lets the first part arrive first. Other updates are acknowledged with `{}`.

In groups only what is addressed to the bot is answered, as with Telegram's privacy mode:
commands for it (`/ask@ResBot ...`, or `/ask`, `/start`, `/help` without a bot name), mentions
of it (`@ResBot ...`) and replies to its messages; in private chats, everything. The bot's
username comes from RESBOT_TELEGRAM_BOT_USERNAME, else from getMe; its id from its token.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.channels.context import ChannelContext
from bot.render.telegram import telegram_messages
from bot.server.auth import secrets_equal
from bot.server.errors import Refused, RequestError
from bot.server.outbound import HttpResult, OutboundError
from bot.server.payload import read_json_object
from bot.server.responses import json_response
from bot.server.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEDUPE_TTL_SECONDS = 24 * 3600.0
GET_ME_RETRY_SECONDS = 60.0
GROUP_CHATS = frozenset({"group", "supergroup"})


def is_group(chat: Mapping[str, Any]) -> bool:
    """A group chat; a "type" that is not a string (an object, a list: hostile bytes) is not
    one, and is not looked up in a set either (unhashable: it answered 500)."""
    kind = chat.get("type")
    return isinstance(kind, str) and kind in GROUP_CHATS


# Commands that are this bot's even without its name (Telegram sends a group's bare commands
# to a privacy-mode bot only when it spoke last).
OWN_COMMANDS = frozenset({"ask", "start", "help"})
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    chat_id: int
    message_id: int
    user_id: int | None
    text: str

    @property
    def sender(self) -> str:
        user = "" if self.user_id is None or self.user_id == self.chat_id else f":{self.user_id}"
        return f"telegram:{self.chat_id}{user}"


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def update_id_of(update: Mapping[str, Any]) -> int:
    update_id = _integer(update.get("update_id"))
    if update_id is None:
        raise RequestError(400, "update without an integer 'update_id'")
    return update_id


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is, as far as known: its user id and @username (without the @)."""

    id: int | None = None
    username: str = ""

    def is_me(self, user: object) -> bool:
        if not isinstance(user, dict):
            return False
        if self.id is not None and _integer(user.get("id")) == self.id:
            return True
        name = user.get("username")
        return bool(self.username) and isinstance(name, str) and name.lower() == self.username


def message_from_update(
    update: Mapping[str, Any], me: BotIdentity = BotIdentity()
) -> TelegramMessage | str:
    """The question in an update, or the reason it gets no reply."""
    message = update.get("message")
    if not isinstance(message, dict):
        return "not_a_message"
    text, chat, sender = message.get("text"), message.get("chat"), message.get("from")
    if not isinstance(text, str):
        return "not_text"
    chat_id = _integer(chat.get("id")) if isinstance(chat, dict) else None
    message_id = _integer(message.get("message_id"))
    if chat_id is None or message_id is None:
        return "malformed"
    if isinstance(sender, dict) and sender.get("is_bot") is True:
        return "bot"
    if isinstance(chat, dict) and is_group(chat):
        addressed = addressed_text(text, message.get("reply_to_message"), me)
        if addressed is None:
            return "not_addressed"
        text = addressed
    question = command_text(text)
    if not question:
        return "empty"
    user_id = _integer(sender.get("id")) if isinstance(sender, dict) else None
    return TelegramMessage(chat_id, message_id, user_id, question)


def addressed_text(text: str, replied_to: object, me: BotIdentity) -> str | None:
    """In a group: the text when it is for this bot (a mention of it taken out), else None."""
    stripped = text.strip()
    if stripped.startswith("/"):
        command = stripped.split(maxsplit=1)[0][1:]
        name, _, target = command.partition("@")
        if target:
            return text if me.username and target.lower() == me.username else None
        return text if name.lower() in OWN_COMMANDS else None
    if me.username:
        mention = re.compile(rf"[\s,]*(?<![\w.@])@{re.escape(me.username)}\b[,:]?", re.IGNORECASE)
        if mention.search(text):
            rest = " ".join(mention.sub(" ", text).split())
            return re.sub(r"\s+([?.!,;:])", r"\1", rest)
    if isinstance(replied_to, dict) and me.is_me(replied_to.get("from")):
        return text
    return None


def command_text(text: str) -> str:
    """`/ask@ResBot what ...` -> `what ...`; a bare `/start` or `/help` asks for help."""
    text = text.strip()
    if not text.startswith("/"):
        return text
    command, _, rest = text.partition(" ")
    name = command[1:].split("@", 1)[0].lower()
    if rest.strip():
        return rest.strip()
    return "help" if name in {"start", "help"} else name


def send_message_method(chat_id: int, text: str, *, reply_to: int | None) -> dict[str, Any]:
    """A sendMessage call, as a webhook response (with "method") or a Bot API body."""
    payload: dict[str, Any] = {
        "method": "sendMessage",
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if reply_to is not None:
        payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    return payload


class TelegramBotApi:
    """`sendMessage` through the Bot API. The URL holds the bot token: it is never logged."""

    def __init__(
        self, context: ChannelContext, *, api_url: str, token: str, interval: float
    ) -> None:
        self._context = context
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._url = f"{self._base}/sendMessage"
        self._token = token
        self._interval = interval

    async def get_me(self) -> BotIdentity | None:
        """The bot's id and username from getMe; None when it cannot be asked or says no."""
        if not self._token:
            return None
        try:
            result = await self._context.http.post_json(f"{self._base}/getMe", {})
        except OutboundError as error:
            log.warning("Telegram unreachable: %s", error)
            return None
        me = result.data.get("result")
        if result.status != 200 or not isinstance(me, dict):
            log.warning("Telegram getMe failed with HTTP %s", result.status)
            return None
        name = me.get("username")
        return BotIdentity(_integer(me.get("id")), name.lower() if isinstance(name, str) else "")

    async def send_later(self, chat_id: int, texts: Sequence[str]) -> None:
        for text in texts:
            await asyncio.sleep(self._interval)
            if not await self.send(chat_id, text):
                return

    async def send(self, chat_id: int, text: str) -> bool:
        if not self._token:
            self._context.metrics.channel_error(CHANNEL, "no_bot_token")
            return False
        payload = send_message_method(chat_id, text, reply_to=None)
        del payload["method"]
        result = await self._post(payload)
        if result is not None and _unparseable(result):
            # Formatting rejected: send the same words without markup rather than nothing.
            plain = html.unescape(_TAG.sub("", text))
            result = await self._post({"chat_id": chat_id, "text": plain})
        if result is not None and result.status == 200 and result.data.get("ok") is True:
            return True
        if result is not None:
            log.warning("Telegram sendMessage failed with HTTP %s", result.status)
            self._context.metrics.channel_error(CHANNEL, f"http_{result.status}")
        return False

    async def _post(self, payload: Mapping[str, Any]) -> HttpResult | None:
        try:
            return await self._context.http.post_json(self._url, payload)
        except OutboundError as error:
            log.warning("Telegram unreachable: %s", error)
            self._context.metrics.channel_error(CHANNEL, "unreachable")
            return None


def _unparseable(result: HttpResult) -> bool:
    description = result.data.get("description")
    return result.status == 400 and isinstance(description, str) and "parse" in description


class Identity:
    """The bot's identity: the configured username and the id its token starts with, or
    what getMe says (asked once, again a minute after a failure)."""

    def __init__(self, api: TelegramBotApi, *, token: str, username: str) -> None:
        prefix = token.split(":", 1)[0]
        self._me = BotIdentity(int(prefix) if prefix.isdigit() else None, username.lower())
        self._api = api
        self._asked_at: float | None = None

    async def get(self) -> BotIdentity:
        if self._me.username:
            return self._me
        now = asyncio.get_running_loop().time()
        if self._asked_at is None or now - self._asked_at >= GET_ME_RETRY_SECONDS:
            self._asked_at = now
            found = await self._api.get_me()
            if found is not None:
                self._me = BotIdentity(found.id or self._me.id, found.username)
        return self._me


class TelegramWebhook:
    def __init__(
        self, context: ChannelContext, api: TelegramBotApi, secret: str, identity: Identity
    ) -> None:
        self._context = context
        self._api = api
        self._secret = secret
        self._identity = identity
        self._seen = context.dedupe(CHANNEL, DEDUPE_TTL_SECONDS)

    async def handle(self, request: web.Request) -> web.Response:
        await self._context.auth.admit(request)
        if not secrets_equal(request.headers.get(SECRET_HEADER, ""), self._secret):
            self._context.metrics.channel_error(CHANNEL, "bad_secret")
            await self._context.auth.failed(request)
            raise RequestError(401, "invalid Telegram secret token")
        update = await read_json_object(request)
        key = str(update_id_of(update))
        if not await self._seen.first_time(key):
            return self._ignore("duplicate")
        try:
            return await self._answer(update)
        except BaseException:
            # Telegram redelivers an update that failed: let that redelivery be answered.
            await self._seen.forget(key)
            raise

    async def _answer(self, update: Mapping[str, Any]) -> web.Response:
        message = message_from_update(update, await self._me(update))
        if isinstance(message, str):
            return self._ignore(message)
        try:
            answer = await self._context.ask(CHANNEL, message.sender, message.text)
        except Refused as refused:
            notice = html.escape(refused.notice, quote=False)
            return json_response(
                send_message_method(message.chat_id, notice, reply_to=message.message_id)
            )
        messages = telegram_messages(answer)
        if not messages:
            return self._ignore("empty_answer")
        first, *rest = messages
        if rest:
            work = self._api.send_later(message.chat_id, rest)
            self._context.tasks.spawn(work, name=f"telegram-overflow-{message.chat_id}")
        return json_response(
            send_message_method(message.chat_id, first, reply_to=message.message_id)
        )

    async def _me(self, update: Mapping[str, Any]) -> BotIdentity:
        """Who the bot is, asked only when a group message needs it."""
        message = update.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and is_group(chat):
            return await self._identity.get()
        return BotIdentity()

    def _ignore(self, reason: str) -> web.Response:
        self._context.metrics.ignore(CHANNEL, reason)
        return json_response({})


def enabled(settings: Settings) -> bool:
    return bool(settings.telegram_secret_token)


def register(app: web.Application, context: ChannelContext, settings: Settings) -> None:
    bot_token = settings.telegram_bot_token
    api = TelegramBotApi(
        context,
        api_url=settings.telegram_api_url,
        token=bot_token,
        interval=settings.telegram_send_interval_seconds,
    )
    identity = Identity(api, token=bot_token, username=settings.telegram_bot_username)
    webhook = TelegramWebhook(context, api, settings.telegram_secret_token, identity)
    app.router.add_post("/webhooks/telegram", webhook.handle)
    if not bot_token:
        log.warning(
            "RESBOT_TELEGRAM_BOT_TOKEN is unset: long replies will be cut short%s",
            ""
            if settings.telegram_bot_username
            else ", and in groups only /ask, /start and /help without a bot name are answered"
            " (set RESBOT_TELEGRAM_BOT_USERNAME)",
        )
