"""Progress bars on standard error, only when it is a terminal (tqdm turns itself off
otherwise, so piped and JSON runs stay clean)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def bar(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterable[T]:
    return tqdm(
        items, total=total, desc=desc, disable=None, leave=False, unit="", dynamic_ncols=True
    )


def labelled(desc: str) -> Callable[[Sequence[T]], Iterable[T]]:
    def wrap(items: Sequence[T]) -> Iterable[T]:
        return bar(items, desc=desc, total=len(items))

    return wrap


@contextlib.contextmanager
def counting(owner: Any, name: str, *, total: int, desc: str) -> Iterator[None]:
    """Tick a bar on each call of `owner.name` (e.g. the loader's parse_document) while the
    block runs; nothing is patched when standard error is not a terminal."""
    ticker = tqdm(total=total, desc=desc, disable=None, leave=False, unit="", dynamic_ncols=True)
    if ticker.disable:
        yield
        return
    original = getattr(owner, name)

    def ticking(*args: Any, **kwargs: Any) -> Any:
        ticker.update()
        return original(*args, **kwargs)

    setattr(owner, name, ticking)
    try:
        yield
    finally:
        setattr(owner, name, original)
        ticker.close()


@contextlib.contextmanager
def phase(desc: str) -> Iterator[None]:
    """A one-step bar for work that cannot report its progress (building the index)."""
    ticker = tqdm(total=1, desc=desc, disable=None, leave=False, unit="", dynamic_ncols=True)
    try:
        yield
        ticker.update()
    finally:
        ticker.close()
