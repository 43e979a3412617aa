"""The saved engine under knowledge/.cache/engine (bot.loading.store holds it, bot.loading.saved
says what is in it): reused while its files are unchanged, updated document by document when
they change.

What decides what is reused:

- `code`: the source of bot/core, bot/loading and bot/pdfimport, the schemas, the format version
  and Python. When it differs, nothing saved is used.
- each resolution file's sha256: a start parses only the files whose content the saved engine
  does not hold; a removed file's paragraphs are dropped; a renamed file is still reused.
- `index`: the code and the stopwords (they decide the stems). When they differ, every file is
  parsed again.
- `lexicon` and `intents`: the thesaurus and the intent files. When one differs, it is read
  again from YAML (and validated: a broken file is reported as without a saved engine); the
  documents and their index are kept.

Then the engine is assembled from the unchanged documents' arrays and the new ones (see
bot.core.postings), saved, and served from the saved arrays, memory-mapped: a first start and a
second one serve the same engine.
"""

from __future__ import annotations

import bisect
import functools
import gc
import hashlib
import logging
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.core.analysis import Analyzer
from bot.core.engine import AnswerEngine
from bot.core.index import ParagraphIndex
from bot.core.intents import Intent
from bot.core.lexicon import Lexicon
from bot.core.models import Document
from bot.core.names import Names, derive_names
from bot.core.postings import IndexArrays, Run, Tables, document_postings, update
from bot.core.semantic import IvfLists, SemanticIndex
from bot.loading import store
from bot.loading.aliases import load_aliases
from bot.loading.documents import (
    document_files,
    document_names,
    duplicate,
    folder_problems,
    parse_file,
)
from bot.loading.errors import LoadError
from bot.loading.intents import load_intents
from bot.loading.lexicon import load_lexicon
from bot.loading.progress import Progress
from bot.loading.saved import (
    LazyList,
    NamesRows,
    ParagraphColumns,
    SavedDocument,
    SavedEngine,
    Slice,
    join_rows,
    lazy_documents,
)
from bot.loading.segments import as_table, plain
from bot.semantic_model.memory import large_blocks_mapped, release_memory

log = logging.getLogger("bot.loading.engine")

CACHE_DIR = ".cache"
ENGINE_DIR = "engine"
LEGACY_PICKLES = "engine-*.pickle"  # the format before version 1: removed, never read
PACKAGE = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("core", "loading", "pdfimport", "semantic_model")
CODE_SUFFIXES = {".py", ".json"}
RACY_NS = 2_000_000_000
ROWS_BATCH = 500  # documents whose rows (vectors) are made in one call
LATE_ROWS = 100  # new documents (at most) whose rows are made after the merge (_build)

Array = npt.NDArray[Any]


class RowMaker(Protocol):
    """Makes further arrays for documents (paragraph and clause vectors): rows for exactly the
    documents given, owner ids numbered from 0 over their paragraphs."""

    @property
    def key(self) -> str:
        """What the rows depend on (a model's id): rows saved under another key are made
        again."""
        ...

    @property
    def kinds(self) -> Mapping[str, str]:
        """Array name -> "entry" or "owner:NAME" (see bot.loading.saved)."""
        ...

    def rows(self, documents: Sequence[Document], progress: Progress) -> dict[str, Array]: ...


@dataclass
class BuildReport:
    """What a start did, for the log, the bench and the tests."""

    documents: int = 0
    parsed: int = 0  # files read and parsed
    reused: int = 0  # documents taken from the saved engine
    removed: int = 0  # saved documents whose file is gone or changed
    saved: bool = False  # a new saved engine was written
    reason: str = ""  # why the saved engine was not used, when it was not
    seconds: dict[str, float] = field(default_factory=dict)


# -- keys -----------------------------------------------------------------------------------
@functools.cache
def code_digest() -> str:
    """The code that decides what is saved: any change rebuilds the saved engine."""
    digest = hashlib.sha256(f"{store.FORMAT}|{store.VERSION}|{sys.version}".encode())
    roots = [PACKAGE / name for name in CODE_FOLDERS] + [PACKAGE / "data"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file():
                digest.update(f"{path.relative_to(PACKAGE)}|{file_digest(path)}\n".encode())
    return digest.hexdigest()[:32]


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_digest(folder: Path) -> str:
    """Every file of a folder (names and content), as the intents are read from it."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if CACHE_DIR in path.parts or "__pycache__" in path.parts:
                continue
            digest.update(f"{path.relative_to(folder)}|{file_digest(path)}\n".encode())
    return digest.hexdigest()[:32]


def index_key(lexicon: Lexicon) -> str:
    words = "\n".join(sorted(lexicon.stopwords))
    return hashlib.sha256(f"{code_digest()}|{words}".encode()).hexdigest()[:32]


def fingerprint(knowledge_dir: Path, intents_dir: Path, *files: Path) -> str:
    """One key for everything a start reads (the files' content and the code)."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(folder_digest(intents_dir).encode())
    for path in [*document_files(knowledge_dir), *files]:
        if path.is_file():
            digest.update(f"{path.name}|{file_digest(path)}\n".encode())
    return digest.hexdigest()[:32]


# -- load or build --------------------------------------------------------------------------
def engine_folder(knowledge_dir: Path, tag: str = "") -> Path:
    """Where the engine of one mode is saved (`tag`: "" lexical, "semantic" with vectors)."""
    return knowledge_dir / CACHE_DIR / (f"{ENGINE_DIR}-{tag}" if tag else ENGINE_DIR)


def load_or_build(
    knowledge_dir: Path,
    intents_dir: Path,
    thesaurus: Path,
    *,
    progress: Progress,
    rows: RowMaker | None = None,
    tag: str = "",
) -> tuple[AnswerEngine, BuildReport]:
    """The engine for these files: the saved one, updated for what changed, saved again
    (in the folder of its mode, `tag`: see engine_folder)."""
    started = time.perf_counter()
    report = BuildReport()
    folder = engine_folder(knowledge_dir, tag)
    _remove_legacy(knowledge_dir / CACHE_DIR)
    names = document_names(knowledge_dir) if knowledge_dir.is_dir() else []
    keys = {
        "code": code_digest(),
        "lexicon": file_digest(thesaurus) if thesaurus.is_file() else "",
        "intents": folder_digest(intents_dir),
        "rows": rows.key if rows is not None else "",
        "model": getattr(rows, "model_id", "") if rows is not None else "",
    }
    with store.locked(folder) as writable, _CollectorPaused() as collector:
        saved, report.reason = _read(folder, keys["code"])
        lexicon, intents, problems = _lexicon_and_intents(saved, keys, thesaurus, intents_dir)
        keys["index"] = index_key(lexicon)
        if saved is not None and saved.keys.get("index") != keys["index"]:
            report.reason = "the stopwords changed"
            saved = None
        problems = folder_problems(knowledge_dir, names) + problems
        plan = _plan(knowledge_dir, names, saved, report, progress, rows, collector)
        problems += plan.problems
        if problems:
            raise LoadError(problems)
        if saved is not None and _unchanged(saved, plan, keys):
            engine = engine_from(saved, knowledge_dir)
        else:
            with large_blocks_mapped():  # what the build frees goes back as it goes
                built = _build(plan, saved, lexicon, intents, keys, rows, progress)
                if writable:
                    built = _save(folder, built, progress, report)
            release_memory()  # what the build made, now read from the saved arrays
            engine = engine_from(built, knowledge_dir)
    report.documents = len(engine.documents)
    report.seconds["total"] = time.perf_counter() - started
    _log(report, knowledge_dir)
    return engine, report


class _CollectorPaused:
    """The cyclic garbage collector off while a saved engine is read and updated for a few
    documents: reading it makes hundreds of thousands of long-lived objects
    (documents, names), and the collections their allocations triggered walked all of them
    again and again (a quarter of an addition's CPU time at 10,000 resolutions, measured),
    for next to no cyclic garbage. A large build runs with it on."""

    def __enter__(self) -> _CollectorPaused:
        self._enabled = gc.isenabled()
        gc.disable()
        return self

    def resume(self) -> None:
        if self._enabled:
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        self.resume()


def engine_from(saved: SavedEngine, knowledge_dir: Path) -> AnswerEngine:
    """An engine over a saved engine's arrays; paragraphs are made when first read."""
    documents = lazy_documents(saved, knowledge_dir)
    index = ParagraphIndex(documents, Analyzer(saved.lexicon), saved.index)
    aliases = {d.symbol: d.aliases for d in saved.documents if d.aliases}
    return AnswerEngine(
        documents,
        saved.intents,
        saved.lexicon,
        aliases=aliases,
        index=index,
        names=saved.names,
        semantic=semantic_index(saved),
    )


def semantic_index(saved: SavedEngine) -> SemanticIndex | None:
    """The saved paragraph and clause vectors (float16) with their inverted file, if any."""
    rows, shared = saved.rows, saved.shared
    if "paragraph_vectors" not in rows or not saved.keys.get("model"):
        return None
    lists = None
    if "centroids" in shared:
        lists = IvfLists(
            shared["centroids"], plain(rows["paragraph_lists"]), plain(rows["clause_lists"])
        )
    return SemanticIndex(
        saved.keys["model"],
        as_table(rows["paragraph_vectors"]),
        as_table(rows["clause_vectors"]),
        saved.owner("clause_entry"),
        plain(rows["clause_spans"]).reshape(-1, 2),
        lists,
    )


def read(folder: Path, *, verify: bool = True) -> SavedEngine:
    """The saved engine in `folder`; store.StoreRejected when it cannot be used."""
    stored = store.read(folder, verify=verify)
    try:
        return SavedEngine.from_store(stored)
    except ValueError as error:
        raise store.StoreRejected(str(error)) from None


def _read(folder: Path, code: str) -> tuple[SavedEngine | None, str]:
    try:
        saved = read(folder)
    except store.StoreRejected as why:
        reason = str(why)
        if (folder / store.MANIFEST).exists():
            log.warning("the saved engine in %s is not used (%s): building it again", folder, why)
        return None, reason
    if saved.keys.get("code") != code:
        return None, "it was made by other code"
    return saved, ""


def _lexicon_and_intents(
    saved: SavedEngine | None, keys: dict[str, str], thesaurus: Path, intents_dir: Path
) -> tuple[Lexicon, list[Intent], list[str]]:
    problems: list[str] = []
    if saved is not None and saved.keys.get("lexicon") == keys["lexicon"]:
        lexicon = saved.lexicon
    else:
        lexicon, found = load_lexicon(thesaurus)
        problems += found
    if saved is not None and saved.keys.get("intents") == keys["intents"]:
        intents = saved.intents
    else:
        intents, found = load_intents(intents_dir)
        problems += found
    return lexicon, intents, problems


@dataclass
class _Step:
    """One resolution file: its position in the saved engine, or its newly parsed document."""

    name: str
    sha256: str
    stat: tuple[int, int, int] | None
    saved: int | None = None
    document: Document | None = None
    aliases: tuple[str, ...] = ()
    aliases_sha256: str = ""


@dataclass
class _Plan:
    steps: list[_Step]
    problems: list[str]


def file_states(
    folder: Path, names: Sequence[str], known: Mapping[str, SavedDocument]
) -> list[tuple[str, tuple[int, int, int] | None]]:
    """(sha256, stat) of each file. A file whose size, modification time and inode are those
    recorded when it was last hashed is not read again (as git does); a file modified less
    than RACY_NS before it was hashed has no stat recorded, so it is always hashed again (its
    next change might not move its modification time)."""
    states: list[tuple[str, tuple[int, int, int] | None]] = []
    root = str(folder)  # os.path, not pathlib: this runs for every file at every start
    for name in names:
        path = os.path.join(root, name)
        info = os.stat(path)
        stat = (info.st_size, info.st_mtime_ns, info.st_ino)
        prior = known.get(name)
        if prior is not None and prior.stat == stat:
            states.append((prior.sha256, stat))
            continue
        now = time.time_ns()
        states.append((content_digest(path), stat if now - info.st_mtime_ns > RACY_NS else None))
    return states


def content_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _plan(
    knowledge_dir: Path,
    names: Sequence[str],
    saved: SavedEngine | None,
    report: BuildReport,
    progress: Progress,
    rows: RowMaker | None = None,
    collector: _CollectorPaused | None = None,
) -> _Plan:
    by_name = {d.file: d for d in saved.documents} if saved else {}
    states = file_states(knowledge_dir, names, by_name)
    known = {d.sha256: i for i, d in enumerate(saved.documents)} if saved else {}
    steps = [
        _Step(name, digest, stat, known.get(digest))
        for name, (digest, stat) in zip(names, states, strict=True)
    ]
    problems: list[str] = []
    _read_aliases(knowledge_dir, steps, saved, problems)
    fresh = [s for s in steps if s.saved is None]
    prepare = getattr(rows, "prepare", None)
    if fresh and prepare is not None:
        prepare()  # the row maker's model loads while the documents are parsed
    if collector is not None and len(fresh) > LATE_ROWS:
        collector.resume()  # a large build: its garbage is collected as it goes
    with progress.phase("documents", len(fresh), "parsed") as advance:
        for step in fresh:
            step.document, problem = parse_file(knowledge_dir / step.name, knowledge_dir)
            if problem:
                problems.append(problem)
            advance(1)
    seen: dict[str, str] = {}
    for step in steps:
        if step.document is not None:
            symbol = step.document.symbol
        elif step.saved is not None and saved is not None:
            symbol = saved.documents[step.saved].symbol
        else:
            continue
        if symbol in seen:
            problems.append(
                duplicate(knowledge_dir / step.name, symbol, knowledge_dir / seen[symbol])
            )
        seen.setdefault(symbol, step.name)
    report.parsed = len(fresh)
    report.reused = len(steps) - len(fresh)
    kept = {s.saved for s in steps if s.saved is not None}
    report.removed = len(saved.documents) - len(kept) if saved else 0
    return _Plan(steps, problems)


def _read_aliases(
    knowledge_dir: Path, steps: Sequence[_Step], saved: SavedEngine | None, problems: list[str]
) -> None:
    """Each document's aliases (the YAML beside its file): the saved ones while that YAML is
    unchanged, else read again (and checked)."""
    if not steps:
        return
    beside = {n for n in os.listdir(knowledge_dir) if n.endswith(".yaml")}
    if not beside:
        return
    for step in steps:
        name = os.path.splitext(os.path.basename(step.name))[0] + ".yaml"
        if name not in beside:
            continue
        step.aliases_sha256 = content_digest(os.path.join(knowledge_dir, name))
        if saved is not None and step.saved is not None:
            kept = saved.documents[step.saved]
            if kept.aliases_sha256 == step.aliases_sha256:
                step.aliases = kept.aliases
                continue
        step.aliases, found = load_aliases(knowledge_dir / step.name)
        problems += found


def _unchanged(saved: SavedEngine, plan: _Plan, keys: Mapping[str, str]) -> bool:
    same_files = [(s.name, s.sha256, s.aliases_sha256) for s in plan.steps] == [
        (d.file, d.sha256, d.aliases_sha256) for d in saved.documents
    ]
    return same_files and all(saved.keys.get(k) == v for k, v in keys.items())


def _build(
    plan: _Plan,
    saved: SavedEngine | None,
    lexicon: Lexicon,
    intents: list[Intent],
    keys: dict[str, str],
    rows: RowMaker | None,
    progress: Progress,
) -> SavedEngine:
    """The unchanged documents' slices of the saved engine and the new documents' postings,
    assembled into one saved engine (not written yet)."""
    analyzer = Analyzer(lexicon)
    # Rows (vectors) are made for the new documents only, unless the saved ones were made
    # under another key: then for every document, once the slices are known.
    redo_rows = rows is not None and saved is not None and saved.keys.get("rows") != rows.key
    new_documents = [s.document for s in plan.steps if s.document is not None]
    # A few new documents (an addition) are embedded once the index is merged: the model
    # loads in a thread meanwhile (RowMaker.prepare, from _plan). Many (a first build) are
    # embedded first, and each is freed as soon as its postings are made.
    late = rows is not None and not redo_rows and len(new_documents) <= LATE_ROWS
    made_rows = []
    if rows is not None and not redo_rows and not late:
        made_rows = _made_rows(new_documents, rows, progress)
        _rows_made(rows)
    late_documents = new_documents if late else []
    fresh = len(new_documents)
    del new_documents  # each is freed once its postings are made (below), unless late
    slices: list[Slice] = []
    new_slices: list[int] = []  # positions of the new documents' slices
    placement: list[int | Run] = []  # per document: its saved position, or its postings
    # Per document: what bot.core.names derives for a new one (None for one whose saved row
    # is kept), and its saved row's position (None when derived). The saved rows are sliced,
    # not read: the new engine reads its rows when a message first names a resolution
    # (parsing 1,000 documents' names was a tenth of an addition's time).
    names: list[Names | None] = []
    names_kept: list[int | None] = []
    keep_names = (
        saved is not None
        and saved.names_rows is not None
        and saved.keys.get("lexicon") == keys["lexicon"]
    )

    def named(document: Document, step: _Step) -> Names:
        return derive_names(
            document, analyzer.stemmer, lexicon.stopwords, lexicon.synonyms, step.aliases
        )

    tables = Tables(analyzer)  # the new documents share one: merging them is quicker
    # Saved documents keep their postings when they keep their order (a renamed file may
    # move): the longest run of saved positions in increasing order stays, the others'
    # postings are made again from their saved paragraphs (no file is read).
    in_order = _increasing([s.saved for s in plan.steps])
    moved = sum(1 for s in plan.steps if s.saved is not None and s.saved not in in_order)
    with progress.phase("paragraphs", fresh + moved, "documents indexed") as advance:
        position = fresh_done = 0
        while position < len(plan.steps):
            step = plan.steps[position]
            if step.document is not None:
                document = step.document
                run = document_postings(document, analyzer, tables)
                placement.append(run)
                names.append(named(document, step))
                names_kept.append(None)
                new_slices.append(len(slices))
                slices.append(
                    Slice(
                        documents=[SavedDocument.of(document, step.name, step.sha256, step.stat)],
                        kinds=run.kinds,
                        numbers=run.numbers,
                        doc_start=run.doc_start,
                        paragraphs=ParagraphColumns.of([document]),
                        rows=made_rows.pop(0) if made_rows else {},
                    )
                )
                step.document = None  # its arrays hold what is needed: free the objects
                advance(1)
                fresh_done += 1
                if fresh_done % ROWS_BATCH == 0:
                    release_memory()
                position += 1
                continue
            assert saved is not None and step.saved is not None
            stop = position + 1
            if step.saved in in_order:
                while (
                    stop < len(plan.steps)
                    and plan.steps[stop].saved == step.saved + (stop - position)
                    and plan.steps[stop].saved in in_order
                ):
                    stop += 1
                placement.extend(range(step.saved, step.saved + stop - position))
            else:
                [document] = documents_of(saved.slice(step.saved, step.saved + 1))
                placement.append(document_postings(document, analyzer, tables))
                advance(1)
            piece = saved.slice(step.saved, step.saved + stop - position)
            steps = plan.steps[position:stop]
            for offset, kept in enumerate(steps):
                old = saved.documents[step.saved + offset]
                if keep_names and old.aliases_sha256 == kept.aliases_sha256:
                    names.append(None)
                    names_kept.append(step.saved + offset)
                else:
                    [again] = documents_of(
                        saved.slice(step.saved + offset, step.saved + offset + 1)
                    )
                    names.append(named(again, kept))
                    names_kept.append(None)
            documents = [
                d if _same_file(d, s) else _with_file(d, s)
                for d, s in zip(piece.documents, steps, strict=True)
            ]
            slices.append(replace(piece, documents=documents))
            position = stop
    row_kinds = dict(rows.kinds) if rows is not None else {}
    if rows is not None and redo_rows:
        slices = _rows_again(slices, rows, progress)
        _rows_made(rows)
    release_memory()
    with progress.phase("merging", None):
        index = update(saved.index if saved is not None else IndexArrays.empty(), placement)
        del placement  # the new documents' postings
        release_memory()
        columns = ParagraphColumns.join([s.paragraphs for s in slices])
    if rows is not None and late_documents:
        made = _made_rows(late_documents, rows, progress)
        _rows_made(rows)
        for position, part in zip(new_slices, made, strict=True):
            slices[position] = replace(slices[position], rows=part)
    with progress.phase("merging", None):
        segmented = getattr(rows, "segmented", ())
        joined = join_rows(slices, row_kinds, segmented=segmented, release=True)
        release_memory()
    shared: dict[str, Array] = {}
    finish = getattr(rows, "finish", None)
    if finish is not None:
        kept_shared = saved.shared if saved is not None and not redo_rows else {}
        joined, shared = finish(joined, kept_shared, progress)
    names_rows = NamesRows.assemble(
        names, names_kept, saved.names_rows if saved is not None and keep_names else None
    )
    return SavedEngine(
        documents=[d for s in slices for d in s.documents],
        index=index,
        paragraphs=columns,
        lexicon=lexicon,
        intents=intents,
        keys=dict(keys),
        rows=joined,
        row_kinds=row_kinds,
        names=LazyList(names_rows.names_or_none),
        shared=shared,
        names_rows=names_rows,
    )


def _same_file(document: SavedDocument, step: _Step) -> bool:
    return (document.file, document.stat, document.aliases, document.aliases_sha256) == (
        step.name,
        step.stat,
        step.aliases,
        step.aliases_sha256,
    )


def _with_file(document: SavedDocument, step: _Step) -> SavedDocument:
    """A saved document under its file's current name, stat and aliases."""
    return replace(
        document,
        file=step.name,
        stat=step.stat,
        aliases=step.aliases,
        aliases_sha256=step.aliases_sha256,
    )


def _increasing(positions: Sequence[int | None]) -> set[int]:
    """The longest increasing subsequence of the saved positions (None: a new document)."""
    tails: list[int] = []  # tails[k]: the smallest last value of an increasing run of k + 1
    links: dict[int, int | None] = {}
    ends: list[int] = []
    for value in positions:
        if value is None:
            continue
        k = bisect.bisect_left(tails, value)
        links[value] = ends[k - 1] if k else None
        if k == len(tails):
            tails.append(value)
            ends.append(value)
        else:
            tails[k] = value
            ends[k] = value
    found: set[int] = set()
    current = ends[-1] if ends else None
    while current is not None:
        found.add(current)
        current = links[current]
    return found


def _made_rows(
    documents: Sequence[Document], rows: RowMaker, progress: Progress
) -> list[dict[str, Array]]:
    """The row arrays of new documents, made ROWS_BATCH documents at a time (a batch's float32
    vectors are compacted before the next is made) and split per document."""
    parts: list[dict[str, Array]] = []
    for start in range(0, len(documents), ROWS_BATCH):
        batch = documents[start : start + ROWS_BATCH]
        made = rows.rows(batch, progress)
        parts += split_rows(made, rows.kinds, [len(d.paragraphs) for d in batch])
        del made
        release_memory()  # the batch's float32 vectors
    return parts


def _rows_made(rows: RowMaker) -> None:
    """Every document's rows are made: what only making them needed can go (a row maker may
    have `release`: the model loaded for them)."""
    release = getattr(rows, "release", None)
    if release is not None:
        release()
    release_memory()


def split_rows(
    made: Mapping[str, Array], kinds: Mapping[str, str], counts: Sequence[int]
) -> list[dict[str, Array]]:
    """Row arrays over several documents' paragraphs, as one dict per document."""
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    parts: list[dict[str, Array]] = [{} for _ in counts]
    for name, kind in kinds.items():
        array = made[name]
        if kind == "entry":
            bounds = starts
        else:
            owner = made[kind.removeprefix("owner:")]
            bounds = np.searchsorted(owner, starts)
        for position in range(len(counts)):
            piece = array[bounds[position] : bounds[position + 1]]
            if kind != "entry" and kind.removeprefix("owner:") == name:
                piece = (piece - starts[position]).astype(array.dtype)
            parts[position][name] = piece
    return parts


def _rows_again(slices: list[Slice], rows: RowMaker, progress: Progress) -> list[Slice]:
    """Rows for every document, when the saved ones were made under another key."""
    documents = [d for s in slices for d in documents_of(s)]
    made = _made_rows(documents, rows, progress)
    redone: list[Slice] = []
    for piece in slices:
        count = len(piece.documents)
        chunk, made = made[:count], made[count:]
        merged = {n: np.concatenate([c[n] for c in chunk]) for n in rows.kinds} if chunk else {}
        redone.append(replace(piece, rows=merged))
    return redone


def documents_of(piece: Slice) -> list[Document]:
    """A slice's documents with their paragraphs (made from its columns)."""
    kinds, numbers = piece.kinds, piece.numbers
    starts = piece.doc_start.tolist()
    return [
        d.document(d.file, piece.paragraphs.paragraphs(starts[i], starts[i + 1], kinds, numbers))
        for i, d in enumerate(piece.documents)
    ]


def _save(folder: Path, built: SavedEngine, progress: Progress, report: BuildReport) -> SavedEngine:
    """Write the engine and serve it from what was written (memory-mapped)."""
    with progress.phase("saving", None):
        try:
            store.write(folder, *built.files())
        except OSError as error:
            log.warning("the engine could not be saved in %s: %s", folder, error)
            return built
        report.saved = True
        try:
            return built.mapped(store.read(folder, verify=False, documents=False))
        except (store.StoreRejected, ValueError, KeyError) as error:
            log.warning("the engine just saved in %s cannot be read back: %s", folder, error)
            return built


def _remove_legacy(cache: Path) -> None:
    if not cache.is_dir():
        return
    for path in cache.glob(LEGACY_PICKLES):
        try:
            path.unlink()
        except OSError:
            continue
        log.info("removed %s: engines saved as pickles are never loaded", path)


def _log(report: BuildReport, knowledge_dir: Path) -> None:
    if not report.parsed and not report.removed and not report.saved:
        how = "from the saved engine"
    elif report.reused:
        how = (
            f"updated: {report.parsed:,} parsed, {report.reused:,} reused, "
            f"{report.removed:,} removed"
        )
    else:
        how = f"built: {report.parsed:,} parsed" + (f" ({report.reason})" if report.reason else "")
    log.info(
        "engine: %s documents of %s %s in %.2f s",
        f"{report.documents:,}",
        knowledge_dir,
        how,
        report.seconds["total"],
    )
