"""Log records to standard error: key=value lines for people, JSON lines for machines."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from bot.server.settings import Settings


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    """Human-readable lines with the record's `fields` appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        suffix = "".join(f" {key}={_json_value(value)}" for key, value in fields.items())
        return super().format(record) + suffix


def _json_value(value: object) -> str:
    """json.dumps(value), without its machinery for the plain strings and numbers of an
    access-log line (one per request)."""
    if isinstance(value, str) and value.isascii() and value.isprintable():
        if '"' not in value and "\\" not in value:
            return f'"{value}"'
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, default=str)


def configure_logging(settings: Settings) -> None:
    """Log to standard error, as JSON lines when RESBOT_LOG_JSON is set."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLinesFormatter() if settings.log_json else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(
        settings.log_level if settings.log_level in logging.getLevelNamesMapping() else "INFO"
    )
