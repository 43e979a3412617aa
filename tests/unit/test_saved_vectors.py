"""Semantic vectors in the saved engine (issue 14 on issue 13's matching): float16 rows per
document in knowledge/.cache/engine-semantic, never pickled; made for new or changed documents
only; rejected and rebuilt when altered; searched exactly while few, through the inverted file
beyond (bot.core.semantic). The shipped model runs (memoised per text by tests/conftest.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bot.core.semantic as semantic_module
import bot.loading.semantic_rows as rows_module
from bot.bench.synthetic import material_from, resolution
from bot.core.semantic import SemanticIndex
from bot.loading import segments, snapshot, store
from bot.loading.engine import load_engine
from bot.loading.semantic_rows import SemanticRows
from bot.semantic_model import MODEL, shared_encoder

from .conftest import RESOLUTIONS, ROOT, settled_corpus

INTENTS = ROOT / "intents"
SEED = 11
MATERIAL = material_from([*(ROOT / "knowledge").glob("*.txt"), *RESOLUTIONS.glob("*.txt")])
QUESTIONS = (
    "How are poorer countries helped to take part?",
    "What is asked of the organisations of the system?",
    "hello",
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return settled_corpus(tmp_path / "knowledge", MATERIAL, 5, SEED)


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The symbols of the documents embedded from now on."""
    seen: list[str] = []
    real = SemanticRows.rows

    def counting(self: SemanticRows, documents: Any, progress: Any) -> Any:
        seen.extend(d.symbol for d in documents)
        return real(self, documents, progress)

    monkeypatch.setattr(SemanticRows, "rows", counting)
    return seen


def folder(knowledge: Path) -> Path:
    return snapshot.engine_folder(knowledge, "semantic")


def answers(engine: Any) -> list[dict[str, Any]]:
    return [engine.reply(q).answer.to_dict() for q in QUESTIONS]


def fresh_vectors(engine: Any) -> SemanticIndex:
    """The vectors a build without any saved engine gives these documents."""
    paragraphs = [p for d in engine.documents for p in d.paragraphs]
    return SemanticIndex.build(paragraphs, shared_encoder(MODEL)).compact()


def assert_vectors(engine: Any) -> None:
    assert engine.semantic_on
    saved, fresh = engine.semantic, fresh_vectors(engine)
    assert saved.paragraph_vectors.dtype == np.float16
    for name in ("paragraph_vectors", "clause_vectors", "clause_entry", "clause_spans"):
        assert np.array_equal(np.asarray(saved.arrays()[name]), fresh.arrays()[name]), name


def test_vectors_round_trip_as_float16_arrays(corpus: Path) -> None:
    built = load_engine(corpus, INTENTS, semantic=True)
    assert_vectors(built)
    text = (folder(corpus) / "manifest.json").read_text()
    manifest = json.loads(text)
    kinds = {n: f["dtype"] for n, f in manifest["segmented"].items() if n.startswith("rows_")}
    assert kinds == {"rows_paragraph_vectors": "<f2", "rows_clause_vectors": "<f2"}
    again = load_engine(corpus, INTENTS, semantic=True)
    assert_vectors(again)
    assert answers(again) == answers(built)
    # The lexical mode's engine is saved apart and does not touch the semantic one.
    off = load_engine(corpus, INTENTS, semantic=False)
    assert off.semantic is None and (corpus / ".cache" / "engine" / "manifest.json").is_file()
    assert (folder(corpus) / "manifest.json").read_text() == text
    assert load_engine(corpus, INTENTS, semantic=True).semantic is not None


def segment_files(knowledge: Path) -> dict[str, tuple[int, int, int]]:
    """Each segment file's size, inode and modification time."""
    found = (folder(knowledge) / store.SEGMENTS).iterdir()
    return {p.name: (p.stat().st_size, p.stat().st_ino, p.stat().st_mtime_ns) for p in found}


def segment_of(knowledge: Path, name: str) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The one segment of a row array: its path, its manifest entry, and the manifest."""
    manifest = json.loads((folder(knowledge) / "manifest.json").read_text())
    [[segment, _, _]] = manifest["segmented"][name]["pieces"]
    path = folder(knowledge) / store.SEGMENTS / f"{segment}.npy"
    return path, manifest["segments"][segment], manifest


def test_only_the_new_or_changed_document_is_embedded(corpus: Path, embedded: list[str]) -> None:
    load_engine(corpus, INTENTS, semantic=True)
    assert len(embedded) == 5
    before = segment_files(corpus)
    embedded.clear()
    extra = resolution(MATERIAL, 20, seed=SEED)
    (corpus / extra.filename).write_text(extra.text)
    added = load_engine(corpus, INTENTS, semantic=True)
    assert embedded == [extra.symbol]
    assert_vectors(added)
    # Its rows alone were written, in a segment of their own beside the untouched ones.
    after = segment_files(corpus)
    # (a new segment for each segmented array: the two of vectors, the two of texts and the
    # documents' names)
    assert {n: after[n] for n in before} == before and len(after) == len(before) + 5
    [new] = [d for d in added.documents if d.symbol == extra.symbol]
    stored = store.read(folder(corpus)).segmented["rows_paragraph_vectors"]
    fresh = [len(p) for p in stored.pieces if f"{p.segment}.npy" not in before]
    assert fresh == [len(new.paragraphs)]

    embedded.clear()
    path = sorted(corpus.glob("A_RES_*.txt"))[1]
    path.write_text(path.read_text().replace("Urges", "Strongly urges", 1) + "\n")
    changed = load_engine(corpus, INTENTS, semantic=True)
    assert len(embedded) == 1
    assert_vectors(changed)

    embedded.clear()
    sorted(corpus.glob("A_RES_*.txt"))[2].unlink()
    removed = load_engine(corpus, INTENTS, semantic=True)
    assert embedded == [] and len(removed.documents) == 5
    assert_vectors(removed)
    reference = corpus.parent / "reference"
    shutil.copytree(corpus, reference, ignore=shutil.ignore_patterns(".cache"))
    assert answers(removed) == answers(load_engine(reference, INTENTS, semantic=True))


def test_altered_vectors_are_rejected_and_rebuilt(
    corpus: Path, caplog: pytest.LogCaptureFixture, embedded: list[str]
) -> None:
    load_engine(corpus, INTENTS, semantic=True)
    path, _, _ = segment_of(corpus, "rows_paragraph_vectors")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    embedded.clear()
    with caplog.at_level(logging.WARNING, logger="bot.loading.engine"):
        engine = load_engine(corpus, INTENTS, semantic=True)
    assert any("not used" in r.getMessage() for r in caplog.records)
    assert len(embedded) == 5
    assert_vectors(engine)


class Planted:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_pickle_in_the_cache_folder_is_never_executed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "pickle-ran"
    cache = corpus / ".cache"
    cache.mkdir()
    # What an older resbot saved (issue 13's engine-semantic-KEY.pickle), or anyone planted.
    planted = [cache / "engine-semantic-0123456789abcdef.pickle", cache / "engine-lexical-0.pickle"]
    for path in planted:
        path.write_bytes(pickle.dumps(Planted(marker)))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    engine = load_engine(corpus, INTENTS, semantic=True)
    assert engine.semantic_on and not marker.exists()
    assert not any(p.exists() for p in planted)
    # A pickle in place of the vectors, with the manifest fixed to match: rejected, rebuilt.
    manifest_path = folder(corpus) / "manifest.json"
    path, entry, manifest = segment_of(corpus, "rows_clause_vectors")
    objects = tmp_path / "objects.npy"
    np.save(objects, np.array([Planted(marker)], dtype=object), allow_pickle=True)
    content = objects.read_bytes()
    path.write_bytes(content)
    entry.update(sha256=hashlib.sha256(content).hexdigest(), dtype="|O", shape=[1])
    manifest["segments"][path.stem] = entry
    manifest["segmented"]["rows_clause_vectors"]["dtype"] = "|O"
    manifest_path.write_text(json.dumps(manifest))
    again = load_engine(corpus, INTENTS, semantic=True)
    assert not marker.exists()
    assert_vectors(again)


def test_beyond_exact_search_an_inverted_file_kept_across_additions(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic_module, "EXACT_MAX_ROWS", 50)
    monkeypatch.setattr(rows_module, "EXACT_MAX_ROWS", 50)
    engine = load_engine(corpus, INTENTS, semantic=True)
    index = engine.semantic
    assert index is not None and index.lists is not None and index.approximate
    centroids = np.array(index.lists.centroids)
    embedded = np.any(np.asarray(index.paragraph_vectors) != 0, axis=1)
    assert np.all((np.asarray(index.lists.paragraph_lists) >= 0) == embedded)
    # Approximate cosines are the exact ones where given, and the best paragraph is found.
    exact = SemanticIndex(*(getattr(index, f) for f in ("model_id", *FIELDS)))
    for question in QUESTIONS[:2]:
        vector = shared_encoder(MODEL).encode([question])[0]
        near, far = index.score(vector), exact.score(vector)
        assert int(np.nanargmax(near.entry)) == int(np.argmax(far.entry))
        given = ~np.isnan(near.entry)
        assert np.allclose(near.entry[given], far.entry[given], atol=1e-5)
        assert all(abs(near.cosine(i) - float(far.entry[i])) < 1e-5 for i in range(0, 40, 7))
    # One more resolution: its rows are assigned to the kept centroids.
    extra = resolution(MATERIAL, 21, seed=SEED)
    (corpus / extra.filename).write_text(extra.text)
    added = load_engine(corpus, INTENTS, semantic=True).semantic
    assert added is not None and added.lists is not None
    assert np.array_equal(np.asarray(added.lists.centroids), centroids)
    assert np.all(np.asarray(added.lists.clause_lists) >= 0)


FIELDS = ("paragraph_vectors", "clause_vectors", "clause_entry", "clause_spans")


def test_segments_past_their_limits_are_merged_then_compacted(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, embedded: list[str]
) -> None:
    """Each addition writes a segment per segmented array; once one would span more than
    MAX_SEGMENTS files, all but its largest are merged into one (the largest untouched), and
    once a removal leaves too many dead rows, it is written as one segment again, in order;
    nothing is embedded again."""
    monkeypatch.setattr(segments, "MAX_SEGMENTS", 2)
    load_engine(corpus, INTENTS, semantic=True)
    first = segment_files(corpus)
    for number in (30, 31):
        extra = resolution(MATERIAL, number, seed=SEED)
        (corpus / extra.filename).write_text(extra.text)
        engine = load_engine(corpus, INTENTS, semantic=True)
        assert_vectors(engine)
    after = segment_files(corpus)
    assert len(after) == 2 * len(first) and {n: after[n] for n in first} == first
    for path in sorted(corpus.glob("A_RES_*.txt"))[:4]:
        path.unlink()
    embedded.clear()
    engine = load_engine(corpus, INTENTS, semantic=True)
    assert embedded == [] and len(engine.documents) == 3
    assert_vectors(engine)
    stored = store.read(folder(corpus)).segmented
    assert all(len(s.pieces) == 1 for s in stored.values())
    assert len(segment_files(corpus)) == len(first) and not set(first) & set(segment_files(corpus))


def test_rows_made_a_few_documents_at_a_time_are_those_made_at_once(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a build embeds EMBED_DOCUMENTS documents at a time into float16 arrays of
    their final size; the model's rows are those of all the documents embedded at once, bit
    for bit, a document without any paragraph of several clauses included."""
    from dataclasses import replace

    from bot.core.text import clause_spans
    from bot.loading.documents import load_documents
    from bot.loading.progress import Quiet
    from bot.semantic_model import OnnxEncoder

    documents, _ = load_documents(corpus)
    single = [p for p in documents[0].paragraphs if len(clause_spans(p.text)) < 2]
    documents = [replace(documents[0], paragraphs=tuple(single)), *documents[:3]]
    # A fresh encoder each: none remembers the other's vectors.
    at_once = SemanticRows(OnnxEncoder(MODEL)).rows(documents, Quiet())
    monkeypatch.setattr(rows_module, "EMBED_DOCUMENTS", 1)
    rows = SemanticRows(OnnxEncoder(MODEL))
    one_by_one = rows.rows(documents, Quiet())
    assert rows.rows(documents[:1], Quiet())["clause_vectors"].shape == (0, 384)
    for name, array in at_once.items():
        assert array.dtype == one_by_one[name].dtype and np.array_equal(array, one_by_one[name])
