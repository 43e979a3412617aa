"""Part 2: cold start, `resbot ask "hello"` as a whole process (the venv's resbot script),
with the saved engine of each mode (semantic matching on, the default, and off), beside the
bare interpreter start-up for scale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.bench.measure import median

RUNS = 7


@dataclass(frozen=True, slots=True)
class ColdStartResult:
    command: str
    runs: int
    median_seconds: float
    min_seconds: float
    max_seconds: float
    python_seconds: float  # `python -c pass`, the floor
    failures: int  # runs that did not exit 0
    semantic: bool = True  # RESBOT_SEMANTIC on (the default) or off


def resbot_script() -> str:
    """The resbot script next to the running interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name("resbot")
    if beside.exists():
        return str(beside)
    return shutil.which("resbot") or "resbot"


def measure_cold_start(
    knowledge: Path, intents: Path, *, runs: int = RUNS, semantic: bool | str = True
) -> ColdStartResult:
    """`semantic`: on, off, or a RESBOT_SEMANTIC value (the scale part's stand-in)."""
    command = [
        resbot_script(),
        "--knowledge",
        str(knowledge),
        "--intents",
        str(intents),
        "ask",
        "hello",
    ]
    mode = semantic if isinstance(semantic, str) else ("on" if semantic else "off")
    environment = dict(os.environ, RESBOT_SEMANTIC=mode)
    _timed(command, environment)  # saves the engine, warms the file-system cache; not counted
    times, failures = [], 0
    for _ in range(runs):
        seconds, code = _timed(command, environment)
        times.append(seconds)
        failures += code != 0
    python = [_timed([sys.executable, "-c", "pass"])[0] for _ in range(runs)]
    return ColdStartResult(
        command=" ".join(command),
        runs=runs,
        median_seconds=median(times),
        min_seconds=min(times),
        max_seconds=max(times),
        python_seconds=median(python),
        failures=failures,
        semantic=bool(semantic),
    )


def _timed(command: Sequence[str], environment: dict[str, str] | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        env=environment,
    )
    return time.perf_counter() - start, done.returncode
