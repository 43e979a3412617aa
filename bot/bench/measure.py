"""Small measuring tools shared by the parts: percentiles, process memory, a stopwatch."""

from __future__ import annotations

import dataclasses
import math
import time
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Latency:
    """Percentiles of a sample of durations, in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        if not seconds:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan)
        ordered = sorted(s * 1000.0 for s in seconds)
        return cls(
            count=len(ordered),
            p50=percentile(ordered, 50),
            p95=percentile(ordered, 95),
            p99=percentile(ordered, 99),
            mean=sum(ordered) / len(ordered),
            max=ordered[-1],
        )


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on sorted data."""
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * pct / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(sorted(values), 50)


def process_memory(pid: int | str = "self") -> tuple[int, int]:
    """(current RSS, peak RSS) in bytes of a process, from /proc (Linux); (0, 0) elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0, 0
    fields = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0]) * 1024
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


class Stopwatch:
    """`with Stopwatch() as watch: ...` then `watch.seconds`."""

    def __init__(self) -> None:
        self.start = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a (nested) result dataclass from its `dataclasses.asdict` JSON form."""
    hints = typing.get_type_hints(cls)
    values = {}
    for item in dataclasses.fields(cls):  # type: ignore[arg-type]
        if item.name in data:
            values[item.name] = _value(hints[item.name], data[item.name])
    return cls(**values)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return math.nan if hint is float else None
    origin = typing.get_origin(hint)
    if origin in {types.UnionType, typing.Union}:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(options[0], value) if len(options) == 1 else value
    if origin in {list, tuple}:
        args = typing.get_args(hint)
        converted = [_value(args[0], v) for v in value] if args else list(value)
        return converted if origin is list else tuple(converted)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_dict(hint, value)
    return value
