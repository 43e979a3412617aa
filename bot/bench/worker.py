"""Entry point of a measurement process: `python -m bot.bench.worker MODE PARAMS_JSON`.

Writes one JSON object a line on standard output ({"event": ...}), flushed, so the parent
keeps what was measured even when it has to stop the process.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCALE_MODES = {
    "scale-build": "measure_build",
    "scale-serve": "measure_serving",
    "scale-add": "measure_addition",
    "scale-rate": "measure_model_rate",
}


def emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        modes = "|".join(["engine", "engine-alone", "vectors", *SCALE_MODES])
        sys.stderr.write(f"usage: python -m bot.bench.worker {modes} PARAMS_JSON\n")
        return 2
    mode, params = argv[0], json.loads(argv[1])
    if mode == "engine":
        from bot.bench.engine import measure_engine

        result = measure_engine(
            Path(params["knowledge"]), Path(params["intents"]), Path(params["questions"])
        )
        emit("result", data=dataclasses.asdict(result))
        return 0
    if mode == "engine-alone":
        from bot.bench.http import replay

        replay(params, emit)
        return 0
    if mode == "vectors":
        from bot.bench.vectors import measure_vectors

        measure_vectors(params, emit)
        return 0
    if mode in SCALE_MODES:
        from bot.bench import scale

        getattr(scale, SCALE_MODES[mode])(params, emit)
        return 0
    sys.stderr.write(f"unknown mode {mode!r}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
