"""Log records to standard error: key=value lines for people, JSON lines for machines."""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

from bot.server.settings import Settings


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's `fields`."""

    def __init__(self) -> None:
        super().__init__()
        self._seconds = SecondCache()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._seconds.text(self, record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def escape(text: str) -> str:
    """Line breaks, control and format characters as JSON escapes (\\n, \\u2028, \\u001b):
    a logged value can never start a line of its own or rewrite the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


class SecondCache:
    """time.strftime once a second, not once a record (one access line per request)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def text(self, formatter: logging.Formatter, record: logging.LogRecord, fmt: str) -> str:
        second = int(record.created)
        if second != self._second:
            self._second = second
            self._text = time.strftime(fmt, formatter.converter(record.created))
        return self._text


class KeyValueFormatter(logging.Formatter):
    """Human-readable lines with the record's `fields` appended as key=value. One record is
    one line: the message is escaped as the fields are; a traceback's lines follow, each
    marked as the continuation it is."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self._seconds = SecondCache()

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        # As logging.Formatter's default ("2026-11-29 06:40:00,123"), the second cached.
        stamp = self._seconds.text(self, record, self.default_time_format)
        return f"{stamp},{int(record.msecs):03d}"

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        suffix = "".join(f" {key}={_json_value(value)}" for key, value in fields.items())
        if record.exc_info or record.exc_text or record.stack_info:
            line, newline, rest = super().format(record).partition("\n")
            return line + suffix + newline + rest
        # A record of one line (the access line of every request): what Formatter.format
        # gives for this format, without its general machinery (half of the line's cost).
        record.message = escape(record.getMessage())
        record.asctime = self.formatTime(record)
        return f"{record.asctime} {record.levelname} {record.name} {record.message}{suffix}"

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return _continuation(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _continuation(super().formatStack(stack_info))


def _continuation(text: str) -> str:
    return "\n".join(f"  | {escape(line)}" for line in text.splitlines())


def _json_value(value: object) -> str:
    """json.dumps(value), without its machinery for the plain strings and numbers of an
    access-log line (one per request)."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        if '"' not in value and "\\" not in value:
            return f'"{value}"'
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif isinstance(value, float) and math.isfinite(value):
        return repr(value)  # as json.dumps writes a finite float
    return json.dumps(value, default=str)


class TransportErrors(logging.Filter):
    """aiohttp's server logs malformed HTTP (overlong lines, bad methods, bad chunks) at ERROR
    with a traceback, and a client gone mid-request too: here each becomes one INFO line, as
    ordinary as a 400 in the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else ""
            record.msg, record.args = "bad HTTP request from %s: %s", (remote, error.code)
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
            fields = {"remote": str(remote), "status": error.code, "error": error.message}
            record.fields = {**(getattr(record, "fields", None) or {}), **fields}
        elif isinstance(error, ConnectionError | RequestPayloadError):
            # A client gone, or the rest of a body that could not be read (its request is
            # in the access log already, as a 400).
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info, record.exc_text = None, None
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def configure_logging(settings: Settings) -> None:
    """Log to standard error, as JSON lines when RESBOT_LOG_JSON is set. Records carry no
    caller location, thread or process names: no format here shows them, and looking them up
    cost more than formatting an access line (one per request)."""
    logging._srcfile = None  # the documented switch: no findCaller() stack walk per record
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if settings.log_json else KeyValueFormatter())
    # Every record of aiohttp's server reaches the filter (it logs a bad method on a first
    # request at DEBUG), which keeps those at or above the configured level.
    server_log = logging.getLogger("aiohttp.server")
    server_log.setLevel(logging.DEBUG)
    if not any(isinstance(f, TransportErrors) for f in server_log.filters):
        server_log.addFilter(TransportErrors())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(
        settings.log_level if settings.log_level in logging.getLevelNamesMapping() else "INFO"
    )
