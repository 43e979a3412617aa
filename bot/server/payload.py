"""Request bodies: a JSON object, and the `{"sender", "message"}` request, checked at the edge."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.server.errors import RequestError

MAX_SENDER_CHARS = 256
# White space as Python's str.isspace() has it, plus U+FEFF (white space to JSON Schema's
# regular expressions): the OpenAPI patterns for sender and message exclude exactly these,
# so the description and the parser agree on what is blank.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


# JSON may escape half of a surrogate pair on its own ("\ud800"): Python decodes it to a str
# that cannot be encoded (Redis keys and values, logs, replies). Bodies are decoded as strict
# UTF-8 (which has no surrogates), so only such escapes can carry one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text as every layer may use it: a lone surrogate becomes U+FFFD, the replacement
    character (JSON's decoder has already joined the valid pairs)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(key): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a RequestError saying what is wrong with it.
    Every string in it is clean_text (the one place where text from clients is normalised,
    for every channel that speaks JSON)."""
    if not body.strip():
        raise RequestError(400, "request body is empty; expected a JSON object")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequestError(400, "request body is not valid JSON (not UTF-8)") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise RequestError(400, "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RequestError(400, f"request body must be a JSON object, not {_json_type(data)}")
    if _SURROGATE_ESCAPE.search(text):
        cleaned: dict[str, Any] = _cleaned(data)
        return cleaned
    return data


JSON_TYPE = "application/json"


def require_json(request: web.Request) -> None:
    """415 unless the body says it is JSON: a form or text/plain POST from another site needs
    no CORS preflight, so it must not be read as JSON."""
    if request.content_type != JSON_TYPE:
        raise RequestError(
            415, f"Content-Type must be {JSON_TYPE}, not {request.content_type or 'missing'}"
        )


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body of a JSON request as an object (415 when it is not said to be JSON)."""
    require_json(request)
    return parse_json_object(await request.read())


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


@dataclass(frozen=True, slots=True)
class AskRequest:
    """`{"sender": "...", "message": "..."}`, checked."""

    sender: str
    message: str


def parse_ask_request(data: Mapping[str, Any]) -> AskRequest:
    """Sender and message: present, strings, not blank; the sender's length counts every
    character sent (as the OpenAPI maxLength does). The sender is trimmed; the message is
    trimmed and its length checked by ChannelContext.ask (a 422, like every channel's)."""
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
