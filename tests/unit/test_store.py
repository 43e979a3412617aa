"""bot.loading.store: named arrays and JSON written whole, read back verified, never pickled."""

from __future__ import annotations

import json
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
