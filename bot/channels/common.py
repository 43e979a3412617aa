"""What every channel adapter shares: JSON errors, request parsing, retry deduplication,
tracked background work, the outbound HTTP client, and the one call into the service."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from bot.models import Answer
from bot.service import ConversationService

if TYPE_CHECKING:
    from bot.observability import Metrics

log = logging.getLogger("bot.channels")

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 256


class RequestError(Exception):
    """A client mistake: becomes `{"error": message}` with a 4xx status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
    return AskRequest(
        sender=_text_field(data, "sender", MAX_SENDER_CHARS),
        message=_text_field(data, "message", MAX_MESSAGE_CHARS),
    )


def _text_field(data: Mapping[str, Any], key: str, limit: int) -> str:
    if key not in data:
        raise RequestError(400, f"missing field '{key}'")
    value = data[key]
    if not isinstance(value, str):
        raise RequestError(400, f"field '{key}' must be a string, not {_json_type(value)}")
    value = value.strip()
    if not value:
        raise RequestError(400, f"field '{key}' is empty")
    if len(value) > limit:
        raise RequestError(400, f"field '{key}' is too long ({len(value)} > {limit} characters)")
    return value


class TtlDedupe:
    """Remembers keys for `ttl_seconds` (bounded in number) to drop platform redeliveries."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_keys: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """True the first time a key is offered within the TTL; remembers it."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)


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
    """The collaborators every adapter receives: the service, metrics, background tasks and
    the outbound HTTP client."""

    service: ConversationService
    metrics: Metrics
    tasks: BackgroundTasks
    http: HttpClient

    async def ask(self, channel: str, sender: str, message: str) -> Answer:
        log.debug("ask", extra={"fields": {"channel": channel, "text": message}})
        answer = await self.service.ask(sender, message)
        self.metrics.observe_answer(channel, answer)
        return answer
