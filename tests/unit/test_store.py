"""bot.loading.store: named arrays and JSON written whole (segmented arrays: their new rows), read
back verified, never pickled."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.stacked import StackedRows
from bot.loading import segments, store
from bot.loading.segments import Segmented


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


def test_a_document_left_unparsed_is_read_as_its_bytes_and_checked(tmp_path: Path) -> None:
    store.write(tmp_path, {"a": np.arange(3)}, {"names": [1, "é"], "other": {"b": 1}}, {})
    stored = store.read(tmp_path, unparsed=("names",))
    assert stored.documents == {"other": {"b": 1}}
    assert json.loads(stored.unparsed["names"]) == [1, "é"]
    path = tmp_path / stored.generation / "names.json"
    path.write_bytes(path.read_bytes().replace(b"1", b"2"))
    with pytest.raises(store.StoreRejected, match="sha256"):
        store.read(tmp_path, unparsed=("names",))


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


# -- segmented arrays (issue 14: adding a resolution writes its rows alone) -------------------
def segment_files(folder: Path) -> dict[str, tuple[int, int]]:
    """Each segment file's inode and modification time."""
    return {
        p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (folder / store.SEGMENTS).iterdir()
    }


def rows(first: int, count: int) -> np.ndarray:
    return (np.arange(first, first + count, dtype=np.float16)[:, None] * np.ones(3)).astype(
        np.float16
    )


def test_a_segmented_array_writes_its_new_rows_alone(tmp_path: Path) -> None:
    base = rows(0, 40)
    store.write(tmp_path, {"vectors": Segmented.new(base), "ids": np.arange(3)}, {}, {})
    first = store.read(tmp_path).segmented["vectors"]
    assert np.array_equal(np.asarray(first.table()), base)
    before = segment_files(tmp_path)
    assert len(before) == 1
    # Rows 10..19 removed, three new rows between the others, two at the end.
    added = Segmented.join(
        [first[:10], Segmented.new(rows(100, 3)), first[20:], Segmented.new(rows(200, 2))]
    )
    store.write(tmp_path, {"vectors": added, "ids": np.arange(3)}, {}, {})
    after = segment_files(tmp_path)
    assert {n: after[n] for n in before} == before  # the first segment was not written again
    assert len(after) == 2
    read = store.read(tmp_path).segmented["vectors"]
    expected = np.concatenate([base[:10], rows(100, 3), base[20:], rows(200, 2)])
    assert np.array_equal(np.asarray(read.table()), expected)
    assert [len(p) for p in read.pieces] == [10, 3, 20, 2]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["segments"]) == 2 and len(manifest["segmented"]["vectors"]["pieces"]) == 4


def test_segments_are_merged_and_compacted_past_their_limits(tmp_path: Path) -> None:
    store.write(tmp_path, {"vectors": Segmented.new(rows(0, 20))}, {}, {})
    [base] = segment_files(tmp_path).items()
    expected = rows(0, 20)
    for count in range(1, segments.MAX_SEGMENTS + 1):
        saved = store.read(tmp_path).segmented["vectors"]
        added = Segmented.join([saved, Segmented.new(rows(count, 1))])
        store.write(tmp_path, {"vectors": added}, {}, {})
        expected = np.concatenate([expected, rows(count, 1)])
        read = store.read(tmp_path).segmented["vectors"]
        assert np.array_equal(np.asarray(read.table()), expected)
    # MAX_SEGMENTS + 1 segment files would be read: all but the largest merged into one.
    assert [len(p) for p in read.pieces] == [20, segments.MAX_SEGMENTS]
    assert segment_files(tmp_path) == dict([base, *segment_files(tmp_path).items()][1:])
    assert len(segment_files(tmp_path)) == 2 and base in segment_files(tmp_path).items()
    # Dead rows past DEAD_SHARE: the rows still read are written as one segment, in order.
    kept = read[: len(read) // 2]
    store.write(tmp_path, {"vectors": Segmented.join([kept, Segmented.new(rows(50, 1))])}, {}, {})
    read = store.read(tmp_path).segmented["vectors"]
    assert len(read.pieces) == 1 and len(segment_files(tmp_path)) == 1
    expected = np.concatenate([expected[: len(expected) // 2], rows(50, 1)])
    assert np.array_equal(np.asarray(read.table()), expected)
    # More than MAX_PIECES pieces: compacted too.
    many = Segmented.join([read[n : n + 1] for n in range(len(read))][::2] * 40)
    assert len(many.pieces) > segments.MAX_PIECES
    store.write(tmp_path, {"vectors": many}, {}, {})
    read = store.read(tmp_path).segmented["vectors"]
    assert len(read.pieces) == 1 and np.array_equal(np.asarray(read.table()), many.table())


def test_a_segment_that_does_not_check_is_rejected(tmp_path: Path) -> None:
    store.write(tmp_path, {"vectors": Segmented.new(rows(0, 30_000))}, {}, {})
    [segment] = (tmp_path / store.SEGMENTS).iterdir()
    with segment.open("r+b") as handle:
        handle.seek(-1, 2)
        handle.write(b"\x07")
    with pytest.raises(store.StoreRejected, match="sha256"):
        store.read(tmp_path)
    # A piece beyond its segment, or a segment the manifest does not list.
    path = tmp_path / "manifest.json"
    for edit, why in (
        (lambda m: m["segmented"]["vectors"]["pieces"][0].__setitem__(2, 10**6), "beyond"),
        (
            lambda m: m["segmented"]["vectors"]["pieces"][0].__setitem__(0, "x-0123456789abcdef"),
            "not listed",
        ),
        (lambda m: m["segmented"]["vectors"].update(dtype="|O"), "bad dtype"),
    ):
        manifest = json.loads(path.read_text())
        edit(manifest)
        path.write_text(json.dumps(manifest))
        with pytest.raises(store.StoreRejected, match=why):
            store.read(tmp_path, verify=False)
        store.write(tmp_path, {"vectors": Segmented.new(rows(0, 30))}, {}, {})


@given(
    sizes=st.lists(st.integers(0, 6), min_size=1, max_size=5),
    picks=st.lists(st.integers(-40, 39), max_size=30),
    window=st.tuples(st.integers(-45, 45), st.integers(-45, 45)),
)
def test_stacked_rows_read_as_their_rows_joined(
    sizes: list[int], picks: list[int], window: tuple[int, int]
) -> None:
    parts = [rows(10 * n, size) for n, size in enumerate(sizes)]
    stacked, joined = StackedRows.of(parts), np.concatenate(parts)
    assert stacked.shape == joined.shape and len(stacked) == len(joined)
    valid = [p for p in picks if -len(joined) <= p < len(joined)]
    assert np.array_equal(stacked[np.array(valid, dtype=np.int64)], joined[valid])
    assert np.array_equal(stacked[window[0] : window[1]], joined[window[0] : window[1]])
    assert np.array_equal(np.asarray(stacked, dtype=np.float32), joined.astype(np.float32))
