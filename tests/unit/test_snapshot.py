"""The saved engine (knowledge/.cache/engine): arrays and JSON, never pickle; reused while its
files are unchanged, updated document by document, rejected and rebuilt when it does not
check out."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bot.core.parse
from bot.bench.synthetic import material_from, resolution
from bot.core.models import Document, LazyParagraphs
from bot.core.text import clause_spans
from bot.loading import saved, snapshot, store
from bot.loading.engine import load_engine
from bot.loading.errors import LoadError
from bot.loading.progress import Progress, Quiet
from bot.loading.segments import as_table

from .conftest import LAYOUT, RESOLUTIONS, ROOT, settled_corpus

INTENTS = ROOT / "intents"
QUESTIONS = (
    "What does the resolution say about climate change?",
    "What does it urge States to do?",
    "operative paragraph 3",
    "footnote 1",
    "technical assistance",
    "When was it adopted?",
    "What does it say about the rights of women?",
)
SEED = 7
MATERIAL = material_from([*(ROOT / "knowledge").glob("*.txt"), *RESOLUTIONS.glob("*.txt")])


@pytest.fixture(autouse=True)
def lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    """The saved format of the lexical mode (the semantic mode's vectors: test_saved_vectors)."""
    monkeypatch.setenv("RESBOT_SEMANTIC", "off")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Twelve synthetic resolutions and the shipped thesaurus."""
    return settled_corpus(tmp_path / "knowledge", MATERIAL, 12, SEED)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed from now on (the real parser, counted)."""
    seen: list[str] = []
    real = bot.core.parse.parse_document

    def counting(text: str, source: str = "") -> Document:
        seen.append(Path(source).name)
        return real(text, source)

    monkeypatch.setattr(bot.core.parse, "parse_document", counting)
    return seen


def build(knowledge: Path, **options: Any) -> tuple[Any, snapshot.BuildReport]:
    thesaurus = knowledge / "thesaurus.yaml"
    return snapshot.load_or_build(knowledge, INTENTS, thesaurus, progress=Quiet(), **options)


def answers(engine: Any) -> list[dict[str, Any]]:
    return [engine.reply(q).answer.to_dict() for q in QUESTIONS]


def engine_folder(knowledge: Path) -> Path:
    return knowledge / ".cache" / "engine"


def generation(knowledge: Path) -> Path:
    manifest = json.loads((engine_folder(knowledge) / "manifest.json").read_text())
    return engine_folder(knowledge) / manifest["generation"]


def full_build(knowledge: Path, tmp_path: Path, name: str = "reference") -> snapshot.SavedEngine:
    """The saved engine a first build of the same files gives."""
    reference = tmp_path / name
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(knowledge, reference, ignore=shutil.ignore_patterns(".cache"))
    build(reference)
    return snapshot.read(engine_folder(reference))


def assert_same_arrays(a: snapshot.SavedEngine, b: snapshot.SavedEngine) -> None:
    assert [d.file for d in a.documents] == [d.file for d in b.documents]
    assert [d.header for d in a.documents] == [d.header for d in b.documents]
    assert a.index.tables() == b.index.tables()
    arrays_a = {**a.index.named(), **a.paragraphs.named(), **a.rows}
    arrays_b = {**b.index.named(), **b.paragraphs.named(), **b.rows}
    assert arrays_a.keys() == arrays_b.keys()
    for name, array in arrays_a.items():
        assert array.dtype == arrays_b[name].dtype, name
        # Segmented arrays (the texts) compared by their rows, whatever their pieces.
        assert np.array_equal(as_table(array), as_table(arrays_b[name])), name


# -- round trip -----------------------------------------------------------------------------
def test_a_saved_engine_answers_as_the_engine_it_was_saved_from(corpus: Path, parses) -> None:
    built, report = build(corpus)
    assert report.parsed == 12 and report.saved and report.reused == 0
    fresh = load_engine(corpus, INTENTS, snapshot=False)
    parses.clear()
    loaded, report = build(corpus)
    assert parses == [] and report.reused == 12 and not report.saved
    assert answers(loaded) == answers(fresh) == answers(built)
    assert list(loaded.documents) == list(fresh.documents)  # every field, every paragraph
    assert loaded.intents == fresh.intents and loaded.lexicon == fresh.lexicon
    assert loaded.references.names == fresh.references.names  # saved, not derived again


def test_paragraphs_are_made_when_first_read(corpus: Path) -> None:
    build(corpus)
    engine, _ = build(corpus)
    document = engine.documents[3]
    assert isinstance(document.paragraphs, LazyParagraphs)
    assert repr(document.paragraphs) == f"LazyParagraphs({len(document.paragraphs)})"
    fresh = load_engine(corpus, INTENTS, snapshot=False).documents[3]
    assert document.paragraphs == fresh.paragraphs and document.get("op2") == fresh.get("op2")


def test_a_paragraph_read_by_position_is_made_alone(corpus: Path) -> None:
    """A search hit reads one paragraph of its document: that one is made, not all of them."""
    build(corpus)
    engine, _ = build(corpus)
    fresh = load_engine(corpus, INTENTS, snapshot=False).documents[5].paragraphs
    paragraphs = engine.documents[5].paragraphs
    calls = []
    original = paragraphs._load
    paragraphs._load = lambda: calls.append(1) or original()  # type: ignore[method-assign]
    assert paragraphs[2] == fresh[2] and paragraphs[-1] == fresh[-1]
    assert calls == []
    with pytest.raises(IndexError):
        paragraphs[len(fresh)]
    assert paragraphs[1:3] == fresh[1:3] and calls == [1]


def test_the_store_is_arrays_and_json_with_their_digests(corpus: Path) -> None:
    build(corpus)
    manifest = json.loads((engine_folder(corpus) / "manifest.json").read_text())
    assert manifest["format"] == "resbot-engine" and manifest["version"] == store.VERSION
    files = sorted(p.name for p in generation(corpus).iterdir())
    listed = sorted(
        f"{name}.{'npy' if entry['kind'] == 'array' else 'json'}"
        for name, entry in manifest["files"].items()
    )
    assert files == listed
    for name, entry in manifest["files"].items():
        path = generation(corpus) / f"{name}.{'npy' if entry['kind'] == 'array' else 'json'}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        if entry["kind"] == "array":
            assert entry["dtype"] in store.ALLOWED_DTYPES
            array = np.load(path, allow_pickle=False)
            assert list(array.shape) == entry["shape"] and array.dtype.str == entry["dtype"]
    assert not list(corpus.rglob("*.pickle")) and not list(corpus.rglob("*.pkl"))


def test_loading_never_unpickles(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler", "dump", "dumps"):
        monkeypatch.setattr(pickle, name, refuse)
    first = load_engine(corpus, INTENTS)
    (corpus / "extra.txt").write_text(resolution(MATERIAL, 40, seed=SEED).text)
    again = load_engine(corpus, INTENTS)  # read, updated, written again
    assert len(again.documents) == len(first.documents) + 1
    assert answers(load_engine(corpus, INTENTS)) == answers(
        load_engine(corpus, INTENTS, snapshot=False)
    )


# -- rejected and rebuilt -------------------------------------------------------------------
def rejected(corpus: Path, caplog: pytest.LogCaptureFixture, parses: list[str]) -> str:
    """Load after tampering: the saved engine is rejected with a log line and rebuilt."""
    caplog.clear()
    parses.clear()
    with caplog.at_level(logging.WARNING, logger="bot.loading.engine"):
        engine, report = build(corpus)
    assert report.parsed == 12 and report.saved, report
    assert answers(engine) == answers(load_engine(corpus, INTENTS, snapshot=False))
    snapshot.read(engine_folder(corpus))  # the new one checks out
    [line] = [r.getMessage() for r in caplog.records if "not used" in r.getMessage()]
    return line


def test_a_truncated_array_is_rejected_and_rebuilt(corpus: Path, caplog, parses) -> None:
    build(corpus)
    path = generation(corpus) / "post_ids.npy"
    path.write_bytes(path.read_bytes()[:-100])
    assert "post_ids" in rejected(corpus, caplog, parses)


def test_an_edited_manifest_is_rejected_and_rebuilt(corpus: Path, caplog, parses) -> None:
    build(corpus)
    manifest_path = engine_folder(corpus) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["post_values"]["shape"] = [3]
    manifest_path.write_text(json.dumps(manifest))
    assert "post_values" in rejected(corpus, caplog, parses)
    manifest_path.write_text("{not json")
    assert "manifest.json" in rejected(corpus, caplog, parses)


def test_an_altered_array_is_rejected_by_its_digest(corpus: Path, caplog, parses) -> None:
    build(corpus)
    path = generation(corpus) / "post_values.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "sha256" in rejected(corpus, caplog, parses)


def test_a_foreign_manifest_is_rejected(corpus: Path, caplog, parses) -> None:
    build(corpus)
    manifest_path = engine_folder(corpus) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    assert "version" in rejected(corpus, caplog, parses)
    manifest_path.write_text(json.dumps({"format": "something else"}))
    assert "not a resbot engine" in rejected(corpus, caplog, parses)


# -- names: read when a message first names a resolution -----------------------------------
@pytest.fixture
def names_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows of each reading of saved names."""
    read: list[int] = []
    real = saved.names_from_json

    def counting(data: Any) -> Any:
        read.append(len(data))
        return real(data)

    monkeypatch.setattr(saved, "names_from_json", counting)
    return read


def test_the_saved_names_are_read_only_when_first_needed(
    corpus: Path, names_read: list[int]
) -> None:
    build(corpus)
    read = names_read
    assert read == []  # a first build derives the names: it reads none
    engine, report = build(corpus)
    assert not report.saved
    engine.reply("hello")
    assert read == []  # a message that names no resolution
    fresh = load_engine(corpus, INTENTS, snapshot=False)
    assert engine.references.names == fresh.references.names
    assert read == [12]


def test_an_addition_keeps_the_saved_names_without_reading_them(
    corpus: Path, tmp_path: Path, names_read: list[int]
) -> None:
    """The unchanged documents' rows are sliced, not parsed: parsing 1,000 documents' names
    was a tenth of adding one (issue 14); the new engine reads them when first needed."""
    build(corpus)
    read = names_read
    (corpus / "A_RES_60_9.txt").write_text(resolution(MATERIAL, 30, seed=SEED).text)
    engine, report = build(corpus)
    assert report.saved and report.parsed == 1
    assert read == []
    assert engine.references.names == load_engine(corpus, INTENTS, snapshot=False).references.names
    assert read == [13]  # the rows of the saved engine just written, once
    reference = full_build(corpus, tmp_path)
    assert reference.names is not None and list(reference.names) == engine.references.names


def _unreadable(data: Any) -> Any:
    raise ValueError("not names")


_NAMES_FROM_JSON = saved.names_from_json


def _short(data: Any) -> Any:
    return _NAMES_FROM_JSON(data)[:-1]


@pytest.mark.parametrize("reader", [_unreadable, _short])
def test_saved_names_that_do_not_read_are_derived_again(
    corpus: Path, tmp_path: Path, caplog, monkeypatch: pytest.MonkeyPatch, reader: Any
) -> None:
    """Saved names that pass their digests (a forged manifest) but do not read as one
    document's names each are logged and derived again from the documents."""
    build(corpus)
    monkeypatch.setattr(saved, "names_from_json", reader)
    engine, report = build(corpus)
    fresh = load_engine(corpus, INTENTS, snapshot=False)
    with caplog.at_level(logging.WARNING, logger="bot.loading.engine"):
        assert engine.references.names == fresh.references.names
    assert answers(engine) == answers(fresh)
    assert any("saved names are not used" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(saved, "names_from_json", _NAMES_FROM_JSON)
    # An update keeps the saved rows as they are (unread), and they read as a full build's.
    (corpus / "A_RES_60_9.txt").write_text(resolution(MATERIAL, 30, seed=SEED).text)
    engine, report = build(corpus)
    assert report.saved and report.parsed == 1
    updated, reference = snapshot.read(engine_folder(corpus)), full_build(corpus, tmp_path)
    assert updated.names is not None and reference.names is not None
    assert list(updated.names) == list(reference.names)


class Planted:
    """Unpickling this creates a file: the proof that a pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def plant(corpus: Path, name: str, content: bytes, dtype: str | None = None) -> None:
    """Replace a store file and fix the manifest to match, as whoever can write the folder
    could."""
    manifest_path = engine_folder(corpus) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (generation(corpus) / f"{name}.npy").write_bytes(content)
    manifest["files"][name]["sha256"] = hashlib.sha256(content).hexdigest()
    if dtype is not None:
        manifest["files"][name]["dtype"] = dtype
        manifest["files"][name]["shape"] = [1]
    manifest_path.write_text(json.dumps(manifest))


def test_a_planted_pickle_is_never_executed(corpus: Path, tmp_path: Path, caplog, parses) -> None:
    marker = tmp_path / "pickle-ran"
    payload = pickle.dumps(Planted(marker))
    build(corpus)
    plant(corpus, "post_ids", payload)  # a pickle where an array should be
    assert "post_ids" in rejected(corpus, caplog, parses)
    assert not marker.exists()

    objects = tmp_path / "objects.npy"
    np.save(objects, np.array([Planted(marker)], dtype=object), allow_pickle=True)
    plant(corpus, "post_ids", objects.read_bytes(), dtype="|O")  # an object array, declared
    assert "post_ids" in rejected(corpus, caplog, parses)
    assert not marker.exists()


def test_an_old_pickled_engine_is_removed_unread(corpus: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pickle-ran"
    (corpus / ".cache").mkdir()
    legacy = corpus / ".cache" / "engine-0123456789abcdef.pickle"
    legacy.write_bytes(pickle.dumps(Planted(marker)))
    engine = load_engine(corpus, INTENTS)
    assert answers(engine) == answers(load_engine(corpus, INTENTS, snapshot=False))
    assert not legacy.exists() and not marker.exists()


def test_an_unwritable_folder_serves_what_it_built(corpus: Path) -> None:
    (corpus / ".cache").write_text("a file where the cache folder would be")
    engine, report = build(corpus)
    assert not report.saved and len(engine.documents) == 12
    assert answers(engine) == answers(load_engine(corpus, INTENTS, snapshot=False))


# -- incremental ----------------------------------------------------------------------------
def test_adding_changing_removing_and_renaming_parse_only_that_file(
    corpus: Path, tmp_path: Path, parses
) -> None:
    build(corpus)
    steps: list[tuple[str, Any, list[str]]] = []

    def add() -> None:
        (corpus / "A_RES_60_9.txt").write_text(resolution(MATERIAL, 30, seed=SEED).text)

    def change() -> None:
        path = sorted(corpus.glob("A_RES_*.txt"))[4]
        path.write_text(path.read_text().replace("Urges", "Strongly urges", 1) + "\n")

    def remove() -> None:
        sorted(corpus.glob("A_RES_*.txt"))[2].unlink()

    def rename() -> None:
        path = sorted(corpus.glob("A_RES_*.txt"))[1]
        path.rename(corpus / "A_RES_99_1.txt")  # moves it to the end of the order

    steps = [("add", add, ["A_RES_60_9.txt"]), ("change", change, None), ("remove", remove, []),
             ("rename", rename, [])]  # fmt: skip
    for label, act, expected in steps:
        before = sorted(p.name for p in corpus.glob("A_RES_*.txt"))
        act()
        after = sorted(p.name for p in corpus.glob("A_RES_*.txt"))
        parses.clear()
        engine, report = build(corpus)
        if expected is None:  # the changed file
            expected = [n for n in after if n in before][4:5]
        assert parses == expected, label
        assert report.saved and report.documents == len(after), label
        reference = full_build(corpus, tmp_path)
        assert_same_arrays(snapshot.read(engine_folder(corpus)), reference)
        assert answers(engine) == answers(load_engine(corpus, INTENTS, snapshot=False)), label


def test_changed_intents_are_read_again_and_the_documents_kept(
    corpus: Path, tmp_path: Path, parses
) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    snapshot.load_or_build(corpus, intents, corpus / "thesaurus.yaml", progress=Quiet())
    (intents / "extra.yaml").write_text(
        "intents:\n  - name: extra_hello\n    action: template\n"
        "    patterns: ['^howdy$']\n    responses: ['Howdy.']\n"
    )
    parses.clear()
    engine, report = snapshot.load_or_build(
        corpus, intents, corpus / "thesaurus.yaml", progress=Quiet()
    )
    assert parses == [] and report.saved
    assert engine.reply("howdy").answer.text == "Howdy."
    (intents / "broken.yaml").write_text("intents: [\n")
    with pytest.raises(LoadError):
        snapshot.load_or_build(corpus, intents, corpus / "thesaurus.yaml", progress=Quiet())


def test_aliases_beside_a_file_are_kept_and_read_again_alone(corpus: Path, parses) -> None:
    build(corpus)
    path = sorted(corpus.glob("A_RES_*.txt"))[2]
    beside = path.with_suffix(".yaml")
    beside.write_text('aliases:\n  - "the widget accord"\n')
    parses.clear()
    engine, report = build(corpus)
    assert parses == [] and report.saved
    symbol = engine.documents[2].symbol
    assert "the widget accord" in engine.references.shown_names(2)
    engine, report = build(corpus)
    assert not report.saved and "the widget accord" in engine.references.shown_names(2)
    beside.write_text("aliases:\n  - ok\n  - 3\n")
    with pytest.raises(LoadError) as raised:
        build(corpus)
    assert str(beside) in str(raised.value) and symbol


def test_changed_stopwords_rebuild_the_index(corpus: Path, parses) -> None:
    build(corpus)
    thesaurus = corpus / "thesaurus.yaml"
    thesaurus.write_text(thesaurus.read_text().replace("stopwords: [a,", "stopwords: [urges, a,"))
    parses.clear()
    _, report = build(corpus)
    assert len(parses) == 12 and report.reason == "the stopwords changed"


def test_a_duplicate_or_broken_new_file_is_reported(corpus: Path) -> None:
    build(corpus)
    shutil.copy(LAYOUT / "bad_numbering.txt", corpus)
    with pytest.raises(LoadError):
        build(corpus)
    (corpus / "bad_numbering.txt").unlink()
    first = sorted(corpus.glob("A_RES_*.txt"))[0]
    (corpus / "A_RES_copy.txt").write_text(first.read_text())
    with pytest.raises(LoadError) as raised:
        build(corpus)
    assert "is also in" in str(raised.value)


def names_segments(knowledge: Path) -> dict[str, tuple[int, int, int]]:
    """The names' segment files: size, inode and modification time."""
    found = (engine_folder(knowledge) / store.SEGMENTS).glob("names_text-*.npy")
    return {p.name: (p.stat().st_size, p.stat().st_ino, p.stat().st_mtime_ns) for p in found}


def test_an_addition_writes_the_new_documents_names_alone(corpus: Path, tmp_path: Path) -> None:
    """The documents' names are JSON rows kept in segments: adding a resolution writes its row
    in a new segment and leaves the others as they were (not dumped, written nor hashed)."""
    build(corpus)
    before = names_segments(corpus)
    (corpus / "A_RES_60_9.txt").write_text(resolution(MATERIAL, 30, seed=SEED).text)
    engine, _ = build(corpus)
    after = names_segments(corpus)
    assert {n: after[n] for n in before} == before and len(after) == len(before) + 1
    saved = snapshot.read(engine_folder(corpus))
    reference = full_build(corpus, tmp_path)
    assert saved.names is not None and reference.names is not None
    assert list(saved.names) == list(reference.names)
    assert engine.references.names == load_engine(corpus, INTENTS, snapshot=False).references.names


def test_names_that_do_not_cover_the_documents_are_rejected(corpus: Path, caplog, parses) -> None:
    build(corpus)
    plant(corpus, "names_start", np_bytes(np.zeros(13, dtype=np.int64)))  # 12 documents
    assert "names_start" in rejected(corpus, caplog, parses)


def np_bytes(array: np.ndarray) -> bytes:
    """An array as a .npy file's bytes."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_unchanged_files_are_not_read_again(
    corpus: Path, parses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with the size, modification time and inode it had when it was hashed (and that
    was old enough then) is taken to be unchanged, as git does."""
    build(corpus)
    read: list[str] = []
    real = snapshot.content_digest
    monkeypatch.setattr(snapshot, "content_digest", lambda p: read.append(p) or real(p))
    build(corpus)
    assert read == []
    path = sorted(corpus.glob("A_RES_*.txt"))[3]
    path.write_text(path.read_text() + "\n")
    parses.clear()
    build(corpus)
    assert read == [str(path)] and parses == [path.name]


def test_a_rewritten_file_is_hashed_again(corpus: Path, parses) -> None:
    """A file modified within a second of being hashed could keep its modification time;
    such a file is never trusted by its stat alone."""
    build(corpus)
    path = sorted(corpus.glob("A_RES_*.txt"))[0]
    text = path.read_text()
    at = text.index(" the ", len(text) // 2) + 1

    def edit(word: str) -> None:
        path.write_text(text[:at] + word + text[at + 3 :])

    edit("thE")
    info = path.stat()
    parses.clear()
    build(corpus)
    assert parses == [path.name]
    edit("tHe")  # the same size and, set back, the same modification time
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    parses.clear()
    build(corpus)
    assert parses == [path.name]


# -- more arrays: vectors -------------------------------------------------------------------
class Vectors:
    """A stand-in for an embedding model: a float16 vector per paragraph and per clause,
    made from the text's bytes (so a test can tell which text a row came from)."""

    def __init__(self, key: str = "test-vectors-1") -> None:
        self.key = key
        self.kinds = {
            "paragraph_vectors": "entry",
            "clause_entry": "owner:clause_entry",
            "clause_vectors": "owner:clause_entry",
        }
        self.documents = 0

    @staticmethod
    def vector(text: str) -> np.ndarray:
        digest = hashlib.sha256(text.encode()).digest()
        return (np.frombuffer(digest[:8], dtype=np.uint8).astype(np.float16) / 255).astype(
            np.float16
        )

    def rows(self, documents: Sequence[Document], progress: Progress) -> dict[str, np.ndarray]:
        self.documents += len(documents)
        paragraphs = [p for d in documents for p in d.paragraphs]
        owners, clauses = [], []
        for entry, paragraph in enumerate(paragraphs):
            for a, b in clause_spans(paragraph.text):
                owners.append(entry)
                clauses.append(self.vector(paragraph.text[a:b]))
        return {
            "paragraph_vectors": np.array([self.vector(p.text) for p in paragraphs]),
            "clause_entry": np.array(owners, dtype=np.int32),
            "clause_vectors": np.array(clauses, dtype=np.float16).reshape(-1, 8),
        }


def test_vectors_are_saved_and_made_only_for_new_documents(corpus: Path, tmp_path: Path) -> None:
    maker = Vectors()
    engine, _ = build(corpus, rows=maker)
    assert maker.documents == 12
    (corpus / "A_RES_60_9.txt").write_text(resolution(MATERIAL, 30, seed=SEED).text)
    sorted(corpus.glob("A_RES_*.txt"))[5].unlink()
    engine, report = build(corpus, rows=maker)
    assert maker.documents == 13 and report.parsed == 1
    saved = snapshot.read(engine_folder(corpus))
    reference = tmp_path / "reference"
    shutil.copytree(corpus, reference, ignore=shutil.ignore_patterns(".cache"))
    build(reference, rows=Vectors())
    assert_same_arrays(saved, snapshot.read(engine_folder(reference)))
    rows, paragraphs = saved.rows, [p for d in engine.documents for p in d.paragraphs]
    assert rows["paragraph_vectors"].dtype == np.float16
    for entry in (0, 17, len(paragraphs) - 1):
        assert np.array_equal(
            rows["paragraph_vectors"][entry], maker.vector(paragraphs[entry].text)
        )
    assert np.all(np.diff(rows["clause_entry"]) >= 0)
    another = Vectors("test-vectors-2")  # another model: every document's vectors again
    build(corpus, rows=another)
    assert another.documents == 12


# -- progress -------------------------------------------------------------------------------
class Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_a_build_shows_its_phases(corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    terminal = Terminal()
    with caplog.at_level(logging.INFO, logger="bot.loading.engine"):
        snapshot.load_or_build(
            corpus,
            INTENTS,
            corpus / "thesaurus.yaml",
            progress=Progress(terminal),  # type: ignore[arg-type]
        )
    assert "resbot: documents: 12/12 100%" in terminal.text
    assert "resbot: paragraphs: 12/12" in terminal.text
    logged = [r.getMessage() for r in caplog.records]
    for phase in ("documents: 12 parsed", "paragraphs: 12 documents indexed", "merging", "saving"):
        assert any(f"engine build: {phase}" in line for line in logged), phase
    assert any("engine: 12 documents" in line and "built" in line for line in logged)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.loading.engine"):
        build(corpus)
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == [
        f"engine: 12 documents of {corpus} from the saved engine"
    ]
