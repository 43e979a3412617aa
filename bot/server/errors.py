"""Client mistakes and refusals as JSON errors: `{"error": message}` with a 4xx status."""

from __future__ import annotations

import math
from collections.abc import Mapping

from aiohttp import web

from bot.server.responses import json_response


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
    return json_response({"error": message}, status=status, headers=headers)
