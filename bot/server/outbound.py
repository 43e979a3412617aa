"""The outbound HTTP client the channels use to reply through platform APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp


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
