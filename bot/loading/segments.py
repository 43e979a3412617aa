"""An array of the saved engine kept in segments (bot.loading.store writes and reads them): its
rows are pieces of segment files, in order, so that adding a resolution writes that
resolution's rows alone, as a new segment, and leaves every other segment file as it was (not
written, nor hashed again at the next start: bot.loading.store._unchanged_since_written).

A piece is a range of rows of one segment; a removed or changed resolution's rows are left out
of the pieces (dead rows, still in their file). When the segments, the pieces or the dead rows
grow past `MAX_SEGMENTS`, `MAX_PIECES` or `DEAD_SHARE`, the next write compacts the array into
one segment, in order, so that a search reads few pieces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.stacked import StackedRows, Table

Array = npt.NDArray[Any]
MAX_SEGMENTS = 8  # segment files an array may span
MAX_PIECES = 64  # ranges of rows: a search reads each one apart
DEAD_SHARE = 0.25  # rows left in the segment files that no piece reads, as a share of them


@dataclass(frozen=True, slots=True)
class Piece:
    """Rows first..stop-1 of `source`: a saved segment's whole array (`segment` its name), or
    rows not saved yet (`segment` empty)."""

    source: Array
    first: int
    stop: int
    segment: str = ""

    @property
    def rows(self) -> Array:
        return self.source[self.first : self.stop]

    def __len__(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True, slots=True)
class Segmented:
    """An array as pieces of segments, end to end (see the module)."""

    pieces: tuple[Piece, ...]
    dtype: np.dtype[Any]
    row_shape: tuple[int, ...]

    @classmethod
    def new(cls, rows: Array) -> Segmented:
        """Rows not saved yet, as one piece."""
        return cls((Piece(rows, 0, len(rows)),), rows.dtype, tuple(rows.shape[1:]))

    @classmethod
    def join(cls, parts: Sequence[Segmented]) -> Segmented:
        """The parts end to end; consecutive rows of one segment become one piece."""
        if not parts:
            raise ValueError("nothing to join")
        first = parts[0]
        pieces: list[Piece] = []
        for part in parts:
            if part.dtype != first.dtype or part.row_shape != first.row_shape:
                raise ValueError("joined segments differ in dtype or row shape")
            for piece in part.pieces:
                if not len(piece):
                    continue
                last = pieces[-1] if pieces else None
                if (
                    last is not None
                    and piece.segment
                    and last.segment == piece.segment
                    and last.stop == piece.first
                ):
                    pieces[-1] = Piece(last.source, last.first, piece.stop, last.segment)
                else:
                    pieces.append(piece)
        return cls(tuple(pieces), first.dtype, first.row_shape)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self), *self.row_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.row_shape)

    def __len__(self) -> int:
        return sum(len(p) for p in self.pieces)

    def __getitem__(self, key: slice) -> Segmented:
        """Rows first..stop-1, as pieces of the same segments (nothing is copied)."""
        first, stop, step = key.indices(len(self))
        if step != 1:
            raise IndexError("segments are sliced with a step of 1")
        kept: list[Piece] = []
        offset = 0
        for piece in self.pieces:
            size = len(piece)
            low, high = max(first - offset, 0), min(stop - offset, size)
            if low < high:
                kept.append(
                    Piece(piece.source, piece.first + low, piece.first + high, piece.segment)
                )
            offset += size
        return Segmented(tuple(kept), self.dtype, self.row_shape)

    def table(self) -> Table:
        """The rows for reading: the piece itself when there is one (a view of the mapped
        segment), else the pieces stacked (joined when they are too many to search apart)."""
        rows = [p.rows for p in self.pieces]
        if not rows:
            return np.zeros((0, *self.row_shape), dtype=self.dtype)
        if len(rows) == 1:
            return rows[0]
        if len(rows) > MAX_PIECES:
            return np.concatenate(rows)
        return StackedRows.of(rows)

    def segments(self) -> list[str]:
        """The saved segments read, in their first piece's order."""
        return list(dict.fromkeys(p.segment for p in self.pieces if p.segment))

    def needs_compacting(self, segment_rows: Mapping[str, int]) -> bool:
        """Whether to write it as one segment (`segment_rows`: each saved segment's rows)."""
        saved = self.segments()
        files = len(saved) + any(not p.segment for p in self.pieces)
        stored = sum(segment_rows[s] for s in saved)
        read = sum(len(p) for p in self.pieces if p.segment)
        return (
            files > MAX_SEGMENTS
            or len(self.pieces) > MAX_PIECES
            or stored - read > DEAD_SHARE * stored
        )


def as_table(rows: Array | Segmented) -> Table:
    return rows.table() if isinstance(rows, Segmented) else rows


def plain(rows: Array | Segmented) -> Array:
    """A row array that is never segmented (ValueError for a store that says otherwise)."""
    if isinstance(rows, Segmented):
        raise ValueError("a row array that should be plain is segmented")
    return rows
