"""One bounded cache for everything the engine memoises (stems, typo corrections, postings per
query term, clause stems, whole answers): least recently used out, and never saved with its
contents (a saved engine keeps what it built, not what queries happened to memoise)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most `size` items (0: keeps nothing)."""

    __slots__ = ("_items", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: K) -> bool:
        return key in self._items

    def __getitem__(self, key: K) -> V:
        value = self._items[key]
        self._items.move_to_end(key)
        return value

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if not self.size:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def get_or_compute(self, key: K, compute: Callable[[K], V]) -> V:
        if key in self._items:
            return self[key]
        value = compute(key)
        self.put(key, value)
        return value

    def __getstate__(self) -> tuple[int]:
        return (self.size,)  # a tuple: pickle skips __setstate__ for a falsy state

    def __setstate__(self, state: tuple[int]) -> None:
        self.size = state[0]
        self._items = OrderedDict()
