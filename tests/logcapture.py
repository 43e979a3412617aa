"""What one logger records in a block, read by a handler of its own (other tests may stop the
logger's propagation, so caplog's own handler alone can miss it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


class Collected(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def logged(caplog: pytest.LogCaptureFixture, name: str, level: int) -> Iterator[list[str]]:
    """The messages logger `name` records at `level` and above while the block runs."""
    logger = logging.getLogger(name)
    handler = Collected(level)
    with caplog.at_level(level, logger=name):
        logger.addHandler(handler)
        try:
            yield handler.messages
        finally:
            logger.removeHandler(handler)
