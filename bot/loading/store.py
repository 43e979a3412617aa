"""A folder of named numpy arrays and JSON documents, written whole and read back verified:
the saved engine's container (see bot.loading.saved for what goes in it).

Layout (under knowledge/.cache/engine/):

    manifest.json        format and version, the generation folder, and for every file its
                         kind, sha256 and, for an array, dtype and shape; then `meta`, small
                         JSON the caller keys the store with
    <generation>/NAME.npy   numpy's .npy format (a header and raw numbers)
    <generation>/NAME.json

A new store is written into a new generation folder and becomes current when manifest.json is
replaced (one atomic rename), so a reader sees the old store or the new one, never half of one;
old generations are removed afterwards (a process that still maps their files keeps them until
it lets go). Nothing is unpickled: arrays are read with `allow_pickle=False` and must have a
plain numeric dtype; every file's sha256 must match the manifest before it is used. Anything
else (a truncated or edited file, a foreign manifest, a planted pickle) raises StoreRejected,
and the caller builds again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

FORMAT = "resbot-engine"
VERSION = 1
MANIFEST = "manifest.json"
LOCK = "lock"
MANIFEST_MAX_BYTES = 1 << 20
# Plain numbers only: an object dtype would need pickle.
ALLOWED_DTYPES = frozenset(
    np.dtype(t).str
    for t in (
        np.bool_,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.float16,
        np.float32,
        np.float64,
    )
)
_NAME = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_GENERATION = re.compile(r"g[0-9a-f]{16}")
# Arrays smaller than this are read into memory; larger ones are memory-mapped.
MAP_BYTES = 1 << 16

Array = npt.NDArray[Any]


class StoreRejected(Exception):
    """The saved store cannot be used; the message says why (for the log)."""


@dataclass
class Stored:
    """What a store holds: arrays (memory-mapped, read-only), JSON documents, and `meta`."""

    arrays: dict[str, Array] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    generation: str = ""


# -- reading --------------------------------------------------------------------------------
def read(folder: Path, *, verify: bool = True, documents: bool = True) -> Stored:
    """The current store of `folder`; StoreRejected when there is none or it does not check.
    `verify=False` skips the sha256 of each file (for a store this process has just written
    and hashed); dtypes, shapes and pickle-free loading are checked all the same.
    `documents=False` leaves the JSON documents out (the caller has them)."""
    manifest = _manifest(folder)
    generation = manifest.get("generation")
    files = manifest.get("files")
    if not isinstance(generation, str) or not _GENERATION.fullmatch(generation):
        raise StoreRejected("manifest.json names no valid generation folder")
    if not isinstance(files, dict) or not isinstance(manifest.get("meta"), dict):
        raise StoreRejected("manifest.json lists no files")
    stored = Stored(meta=manifest["meta"], generation=generation)
    for name, entry in files.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name) or not isinstance(entry, dict):
            raise StoreRejected(f"manifest.json lists a bad file name {name!r}")
        kind = entry.get("kind")
        if kind == "array":
            path = folder / generation / f"{name}.npy"
            stored.arrays[name] = _array(path, name, entry, verify)
        elif kind == "json":
            if not documents:
                continue
            path = folder / generation / f"{name}.json"
            stored.documents[name] = _json(path, name, entry, verify)
        else:
            raise StoreRejected(f"manifest.json: {name} is of unknown kind {kind!r}")
    return stored


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        if path.stat().st_size > MANIFEST_MAX_BYTES:
            raise StoreRejected("manifest.json is too large to be ours")
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise StoreRejected("no saved engine yet") from None
    except (OSError, ValueError) as error:
        raise StoreRejected(f"manifest.json is unreadable: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreRejected("manifest.json is not a resbot engine")
    if data.get("version") != VERSION:
        raise StoreRejected(f"saved in format version {data.get('version')!r}, not {VERSION}")
    return data


def _checked_digest(path: Path, name: str, entry: dict[str, Any]) -> None:
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as error:
        raise StoreRejected(f"{name}: {error.strerror or error}") from None
    if digest != entry.get("sha256"):
        raise StoreRejected(f"{name}: content differs from the manifest (sha256)")


def _array(path: Path, name: str, entry: dict[str, Any], verify: bool) -> Array:
    dtype, shape = entry.get("dtype"), entry.get("shape")
    if dtype not in ALLOWED_DTYPES:
        raise StoreRejected(f"{name}: dtype {dtype!r} is not a plain numeric type")
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise StoreRejected(f"{name}: bad shape {shape!r}")
    if verify:
        _checked_digest(path, name, entry)
    size = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    try:
        loaded = np.load(path, mmap_mode="r" if size >= MAP_BYTES else None, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise StoreRejected(f"{name}: {error}") from None
    if not isinstance(loaded, np.ndarray):
        raise StoreRejected(f"{name}: not a single array")
    if loaded.dtype.str != dtype or list(loaded.shape) != shape:
        raise StoreRejected(f"{name}: {loaded.dtype.str} {list(loaded.shape)} in the file")
    # A plain read-only ndarray over the mapping: numpy.memmap's subclass hooks cost time on
    # every small slice a query takes.
    array = np.asarray(loaded)
    array.flags.writeable = False
    return array


def _json(path: Path, name: str, entry: dict[str, Any], verify: bool) -> Any:
    if verify:
        _checked_digest(path, name, entry)
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise StoreRejected(f"{name}: {error}") from None


# -- writing --------------------------------------------------------------------------------
def write(
    folder: Path,
    arrays: Mapping[str, Array],
    documents: Mapping[str, Any],
    meta: Mapping[str, Any],
) -> str:
    """Save a new store and make it current; returns its generation. OSError when the folder
    cannot be written (the caller then serves what it built without saving it)."""
    folder.mkdir(exist_ok=True)
    generation = "g" + secrets.token_hex(8)
    staging = folder / f"{generation}.tmp"
    staging.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, array in arrays.items():
            files[name] = _write_array(staging / f"{name}.npy", name, array)
        for name, value in documents.items():
            _check_name(name)
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
            (staging / f"{name}.json").write_bytes(data)
            files[name] = {"kind": "json", "sha256": hashlib.sha256(data).hexdigest()}
        os.replace(staging, folder / generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "generation": generation,
        "files": files,
        "meta": dict(meta),
    }
    pending = folder / f"{MANIFEST}.{generation}.tmp"
    pending.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(pending, folder / MANIFEST)
    _remove_others(folder, generation)
    return generation


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad store file name {name!r}")


class _Hashing:
    """A file that hashes what is written through it (np.save writes in chunks)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        return self._handle.write(data)


def _write_array(path: Path, name: str, array: Array) -> dict[str, Any]:
    _check_name(name)
    plain = np.ascontiguousarray(array)
    if plain.dtype.str not in ALLOWED_DTYPES:
        raise ValueError(f"{name}: dtype {plain.dtype} cannot be saved")
    with path.open("wb") as handle:
        hashing = _Hashing(handle)
        np.save(hashing, plain, allow_pickle=False)
    return {
        "kind": "array",
        "dtype": plain.dtype.str,
        "shape": list(plain.shape),
        "sha256": hashing.digest.hexdigest(),
    }


def _remove_others(folder: Path, keep: str) -> None:
    """Generations other than `keep`, and what an interrupted write left behind."""
    for path in folder.iterdir():
        if path.name in {keep, MANIFEST, LOCK}:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[bool]:
    """Hold the store's lock (one builder at a time: a second `resbot serve` starting at the
    same moment waits, then finds the store the first one wrote). Yields False, without
    locking, when the folder cannot be created or locked (a read-only knowledge folder)."""
    try:
        # The cache folder and this one, never the folder they live in: a knowledge folder
        # that does not exist is reported as such, not made.
        folder.parent.mkdir(exist_ok=True)
        folder.mkdir(exist_ok=True)
        handle = (folder / LOCK).open("a+b")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
