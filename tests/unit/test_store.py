"""bot.loading.store: named arrays and JSON written whole, read back verified, never pickled."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.loading import store


def test_a_round_trip_keeps_every_array_and_document(tmp_path: Path) -> None:
    arrays = {
        "ids": np.arange(100_000, dtype=np.int32),  # large: memory-mapped
        "vectors": np.random.default_rng(1).standard_normal((7, 5)).astype(np.float16),
        "scales": np.array([0.5, 2.0], dtype=np.float32),
        "empty": np.zeros(0, dtype=np.int64),
        "flags": np.array([True, False]),
    }
    documents = {"tables": {"stems": ["a", "é"]}, "list": [1, 2, 3]}
    store.write(tmp_path, arrays, documents, {"keys": {"code": "x"}})
    stored = store.read(tmp_path)
    assert stored.meta == {"keys": {"code": "x"}} and stored.documents == documents
    for name, array in arrays.items():
        assert stored.arrays[name].dtype == array.dtype and np.array_equal(
            stored.arrays[name], array
        )
        assert not stored.arrays[name].flags.writeable
    assert type(stored.arrays["ids"]) is np.ndarray  # not numpy.memmap, but mapped
    assert isinstance(stored.arrays["ids"].base, np.memmap)


def test_a_new_store_replaces_the_old_one_whole(tmp_path: Path) -> None:
    first = store.write(tmp_path, {"a": np.arange(3)}, {}, {})
    second = store.write(tmp_path, {"b": np.arange(4)}, {}, {})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([second, "manifest.json"])
    assert first != second and set(store.read(tmp_path).arrays) == {"b"}


def test_nothing_that_needs_pickle_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be saved"):
        store.write(tmp_path, {"objects": np.array([{"a": 1}], dtype=object)}, {}, {})
    with pytest.raises(ValueError, match="bad store file name"):
        store.write(tmp_path, {"../escape": np.arange(2)}, {}, {})
    assert not (tmp_path / "manifest.json").exists()
    assert not any(p.suffix == ".tmp" for p in tmp_path.iterdir())


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda m: m.update(generation="../elsewhere"), "generation"),
        (lambda m: m["files"].update({"../x": {"kind": "array"}}), "bad file name"),
        (lambda m: m["files"]["a"].update(kind="pickle"), "unknown kind"),
        (lambda m: m["files"]["a"].update(dtype="|O"), "plain numeric"),
        (lambda m: m["files"]["a"].update(shape=[-1]), "bad shape"),
        (lambda m: m.update(format="other"), "not a resbot engine"),
    ],
)
def test_a_manifest_that_does_not_check_is_rejected(tmp_path: Path, edit, why: str) -> None:
    store.write(tmp_path, {"a": np.arange(3)}, {}, {})
    path = tmp_path / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(store.StoreRejected, match=why):
        store.read(tmp_path)


def test_no_store_is_a_rejection_too(tmp_path: Path) -> None:
    with pytest.raises(store.StoreRejected, match="no saved engine"):
        store.read(tmp_path)


def test_one_builder_at_a_time(tmp_path: Path) -> None:
    order: list[str] = []

    def builder(name: str) -> None:
        with store.locked(tmp_path) as locked:
            assert locked
            order.append(f"{name} in")
            time.sleep(0.05)
            order.append(f"{name} out")

    threads = [threading.Thread(target=builder, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


def test_a_folder_that_cannot_be_made_is_not_locked(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with store.locked(tmp_path / "file" / "engine") as locked:
        assert not locked


def test_a_file_is_hashed_again_only_once_written_since_or_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a start does not hash a file whose size, time and inode are those recorded
    when it was written; a copy of the store is hashed (and loads), and a byte changed in
    place at once (same size, the clock perhaps not moved) is hashed and caught."""
    folder = tmp_path / "engine"
    big = np.arange(3_000_000, dtype=np.int64)  # hashed in a thread while written
    generation = store.write(folder, {"ids": big, "small": np.arange(3)}, {"doc": [1]}, {})
    data = (folder / generation / "ids.npy").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["ids"]["sha256"] == store.hashlib.sha256(data).hexdigest()
    hashed: list[str] = []
    checked = store._checked_digest

    def counting(path: Path, name: str, entry: dict[str, object]) -> None:
        if not store._unchanged_since_written(path, entry):
            hashed.append(name)
        checked(path, name, entry)

    monkeypatch.setattr(store, "_checked_digest", counting)
    assert np.array_equal(store.read(folder).arrays["ids"], big)
    assert hashed == []
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy, copy_function=shutil.copy2)  # same times, other inodes
    assert np.array_equal(store.read(copy).arrays["ids"], big)
    assert sorted(hashed) == ["doc", "ids", "small"]
    hashed.clear()
    with (folder / generation / "ids.npy").open("r+b") as handle:
        handle.seek(-1, 2)
        handle.write(b"\x07")
    with pytest.raises(store.StoreRejected, match="sha256"):
        store.read(folder)
    assert hashed == ["ids"]
