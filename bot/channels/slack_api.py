"""The two Slack calls the bot makes: `chat.postMessage` (bearer bot token) and a slash
command's `response_url`. Failures are logged (never the token) and counted, not raised:
they happen in background tasks."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.channels.context import ChannelContext
from bot.server.outbound import HttpResult, OutboundError

log = logging.getLogger(__name__)

CHANNEL = "slack"
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


class SlackWebApi:
    def __init__(
        self,
        context: ChannelContext,
        *,
        api_url: str,
        token: str,
        response_url: Callable[[str], bool],
    ) -> None:
        self._context = context
        self._post_message_url = api_url.rstrip("/") + "/chat.postMessage"
        self._token = token
        self._response_url = response_url

    async def post_message(self, channel: str, text: str, *, thread_ts: str | None) -> bool:
        if not self._token:
            self._context.metrics.channel_error(CHANNEL, "no_bot_token")
            return False
        payload: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "mrkdwn": True,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            payload["thread_ts"] = thread_ts
        headers = {"Authorization": f"Bearer {self._token}"}
        result = await self._post(self._post_message_url, payload, headers)
        return result is not None and self._succeeded("chat.postMessage", result, check_ok=True)

    def is_response_url(self, url: str) -> bool:
        return bool(url) and self._response_url(url)

    async def post_responses(self, response_url: str, texts: Sequence[str]) -> None:
        for text in texts:
            payload = {"response_type": "ephemeral", "text": text}
            result = await self._post(response_url, payload, {})
            if result is None or not self._succeeded("response_url", result, check_ok=False):
                return

    async def _post(
        self, url: str, payload: Mapping[str, Any], headers: Mapping[str, str]
    ) -> HttpResult | None:
        try:
            return await self._context.http.post_json(url, payload, headers=headers)
        except OutboundError as error:
            log.warning("Slack unreachable: %s", error)
            self._context.metrics.channel_error(CHANNEL, "unreachable")
            return None

    def _succeeded(self, method: str, result: HttpResult, *, check_ok: bool) -> bool:
        if result.status == 200 and (not check_ok or result.data.get("ok") is True):
            return True
        error = result.data.get("error")
        reason = error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else None
        reason = reason or f"http_{result.status}"
        log.warning("Slack %s failed: %s", method, reason)
        self._context.metrics.channel_error(CHANNEL, reason)
        return False
