"""Rows of several arrays read as one table, without joining them: a saved engine keeps its
vectors in segments (bot.loading.segments), and an added resolution's rows sit in a segment of
their own between the rows of the others, so a search reads the segments where they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class StackedRows:
    """The rows of `parts` end to end (all of one dtype and row shape), indexed as one array
    by a slice or by an array of row positions; `np.asarray` joins them."""

    parts: tuple[Array, ...]
    starts: npt.NDArray[np.int64]  # the first row of each part, then the number of rows

    @classmethod
    def of(cls, parts: Sequence[Array]) -> StackedRows:
        if not parts:
            raise ValueError("a stack needs at least one part")
        first = parts[0]
        if any(p.dtype != first.dtype or p.shape[1:] != first.shape[1:] for p in parts):
            raise ValueError("stacked parts differ in dtype or row shape")
        starts = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=starts[1:])
        return cls(tuple(parts), starts)

    @property
    def shape(self) -> tuple[int, ...]:
        return (int(self.starts[-1]), *self.parts[0].shape[1:])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.parts[0].dtype

    @property
    def ndim(self) -> int:
        return self.parts[0].ndim

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, key: slice | npt.NDArray[np.integer[Any]]) -> Array:
        if isinstance(key, slice):
            return self._window(key)
        rows = np.asarray(key, dtype=np.int64)
        if rows.ndim != 1:
            raise IndexError("rows of a stack are taken by a slice or a 1-D array")
        total = len(self)
        if len(rows) and (int(rows.min()) < -total or int(rows.max()) >= total):
            raise IndexError("row out of range")
        rows = np.where(rows < 0, rows + total, rows)
        found = np.empty((len(rows), *self.parts[0].shape[1:]), dtype=self.dtype)
        owner = np.searchsorted(self.starts, rows, side="right") - 1
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(self.parts) + 1))
        for number, part in enumerate(self.parts):
            picked = order[bounds[number] : bounds[number + 1]]
            if len(picked):
                found[picked] = part[rows[picked] - self.starts[number]]
        return found

    def _window(self, key: slice) -> Array:
        first, stop, step = key.indices(len(self))
        if step != 1:
            raise IndexError("a stack is sliced with a step of 1")
        pieces = []
        number = max(int(np.searchsorted(self.starts, first, side="right")) - 1, 0)
        while number < len(self.parts) and self.starts[number] < stop:
            offset = int(self.starts[number])
            end = min(stop, int(self.starts[number + 1])) - offset
            pieces.append(self.parts[number][max(first - offset, 0) : end])
            number += 1
        if len(pieces) == 1:
            return pieces[0]  # a view: no copy
        if not pieces:
            return self.parts[0][:0]
        return np.concatenate(pieces)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Array:
        joined = np.concatenate(self.parts)
        return joined if dtype is None else joined.astype(dtype, copy=False)


Table = Array | StackedRows  # rows as one array, or stacked segments
