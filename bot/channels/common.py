"""What every channel adapter shares: JSON errors, request parsing, the message limits,
tracked background work, the outbound HTTP client, and the one call into the service."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.dedupe import DedupeFactory
from bot.limits import Limits, RateLimiter
from bot.models import Answer
from bot.service import ConversationService

if TYPE_CHECKING:
    from bot.observability import Metrics

log = logging.getLogger("bot.channels")

MAX_SENDER_CHARS = 256
# White space as Python's str.isspace() has it, plus U+FEFF (white space to JSON Schema's
# regular expressions): the OpenAPI patterns for sender and message exclude exactly these,
# so the description and the parser agree on what is blank.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class RequestError(Exception):
    """A client mistake: becomes `{"error": message}` with a 4xx status."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class Refused(RequestError):
    """A well-formed message the bot will not answer now (too long: 422, too many: 429).
    Chat platforms get `notice` as the reply instead of an error status."""

    def __init__(
        self, status: int, message: str, notice: str, *, retry_after: float | None = None
    ) -> None:
        headers = {} if retry_after is None else {"Retry-After": str(retry_seconds(retry_after))}
        super().__init__(status, message, headers=headers)
        self.notice = notice


def retry_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


def json_error(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a received secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a RequestError saying what is wrong with it."""
    if not body.strip():
        raise RequestError(400, "request body is empty; expected a JSON object")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise RequestError(400, "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RequestError(400, f"request body must be a JSON object, not {_json_type(data)}")
    return data


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


@dataclass(frozen=True, slots=True)
class AskRequest:
    """`{"sender": "...", "message": "..."}`, checked."""

    sender: str
    message: str


def parse_ask_request(data: Mapping[str, Any]) -> AskRequest:
    """Sender and message: present, strings, not blank; lengths count every character sent
    (as the OpenAPI maxLength does). The sender is trimmed; the message goes as sent (the
    engine folds white space) and its length is checked by ChannelContext.ask (a 422, like
    every channel's)."""
    sender = _text_field(data, "sender")
    if len(sender) > MAX_SENDER_CHARS:
        raise RequestError(
            400, f"field 'sender' is too long ({len(sender)} > {MAX_SENDER_CHARS} characters)"
        )
    return AskRequest(sender=sender.strip(WHITE_SPACE), message=_text_field(data, "message"))


def _text_field(data: Mapping[str, Any], key: str) -> str:
    if key not in data:
        raise RequestError(400, f"missing field '{key}'")
    value = data[key]
    if not isinstance(value, str):
        raise RequestError(400, f"field '{key}' must be a string, not {_json_type(value)}")
    if not value.strip(WHITE_SPACE):
        raise RequestError(400, f"field '{key}' is empty")
    return value


class BackgroundTasks:
    """Work that outlives a request (replies through a platform API), kept until it finishes
    and awaited on shutdown: never fire-and-forget."""

    def __init__(self, on_error: Callable[[str], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_error = on_error

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("background task %s failed", task.get_name(), exc_info=error)
            if self._on_error is not None:
                self._on_error(task.get_name())

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for every task (including ones spawned meanwhile); cancel what is left when
        `timeout` seconds have passed."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                await self._cancel_all()
                return
            await asyncio.wait(set(self._tasks), timeout=remaining)

    async def _cancel_all(self) -> None:
        pending = set(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        log.warning("cancelled %d background task(s) at shutdown", len(pending))


class OutboundError(Exception):
    """A platform API could not be reached or did not answer in time."""


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    data: dict[str, Any]
    retry_after: float | None = None


class HttpClient:
    """One aiohttp ClientSession per application, opened and closed by its cleanup context.
    A rate-limited call (429) is repeated once after its Retry-After (capped)."""

    def __init__(self, *, timeout_seconds: float = 10.0, max_retry_wait: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._max_retry_wait = max_retry_wait
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_json(
        self, url: str, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> HttpResult:
        result = await self._post_once(url, payload, headers)
        if result.status == 429:
            await asyncio.sleep(min(result.retry_after or 1.0, self._max_retry_wait))
            result = await self._post_once(url, payload, headers)
        return result

    async def _post_once(
        self, url: str, payload: Mapping[str, Any], headers: Mapping[str, str] | None
    ) -> HttpResult:
        if self._session is None:
            raise OutboundError("the HTTP client is not running")
        try:
            async with self._session.post(url, json=payload, headers=headers) as response:
                data = await _json_or_empty(response)
                return HttpResult(response.status, data, _retry_after(response, data))
        except (aiohttp.ClientError, TimeoutError) as error:
            # The error's text may hold the URL, and Telegram's URL holds the bot token.
            raise OutboundError(type(error).__name__) from None


async def _json_or_empty(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: aiohttp.ClientResponse, data: Mapping[str, Any]) -> float | None:
    header = response.headers.get("Retry-After", "")
    params = data.get("parameters")
    value = params.get("retry_after") if isinstance(params, dict) else header
    try:
        return float(value) if value not in ("", None) else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """The collaborators every adapter receives: the service, metrics, background tasks, the
    outbound HTTP client, the limits with their (maybe shared) rate limiter, and a factory of
    (maybe shared) redelivery filters."""

    service: ConversationService
    metrics: Metrics
    tasks: BackgroundTasks
    http: HttpClient
    limiter: RateLimiter
    dedupe: DedupeFactory
    limits: Limits

    async def ask(self, channel: str, sender: str, message: str) -> Answer:
        """The answer, or Refused when the message is too long or its sender too fast."""
        await self.admit(channel, sender, message)
        log.debug("ask", extra={"fields": {"channel": channel, "text": message}})
        answer = await self.service.ask(sender, message)
        self.metrics.observe_answer(channel, answer)
        return answer

    async def admit(self, channel: str, sender: str, message: str) -> None:
        limit = self.limits.max_message_chars
        if len(message) > limit:
            self.metrics.refuse(channel, "too_long")
            raise Refused(
                422,
                f"field 'message' is too long ({len(message)} > {limit} characters)",
                f"Your message is too long ({len(message)} characters); please keep it under "
                f"{limit + 1}.",
            )
        wait = await self.limiter.acquire(f"sender:{sender}", self.limits.sender)
        if wait > 0:
            self.metrics.refuse(channel, "rate_limited")
            raise Refused(
                429,
                f"too many messages from this sender; retry in {retry_seconds(wait)} s",
                f"You are asking faster than I can answer; please wait {retry_seconds(wait)} s.",
                retry_after=wait,
            )
