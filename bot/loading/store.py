"""A folder of named numpy arrays and JSON documents, written whole and read back verified:
the saved engine's container (see bot.loading.saved for what goes in it).

Layout (under knowledge/.cache/engine/):

    manifest.json        format and version, the generation folder, and for every file its
                         kind, sha256 and, for an array, dtype and shape; the segments and,
                         for each segmented array, its pieces; then `meta`, small JSON the
                         caller keys the store with
    <generation>/NAME.npy   numpy's .npy format (a header and raw numbers)
    <generation>/NAME.json
    segments/NAME-TOKEN.npy the segments of the segmented arrays (bot.loading.segments): kept
                         from one store to the next while a piece of them is read

A new store is written into a new generation folder and becomes current when manifest.json is
replaced (one atomic rename), so a reader sees the old store or the new one, never half of one;
old generations are removed afterwards (a process that still maps their files keeps them until
it lets go). A segmented array is written as its new rows alone, in a new segment, unless it
is due for merging or compacting (bot.loading.segments); the segments no piece reads any more
are removed with the old generations. Nothing is unpickled: arrays are read with
`allow_pickle=False` and must have a plain numeric dtype; every file's sha256 must match the
manifest before it is used, except a file whose size, modification time and inode are still
those recorded when it was written (its time was set into the past then, so any later write
changes it; a copy has another inode): such a file is the one hashed at writing and is not
hashed again at every start. Anything else (a truncated or edited file, a foreign manifest, a
planted pickle) raises StoreRejected, and the caller builds again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from bot.loading.segments import Piece, Segmented

FORMAT = "resbot-engine"
VERSION = 2
MANIFEST = "manifest.json"
SEGMENTS = "segments"
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
_SEGMENT = re.compile(r"[a-z][a-z0-9_.]{0,63}-[0-9a-f]{16}")
# Arrays smaller than this are read into memory; larger ones are memory-mapped.
MAP_BYTES = 1 << 16
WRITE_CHUNK = 1 << 24
PARALLEL_HASH_BYTES = 1 << 24  # arrays this large are hashed in a thread while written
# A file written into a store has its modification time set this far into the past, so that
# its size, time and inode, recorded in the manifest, tell whether it was written since
# (bot.loading.store._unchanged_since_written): a start need not hash it again.
SETTLED_NS = 10_000_000_000

Array = npt.NDArray[Any]


class StoreRejected(Exception):
    """The saved store cannot be used; the message says why (for the log)."""


@dataclass
class Stored:
    """What a store holds: arrays (memory-mapped, read-only), segmented arrays (pieces of
    memory-mapped segments), JSON documents (`unparsed`: those the reader parses itself, as
    they were written, their digest checked), and `meta`."""

    arrays: dict[str, Array] = field(default_factory=dict)
    segmented: dict[str, Segmented] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    unparsed: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    generation: str = ""

    def named(self) -> dict[str, Array | Segmented]:
        """Every array by name, plain or segmented."""
        return {**self.arrays, **self.segmented}


# -- reading --------------------------------------------------------------------------------
def read(
    folder: Path,
    *,
    verify: bool = True,
    documents: bool = True,
    unparsed: Collection[str] = (),
) -> Stored:
    """The current store of `folder`; StoreRejected when there is none or it does not check.
    `verify=False` skips the sha256 of each file (for a store this process has just written
    and hashed); dtypes, shapes and pickle-free loading are checked all the same.
    `documents=False` leaves the JSON documents out (the caller has them); those named in
    `unparsed` are read as bytes, for the caller to parse when it needs them."""
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
            if name in unparsed:
                stored.unparsed[name] = _json_bytes(path, name, entry, verify)
            else:
                stored.documents[name] = _json(path, name, entry, verify)
        else:
            raise StoreRejected(f"manifest.json: {name} is of unknown kind {kind!r}")
    stored.segmented = _segmented(folder, manifest, verify)
    return stored


def _segmented(folder: Path, manifest: dict[str, Any], verify: bool) -> dict[str, Segmented]:
    """The segmented arrays: each segment read is checked and mapped once."""
    segments, layout = manifest.get("segments", {}), manifest.get("segmented", {})
    if not isinstance(segments, dict) or not isinstance(layout, dict):
        raise StoreRejected("manifest.json lists no segments")
    mapped: dict[str, Array] = {}
    found: dict[str, Segmented] = {}
    for name, spec in layout.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name) or not isinstance(spec, dict):
            raise StoreRejected(f"manifest.json lists a bad segmented array {name!r}")
        dtype, row_shape, pieces = spec.get("dtype"), spec.get("row_shape"), spec.get("pieces")
        if dtype not in ALLOWED_DTYPES or not isinstance(row_shape, list):
            raise StoreRejected(f"{name}: bad dtype or row shape")
        if not isinstance(pieces, list):
            raise StoreRejected(f"{name}: no pieces")
        parts = []
        for piece in pieces:
            if not (
                isinstance(piece, list)
                and len(piece) == 3
                and isinstance(piece[0], str)
                and all(type(n) is int for n in piece[1:])
            ):
                raise StoreRejected(f"{name}: a malformed piece {piece!r}")
            segment, first, stop = piece
            source = mapped.get(segment)
            if source is None:
                entry = segments.get(segment)
                if not _SEGMENT.fullmatch(segment) or not isinstance(entry, dict):
                    raise StoreRejected(f"{name}: its segment {segment!r} is not listed")
                if entry.get("kind") != "array":
                    raise StoreRejected(f"{segment}: not an array")
                path = folder / SEGMENTS / f"{segment}.npy"
                source = mapped[segment] = _array(path, segment, entry, verify)
            if source.ndim < 1 or source.dtype.str != dtype or list(source.shape[1:]) != row_shape:
                raise StoreRejected(f"{name}: segment {segment} has other rows")
            if not 0 <= first <= stop <= len(source):
                raise StoreRejected(f"{name}: a piece beyond segment {segment}")
            parts.append(Piece(source, first, stop, segment))
        found[name] = Segmented(tuple(parts), np.dtype(dtype), tuple(row_shape))
    return found


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
    if _unchanged_since_written(path, entry):
        return
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as error:
        raise StoreRejected(f"{name}: {error.strerror or error}") from None
    if digest != entry.get("sha256"):
        raise StoreRejected(f"{name}: content differs from the manifest (sha256)")


def _unchanged_since_written(path: Path, entry: dict[str, Any]) -> bool:
    """Whether the file is still the one written with this entry: its size, modification time
    and inode are those recorded then (as git trusts its index). Its modification time was
    set into the past when it was written (`_settle`), so any later write moves it, however
    soon after; a copy has another inode."""
    recorded = entry.get("stat")
    if not isinstance(recorded, list) or len(recorded) != 3:
        return False
    try:
        info = os.stat(path)
    except OSError:
        return False
    return [info.st_size, info.st_mtime_ns, info.st_ino] == recorded


def _settle(path: Path) -> list[int] | None:
    """Set a file just written's modification time SETTLED_NS into the past and return what
    `_unchanged_since_written` compares (None when it cannot be set)."""
    try:
        past = time.time_ns() - SETTLED_NS
        os.utime(path, ns=(past, past))
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


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
    try:
        return json.loads(_json_bytes(path, name, entry, verify))
    except ValueError as error:
        raise StoreRejected(f"{name}: {error}") from None


def _json_bytes(path: Path, name: str, entry: dict[str, Any], verify: bool) -> bytes:
    if verify:
        _checked_digest(path, name, entry)
    try:
        return path.read_bytes()
    except OSError as error:
        raise StoreRejected(f"{name}: {error}") from None


# -- writing --------------------------------------------------------------------------------
def write(
    folder: Path,
    arrays: Mapping[str, Array | Segmented],
    documents: Mapping[str, Any],
    meta: Mapping[str, Any],
) -> str:
    """Save a new store and make it current; returns its generation. OSError when the folder
    cannot be written (the caller then serves what it built without saving it). A segmented
    array's pieces of saved segments must be from the current store."""
    folder.mkdir(exist_ok=True)
    generation = "g" + secrets.token_hex(8)
    staging = folder / f"{generation}.tmp"
    staging.mkdir()
    segments = _Segments(folder / SEGMENTS, _current_segments(folder))
    try:
        files: dict[str, dict[str, Any]] = {}
        layout: dict[str, dict[str, Any]] = {}
        for name, array in arrays.items():
            if isinstance(array, Segmented):
                layout[name] = segments.write(name, array)
            else:
                files[name] = _write_array(staging / f"{name}.npy", name, array)
        for name, value in documents.items():
            _check_name(name)
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
            (staging / f"{name}.json").write_bytes(data)
            files[name] = {"kind": "json", "sha256": hashlib.sha256(data).hexdigest()}
        for name, entry in files.items():
            suffix = "npy" if entry["kind"] == "array" else "json"
            _settled(staging / f"{name}.{suffix}", entry)
        os.replace(staging, folder / generation)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        segments.discard_written()
        raise
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "generation": generation,
        "files": files,
        "segments": segments.used,
        "segmented": layout,
        "meta": dict(meta),
    }
    pending = folder / f"{MANIFEST}.{generation}.tmp"
    pending.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(pending, folder / MANIFEST)
    _remove_others(folder, generation)
    segments.remove_unused()
    return generation


@dataclass
class _Segments:
    """The segments of one write: those of the current store that are still read (`used`
    keeps their manifest entries), and the ones written now."""

    folder: Path
    current: dict[str, dict[str, Any]]
    used: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)

    def write(self, name: str, array: Segmented) -> dict[str, Any]:
        """Write what is new of a segmented array, in one segment (with the rows of older
        segments when it is due for merging or compacting: Segmented.to_write); returns its
        manifest entry."""
        _check_name(name)
        for segment in array.segments():
            if segment not in self.current:
                raise ValueError(f"{name}: segment {segment} is not in the current store")
        pieces = array.pieces
        chosen = array.to_write({s: int(self.current[s]["shape"][0]) for s in array.segments()})
        placed: dict[int, list[Any]] = {}  # piece position -> where it is written
        if chosen:
            self.folder.mkdir(exist_ok=True)
            segment = f"{name}-{secrets.token_hex(8)}"
            path = self.folder / f"{segment}.npy"
            self.written.append(path)
            blocks = [pieces[n].rows for n in chosen]
            shape = (sum(len(b) for b in blocks), *array.row_shape)
            self.used[segment] = _settled(
                path, _write_blocks(path, segment, array.dtype, shape, blocks)
            )
            offset = 0
            for n in chosen:
                placed[n] = [segment, offset, offset + len(pieces[n])]
                offset += len(pieces[n])
        layout: list[list[Any]] = []
        for n, piece in enumerate(pieces):
            where = placed.get(n) or [piece.segment, piece.first, piece.stop]
            if where[0] == piece.segment:
                self.used[piece.segment] = self.current[piece.segment]
            if layout and layout[-1][0] == where[0] and layout[-1][2] == where[1]:
                layout[-1][2] = where[2]
            else:
                layout.append(where)
        return {"dtype": array.dtype.str, "row_shape": list(array.row_shape), "pieces": layout}

    def discard_written(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)

    def remove_unused(self) -> None:
        """Segments no piece of the current store reads (and what an interrupted write left)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.suffix != ".npy" or path.stem not in self.used:
                path.unlink(missing_ok=True)


def _current_segments(folder: Path) -> dict[str, dict[str, Any]]:
    """The segments the current manifest lists (none when there is no usable manifest)."""
    try:
        segments = _manifest(folder).get("segments", {})
    except StoreRejected:
        return {}
    return segments if isinstance(segments, dict) else {}


def _settled(path: Path, entry: dict[str, Any]) -> dict[str, Any]:
    stat = _settle(path)
    if stat is not None:
        entry["stat"] = stat
    return entry


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad store file name {name!r}")


def _write_array(path: Path, name: str, array: Array) -> dict[str, Any]:
    _check_name(name)
    plain = np.ascontiguousarray(array)
    return _write_blocks(path, name, plain.dtype, plain.shape, [plain])


def _write_blocks(
    path: Path, name: str, dtype: np.dtype[Any], shape: tuple[int, ...], blocks: Sequence[Array]
) -> dict[str, Any]:
    """An array of `dtype` and `shape` whose rows are the blocks' end to end, as a .npy file;
    returns its manifest entry."""
    if dtype.str not in ALLOWED_DTYPES:
        raise ValueError(f"{name}: dtype {dtype} cannot be saved")
    # The bytes np.save writes (a header, then the array's memory), without its copy of the
    # data: each large block hashed by another thread while this one writes it (hashlib and
    # file writes both let go of the GIL), so it costs the longer of the two, not both.
    head = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
    np.lib.format.write_array_header_1_0(head, {**header, "shape": tuple(shape)})
    digest = hashlib.sha256(head.getvalue())
    with path.open("wb") as handle:
        handle.write(head.getvalue())
        for block in blocks:
            plain = np.ascontiguousarray(block, dtype=dtype)
            data = memoryview(plain.reshape(-1).view(np.uint8).data) if plain.size else b""
            _write_hashed(handle, memoryview(data), digest)
    return {
        "kind": "array",
        "dtype": dtype.str,
        "shape": list(shape),
        "sha256": digest.hexdigest(),
    }


def _write_hashed(handle: BinaryIO, data: memoryview, digest: Any) -> None:
    hashing = None
    if len(data) >= PARALLEL_HASH_BYTES:
        hashing = threading.Thread(target=digest.update, args=(data,), daemon=True)
        hashing.start()
    else:
        digest.update(data)
    try:
        for start in range(0, len(data), WRITE_CHUNK):
            handle.write(data[start : start + WRITE_CHUNK])
    finally:
        if hashing is not None:
            hashing.join()


def _remove_others(folder: Path, keep: str) -> None:
    """Generations other than `keep`, and what an interrupted write left behind."""
    for path in folder.iterdir():
        if path.name in {keep, MANIFEST, LOCK, SEGMENTS}:
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
