"""The shipped model made to run int8 matrix products on this CPU.

The shipped file keeps its weights as int8 with a scale, but as plain Cast and Mul nodes:
onnxruntime folds them into float32 weights when it loads the file, so every question runs
float32 matrix products (74% of its time). Dynamic quantisation (onnxruntime.quantization, per
output channel, unsigned 8-bit weights) gives MatMulInteger nodes instead, which run in about
0.6 of the time here (AVX2 without VNNI), with vectors whose cosine to the float ones is 0.984
or more (measured on 120 questions).

The derived file is made once per machine from the verified shipped one, in a child process
(the `onnx` package and the float32 model it reads take about 400 MB while it runs), under
RESBOT_MODEL_CACHE (default: the user's cache folder), and checked against a pinned sha256
before it runs: the same onnxruntime and onnx releases (pinned in pyproject.toml) derive the same
bytes, and a file that does not match is derived again, never run.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_ENVIRONMENT = "RESBOT_MODEL_CACHE"
DERIVE_TIMEOUT_SECONDS = 300


class DerivationFailed(Exception):
    """The derived model could not be made, or does not hash to what it must."""


def model_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """RESBOT_MODEL_CACHE, else $XDG_CACHE_HOME/resbot, else ~/.cache/resbot; when that
    cannot be made or written (a service account without a home), a folder of this user's in
    the system's temporary folder."""
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENVIRONMENT):
        return Path(env[CACHE_ENVIRONMENT])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    chosen = Path(base) / "resbot"
    try:
        chosen.mkdir(parents=True, exist_ok=True)
        if os.access(chosen, os.W_OK):
            return chosen
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / f"resbot-models-{os.getuid()}"
    log.info("model cache %s is not writable: using %s", chosen, fallback)
    return fallback


def derive(source: Path, target: Path) -> None:
    """Write the dynamically quantised model of `source` to `target` (atomically)."""
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".derive-") as work:
        folded = Path(work) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantized = Path(work) / "quantized.onnx"
        quantize_dynamic(folded, quantized, weight_type=QuantType.QUInt8, per_channel=True)
        os.replace(quantized, target)


def derived_model(source: Path, target: Path, expected_sha256: str) -> Path:
    """`target`, derived from `source` first when it is missing or does not hash to
    `expected_sha256` (in a child process); DerivationFailed when that does not give it."""
    from bot.semantic_model.encoder import sha256_of

    if target.is_file() and sha256_of(target) == expected_sha256:
        return target
    log.info("deriving the int8 model %s from %s (once per machine)", target, source)
    command = [sys.executable, "-m", "bot.semantic_model.quantize", str(source), str(target)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=DERIVE_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DerivationFailed(f"deriving {target} failed: {error}") from error
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise DerivationFailed(f"deriving {target} failed: {last}")
    found = sha256_of(target)
    if found != expected_sha256:
        raise DerivationFailed(
            f"{target} has sha256 {found}, expected {expected_sha256} (another onnxruntime or "
            "onnx release than the pinned ones?): refusing to run it"
        )
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bot.semantic_model.quantize SOURCE TARGET", file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)  # onnxruntime.quantization's advice on pre-processing
    derive(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
