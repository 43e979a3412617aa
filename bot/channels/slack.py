"""Slack: the Events API (`POST /webhooks/slack/events`) and a slash command
(`POST /webhooks/slack/command`).

Every request is checked against the v0 signature over the raw body, within the 5-minute replay
window, before anything is parsed. Events are acknowledged at once; the reply is posted in the
background with `chat.postMessage`, in the thread of the question. A slash command is answered
in its response, with any overflow posted to its `response_url`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from yarl import URL

from bot.channels.context import ChannelContext
from bot.channels.slack_api import SlackWebApi
from bot.render.slack import slack_messages
from bot.server.auth import secrets_equal
from bot.server.errors import Refused, RequestError
from bot.server.payload import parse_json_object, require_json
from bot.server.responses import json_response
from bot.server.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "slack"
REPLAY_WINDOW_SECONDS = 300
DEDUPE_TTL_SECONDS = 3600.0
RESPONSE_URL_MAX_POSTS = 4
USAGE = "Ask me about a UN resolution, for example: `{command} What does the resolution urge?`"

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def verify_slack_signature(
    secret: str, timestamp: str, signature: str, body: bytes, *, now: float
) -> str | None:
    """None when the request is authentic, else what is wrong with it."""
    if not timestamp or not signature:
        return "missing Slack signature headers"
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "stale or invalid Slack request timestamp"
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    if not secrets_equal(signature, expected):
        return "invalid Slack signature"
    return None


def slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A question for the bot, from an app mention or a direct message."""

    team: str
    channel: str
    user: str
    text: str
    ts: str
    thread_ts: str | None

    @property
    def sender(self) -> str:
        return f"slack:{self.team}:{self.channel}:{self.user}"


def message_from_event(envelope: Mapping[str, Any]) -> SlackMessage | str:
    """The question in an `event_callback`, or the reason it is ignored."""
    event = envelope.get("event")
    if not isinstance(event, dict):
        return "no_event"
    kind, channel_type = event.get("type"), event.get("channel_type")
    # Mentions arrive as app_mention; plain channel messages would duplicate them.
    if kind != "app_mention" and not (kind == "message" and channel_type == "im"):
        return "event_type"
    if event.get("bot_id") or event.get("subtype"):
        return "bot_or_edit"
    user, channel, text, ts = (event.get(key) for key in ("user", "channel", "text", "ts"))
    if not all(isinstance(value, str) and value for value in (user, channel, ts)):
        return "malformed"
    if user == _bot_user_id(envelope):
        return "own_echo"
    question = slack_unescape(_LEADING_MENTION.sub("", text if isinstance(text, str) else ""))
    if not question.strip():
        return "empty"
    thread = event.get("thread_ts")
    in_thread = thread if isinstance(thread, str) and thread else None
    return SlackMessage(
        team=str(envelope.get("team_id", "")),
        channel=str(channel),
        user=str(user),
        text=question.strip(),
        ts=str(ts),
        # Threads in channels; a direct message gets a plain reply unless already threaded.
        thread_ts=in_thread or (None if channel_type == "im" else str(ts)),
    )


def _bot_user_id(envelope: Mapping[str, Any]) -> str | None:
    authorizations = envelope.get("authorizations")
    if isinstance(authorizations, list) and authorizations and isinstance(authorizations[0], dict):
        user = authorizations[0].get("user_id")
        return user if isinstance(user, str) else None
    return None


class SlackVerifier:
    """Reads the raw body and rejects it (401) unless Slack signed it within the window."""

    def __init__(
        self, context: ChannelContext, secret: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._context = context
        self._secret = secret
        self._clock = clock

    async def body(self, request: web.Request) -> bytes:
        await self._context.auth.admit(request)
        body = await request.read()
        problem = verify_slack_signature(
            self._secret,
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
            body,
            now=self._clock(),
        )
        if problem is not None:
            self._context.metrics.channel_error(CHANNEL, "bad_signature")
            await self._context.auth.failed(request)
            raise RequestError(401, problem)
        return body


class SlackEvents:
    def __init__(self, context: ChannelContext, verifier: SlackVerifier, api: SlackWebApi) -> None:
        self._context = context
        self._verifier = verifier
        self._api = api
        self._seen = context.dedupe(CHANNEL, DEDUPE_TTL_SECONDS)

    async def handle(self, request: web.Request) -> web.Response:
        body = await self._verifier.body(request)
        require_json(request)
        envelope = parse_json_object(body)
        kind = envelope.get("type")
        if kind == "url_verification":
            challenge = envelope.get("challenge")
            if not isinstance(challenge, str):
                raise RequestError(400, "url_verification without a string 'challenge'")
            return json_response({"challenge": challenge})
        message = message_from_event(envelope) if kind == "event_callback" else "event_type"
        if isinstance(message, str):
            self._context.metrics.ignore(CHANNEL, message)
        elif not await self._first_delivery(envelope, message):
            self._context.metrics.ignore(CHANNEL, "duplicate")
        else:
            self._context.tasks.spawn(self._reply(message), name=f"slack-reply-{message.ts}")
        return json_response({"ok": True})

    async def _first_delivery(self, envelope: Mapping[str, Any], message: SlackMessage) -> bool:
        event_id = envelope.get("event_id")
        by_id = not isinstance(event_id, str) or await self._seen.first_time(f"event:{event_id}")
        by_ts = await self._seen.first_time(f"message:{message.channel}:{message.ts}")
        return by_id and by_ts

    async def _reply(self, message: SlackMessage) -> None:
        try:
            texts = slack_messages(await self._context.ask(CHANNEL, message.sender, message.text))
        except Refused as refused:
            texts = [refused.notice]
        for text in texts:
            if not await self._api.post_message(message.channel, text, thread_ts=message.thread_ts):
                return


class SlackCommand:
    def __init__(self, context: ChannelContext, verifier: SlackVerifier, api: SlackWebApi) -> None:
        self._context = context
        self._verifier = verifier
        self._api = api

    async def handle(self, request: web.Request) -> web.Response:
        form = _form(await self._verifier.body(request))
        if form.get("ssl_check") == "1":
            return json_response({"ok": True})
        if not form.get("user_id"):
            raise RequestError(400, "slash command without a 'user_id'")
        text = slack_unescape(form.get("text", "")).strip()
        if not text:
            usage = USAGE.format(command=form.get("command") or "/resbot")
            return json_response({"response_type": "ephemeral", "text": usage})
        sender = f"slack:{form.get('team_id', '')}:{form.get('channel_id', '')}:{form['user_id']}"
        try:
            messages = slack_messages(await self._context.ask(CHANNEL, sender, text)) or [""]
        except Refused as refused:
            messages = [refused.notice]
        self._send_overflow(form.get("response_url", ""), messages[1:])
        return json_response({"response_type": "ephemeral", "text": messages[0]})

    def _send_overflow(self, response_url: str, messages: list[str]) -> None:
        if not messages:
            return
        if not self._api.is_response_url(response_url):
            self._context.metrics.channel_error(CHANNEL, "bad_response_url")
            return
        if len(messages) > RESPONSE_URL_MAX_POSTS:
            self._context.metrics.channel_error(CHANNEL, "truncated")
        work = self._api.post_responses(response_url, messages[:RESPONSE_URL_MAX_POSTS])
        self._context.tasks.spawn(work, name="slack-response-url")


def _form(body: bytes) -> dict[str, str]:
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items() if values}


SLACK_HOOKS = ("https", "hooks.slack.com", 443)


def response_url_check(api_url: str) -> Callable[[str], bool]:
    """Where a slash command's response_url may point: Slack's hooks host over https on its
    default port, or the origin (scheme, host, port) of the configured Slack API base (a local
    fake in tests). Nothing with credentials in it."""
    base = URL(api_url)
    allowed = {SLACK_HOOKS, (base.scheme, base.host, base.port)}

    def check(url: str) -> bool:
        try:
            parsed = URL(url)
        except ValueError:
            return False
        if not parsed.absolute or parsed.user is not None or parsed.password is not None:
            return False
        return (parsed.scheme, parsed.host, parsed.port) in allowed

    return check


def enabled(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret)


def register(app: web.Application, context: ChannelContext, settings: Settings) -> None:
    api_url, bot_token = settings.slack_api_url, settings.slack_bot_token
    verifier = SlackVerifier(context, settings.slack_signing_secret)
    api = SlackWebApi(
        context, api_url=api_url, token=bot_token, response_url=response_url_check(api_url)
    )
    app.router.add_post("/webhooks/slack/events", SlackEvents(context, verifier, api).handle)
    app.router.add_post("/webhooks/slack/command", SlackCommand(context, verifier, api).handle)
    if not bot_token:
        log.warning("RESBOT_SLACK_BOT_TOKEN is unset: Slack events cannot be answered")
