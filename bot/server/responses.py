"""JSON response bodies. Encoded by orjson: an answer's dict (quotes, citations, suggestions)
costs about 10 us with the standard library's encoder and under 1 us with orjson, on the path
every answered request takes."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from aiohttp import web


def json_response(
    data: object, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """`data` as UTF-8 JSON (`application/json; charset=utf-8`), as aiohttp's json_response
    sends it, non-ASCII characters written as themselves rather than escaped."""
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )
