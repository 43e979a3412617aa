"""An array of the saved engine kept in segments (bot.loading.store writes and reads them): its
rows are pieces of segment files, in order, so that adding a resolution writes that
resolution's rows alone, as a new segment, and leaves every other segment file as it was (not
written, nor hashed again at the next start: bot.loading.store._unchanged_since_written).

A piece is a range of rows of one segment; a removed or changed resolution's rows are left out
of the pieces (dead rows, still in their file). When the segment files grow past
`MAX_SEGMENTS`, the next write merges all but the largest into one (the largest, usually all
but the last few additions, is left as it is); when the pieces or the dead rows grow past
`MAX_PIECES` or `DEAD_SHARE`, it compacts the whole array into one segment, in order, so that
a search reads few pieces.
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
    def of(cls, parts: Sequence[Array | Segmented]) -> Segmented:
        """The parts end to end: saved pieces kept as they are, each run of plain arrays (rows
        not saved yet) joined into one."""
        found: list[Segmented] = []
        run: list[Array] = []
        for part in [*parts, None]:
            if isinstance(part, np.ndarray):
                run.append(part)
                continue
            if run:
                found.append(cls.new(run[0] if len(run) == 1 else np.concatenate(run)))
                run = []
            if part is not None:
                found.append(part)
        return cls.join(found)

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

    def to_write(self, segment_rows: Mapping[str, int]) -> list[int]:
        """The positions of the pieces to write into a new segment (`segment_rows`: the rows
        of each saved segment): the new rows; with them those of every segment but the
        largest once the array would span more than MAX_SEGMENTS files; all of it, compacted,
        once it has more than MAX_PIECES pieces or more than DEAD_SHARE of its segments' rows
        are dead."""
        saved = self.segments()
        stored = sum(segment_rows[s] for s in saved)
        read = sum(len(p) for p in self.pieces if p.segment)
        positions = range(len(self.pieces))
        if len(self.pieces) > MAX_PIECES or stored - read > DEAD_SHARE * stored:
            return list(positions)
        if len(saved) + any(not p.segment for p in self.pieces) > MAX_SEGMENTS:
            largest = max(saved, key=lambda s: segment_rows[s])
            return [n for n in positions if self.pieces[n].segment != largest]
        return [n for n in positions if not self.pieces[n].segment]


def as_table(rows: Array | Segmented) -> Table:
    return rows.table() if isinstance(rows, Segmented) else rows


def plain(rows: Array | Segmented) -> Array:
    """A row array that is never segmented (ValueError for a store that says otherwise)."""
    if isinstance(rows, Segmented):
        raise ValueError("a row array that should be plain is segmented")
    return rows
