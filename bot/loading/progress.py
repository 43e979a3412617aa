"""How a long engine build shows itself: one log line per phase (documents parsed, paragraphs
indexed, vectors made, the engine saved) wherever it runs, and, when standard error is a
terminal, a counter that moves while a phase runs. No dependency: a line rewritten in place
with a carriage return, at most a few times a second."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

log = logging.getLogger("bot.loading.engine")

Advance = Callable[[int], None]
REDRAW_SECONDS = 0.2


class Progress:
    """`with progress.phase("documents", total, "parsed") as advance: ... advance(1)`."""

    def __init__(
        self, stream: TextIO | None = None, *, clock: Callable[[], float] = time.monotonic
    ):
        self._stream = stream
        self._clock = clock

    @classmethod
    def on_terminal(cls) -> Progress:
        """Draws on standard error when it is a terminal; only logs otherwise."""
        return cls(terminal())

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None, unit: str = "") -> Iterator[Advance]:
        """A phase of `total` steps (None: one step of unknown length); nothing is shown for
        a phase with nothing to do."""
        start = self._clock()
        done = 0
        drawn = 0.0

        def advance(count: int = 1) -> None:
            nonlocal done, drawn
            done += count
            now = self._clock()
            if self._stream is not None and (now - drawn >= REDRAW_SECONDS or done == total):
                drawn = now
                self._draw(name, done, total or 0, now - start)

        if total == 0:
            yield advance
            return
        if total is None and self._stream is not None:
            self._draw(name, 0, 0, 0.0)
        yield advance
        seconds = self._clock() - start
        if self._stream is not None:
            self._stream.write("\r\033[K")
            self._stream.flush()
        what = f"{done:,} {unit}".rstrip() if total else "done"
        log.info("engine build: %s: %s in %.2f s", name, what, seconds)

    def _draw(self, name: str, done: int, total: int, seconds: float) -> None:
        assert self._stream is not None
        if not total:
            line = f"resbot: {name}..."
        else:
            rate = done / seconds if seconds > 0 else 0.0
            left = (total - done) / rate if rate and total > done else 0.0
            eta = f", {left:.0f} s left" if left >= 1 else ""
            line = f"resbot: {name}: {done:,}/{total:,} {done / total:4.0%} ({seconds:.0f} s{eta})"
        self._stream.write("\r\033[K" + line)
        self._stream.flush()


def terminal() -> TextIO | None:
    """Standard error when it is a terminal."""
    try:
        return sys.stderr if sys.stderr.isatty() else None
    except (AttributeError, ValueError):
        return None


class Quiet(Progress):
    """Logs its phases but never draws (tests, embedded use)."""

    def __init__(self) -> None:
        super().__init__(None)
