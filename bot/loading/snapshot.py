"""A saved engine: the parsed documents, intents, the built index and, with semantic matching,
the clause and paragraph vectors (engine.semantic, plain numpy arrays), pickled under
knowledge/.cache and keyed by a fingerprint of every input file, so a start with unchanged
files skips parsing, validation and indexing. Any change to the content of a file, to the
package or to Python makes a new key; stale snapshots are removed."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from bot.core.engine import AnswerEngine

FORMAT = "resbot-engine-4"
CACHE_DIR = ".cache"
PREFIX = "engine-"


def fingerprint(knowledge_dir: Path, intents_dir: Path, *files: Path, mode: str = "") -> str:
    """A key that changes whenever any input file (the folders' and `files` from elsewhere,
    such as the shipped thesaurus), the code that reads them or the `mode` (lexical, or the
    semantic model whose vectors the engine carries) changes."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{mode}".encode())
    package = Path(__file__).resolve().parents[1]  # the whole bot package
    for folder in (knowledge_dir, intents_dir, package):
        for path in sorted(_files(folder)):
            digest.update(f"{path.relative_to(folder)}|{_digest(path)}\n".encode())
    for path in files:
        if path.is_file():
            digest.update(f"{path}|{_digest(path)}\n".encode())
    return digest.hexdigest()[:32]


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read(knowledge_dir: Path, key: str, tag: str = "") -> AnswerEngine | None:
    path = knowledge_dir / CACHE_DIR / f"{PREFIX}{tag}{key}.pickle"
    try:
        with path.open("rb") as handle:
            engine = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return engine if isinstance(engine, AnswerEngine) else None


def write(knowledge_dir: Path, key: str, engine: AnswerEngine, tag: str = "") -> bool:
    """Save atomically; a folder we cannot write to just means no snapshot. Older snapshots
    with the same `tag` (one per mode: lexical, semantic) are removed."""
    folder = knowledge_dir / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            pickle.dump(engine, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, folder / f"{PREFIX}{tag}{key}.pickle")
    except OSError:
        return False
    for stale in folder.glob(f"{PREFIX}*.pickle"):
        legacy = stale.stem.count("-") == 1  # an untagged snapshot of an older format
        same_mode = stale.name.startswith(f"{PREFIX}{tag}") and (tag or legacy)
        if stale.name != f"{PREFIX}{tag}{key}.pickle" and (same_mode or legacy):
            stale.unlink(missing_ok=True)
    return True


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and CACHE_DIR not in p.parts and "__pycache__" not in p.parts
    ]
