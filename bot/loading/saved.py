"""The saved engine's content: an AnswerEngine's documents, paragraphs, index, lexicon and
intents as named arrays and JSON (kept by bot.loading.store), and back.

Paragraphs are columns: their clean texts end to end as UTF-8 bytes with offsets, line numbers,
lead lengths, and a small JSON blob each for what only some have (footnotes, markers,
references, sub-items, citing paragraphs); kinds and numbers are the index's own arrays. A
loaded engine makes a document's `Paragraph` objects when something first reads them, and
keeps the most recently read documents' (`DOCUMENTS_KEPT`); a paragraph asked for by its
position alone (a search hit) is made alone and kept too. Every array is a slice per
document, so an incremental build copies the unchanged documents' rows (`Slice`) and makes
only the new ones.

Arrays other than the index's and the paragraphs' ("rows", such as paragraph and clause
vectors) travel too: each is declared aligned with the entries ("entry": one row per
paragraph) or owned ("owner:NAME": rows listed by the entry that owns them in the int32
array NAME, sorted by it), and is sliced and joined like the rest. The large ones (the
vectors) are kept in segments (bot.loading.segments): slicing and joining them copies no row,
and saving writes the new documents' rows alone.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Collection, Mapping, MutableSequence, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from bot.core.cache import BoundedCache
from bot.core.intents import ACTIONS, Intent, IntentPattern
from bot.core.lexicon import Lexicon
from bot.core.models import Document, LazyParagraphs, Paragraph, Reference
from bot.core.names import Acronym, Names
from bot.core.postings import KINDS, IndexArrays
from bot.loading.segments import Segmented, as_table, plain
from bot.loading.store import Stored
from bot.semantic_model.memory import release_memory

log = logging.getLogger("bot.loading.engine")

T = TypeVar("T")
Array = npt.NDArray[Any]
Rows = Array | Segmented  # a row array, or one kept in segments (the vectors)
DOCUMENTS_KEPT = 1024  # documents whose Paragraph objects a loaded engine keeps made
PARAGRAPHS_ALONE = 8  # paragraphs made alone (hits of a search) kept per document kept
PARAGRAPH_ARRAYS = ("line", "lead", "text_start", "text", "extra_start", "extra")
# Document's header fields, in its order (`paragraphs` and `source` follow them).
HEADER_FIELDS = tuple(f.name for f in fields(Document) if f.name not in ("paragraphs", "source"))
LIST_FIELDS = frozenset({"report_symbols", "annex_preamble"})
RELEASE_EVERY = 500  # slices joined between two returns of freed memory (join_rows)
_ROWS = re.compile(r"entry|owner:[a-z][a-z0-9_]*")


# -- paragraphs as columns ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ParagraphColumns:
    line: npt.NDArray[np.int32]
    lead: npt.NDArray[np.int32]  # characters of the text that are the lead words
    text_start: npt.NDArray[np.int64]  # per paragraph (+1), byte offsets into text
    text: Rows  # UTF-8 (uint8), in segments once saved
    extra_start: npt.NDArray[np.int64]
    extra: Rows  # compact JSON (uint8), empty for a paragraph with nothing more; segments too

    @classmethod
    def of(cls, documents: Sequence[Document]) -> ParagraphColumns:
        paragraphs = [p for d in documents for p in d.paragraphs]
        texts = [p.text.encode() for p in paragraphs]
        extras = [_extra(p) for p in paragraphs]
        return cls(
            line=np.array([p.line for p in paragraphs], dtype=np.int32),
            lead=np.array([len(p.lead) for p in paragraphs], dtype=np.int32),
            text_start=_starts([len(t) for t in texts]),
            text=np.frombuffer(b"".join(texts), dtype=np.uint8),
            extra_start=_starts([len(e) for e in extras]),
            extra=np.frombuffer(b"".join(extras), dtype=np.uint8),
        )

    @property
    def count(self) -> int:
        return len(self.line)

    def slice(self, first: int, stop: int) -> ParagraphColumns:
        t0, t1 = int(self.text_start[first]), int(self.text_start[stop])
        x0, x1 = int(self.extra_start[first]), int(self.extra_start[stop])
        return ParagraphColumns(
            line=self.line[first:stop],
            lead=self.lead[first:stop],
            text_start=self.text_start[first : stop + 1] - t0,
            text=self.text[t0:t1],
            extra_start=self.extra_start[first : stop + 1] - x0,
            extra=self.extra[x0:x1],
        )

    @classmethod
    def join(cls, parts: Sequence[ParagraphColumns]) -> ParagraphColumns:
        if not parts:
            return cls.of([])
        return cls(
            line=np.concatenate([p.line for p in parts]),
            lead=np.concatenate([p.lead for p in parts]),
            text_start=_joined([p.text_start for p in parts]),
            text=Segmented.of([p.text for p in parts]),
            extra_start=_joined([p.extra_start for p in parts]),
            extra=Segmented.of([p.extra for p in parts]),
        )

    def paragraphs(
        self, first: int, stop: int, kinds: npt.NDArray[np.int8], numbers: npt.NDArray[np.int32]
    ) -> tuple[Paragraph, ...]:
        """Paragraphs first..stop-1, made from the columns (ValueError if they do not parse)."""
        made = []
        t0, t1 = int(self.text_start[first]), int(self.text_start[stop])
        x0, x1 = int(self.extra_start[first]), int(self.extra_start[stop])
        blob, extras = _bytes(self.text, t0, t1), _bytes(self.extra, x0, x1)
        starts = (self.text_start[first : stop + 1] - t0).tolist()
        extra_starts = (self.extra_start[first : stop + 1] - x0).tolist()
        for offset, row in enumerate(range(first, stop)):
            text = blob[starts[offset] : starts[offset + 1]].decode()
            kind, number = KINDS[int(kinds[row])], int(numbers[row])
            a, b = extra_starts[offset], extra_starts[offset + 1]
            extra = _parse_extra(extras[a:b]) if b > a else {}
            made.append(
                Paragraph(
                    id=f"{kind}{number}",
                    kind=kind,  # type: ignore[arg-type]
                    number=number,
                    text=text,
                    lead=text[: int(self.lead[row])],
                    line=int(self.line[row]),
                    **extra,
                )
            )
        return tuple(made)

    def named(self) -> dict[str, Rows]:
        return {f"paragraph_{f.name}": getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_named(cls, arrays: Mapping[str, Rows], count: int) -> ParagraphColumns:
        """The columns of a store (the texts may be segmented, the offsets may not)."""
        try:
            found = {name: arrays[f"paragraph_{name}"] for name in PARAGRAPH_ARRAYS}
        except KeyError as missing:
            raise ValueError(f"paragraph array {missing} is missing") from None
        made = cls(
            line=plain(found["line"]),
            lead=plain(found["lead"]),
            text_start=plain(found["text_start"]),
            text=found["text"],
            extra_start=plain(found["extra_start"]),
            extra=found["extra"],
        )
        for name, starts, total in (
            ("text_start", made.text_start, len(made.text)),
            ("extra_start", made.extra_start, len(made.extra)),
        ):
            if len(starts) != count + 1 or starts[0] != 0 or starts[-1] != total:
                raise ValueError(f"paragraph array {name} does not cover the texts")
            if count and int(np.diff(starts).min()) < 0:
                raise ValueError(f"paragraph array {name} goes backwards")
        if len(made.line) != count or len(made.lead) != count:
            raise ValueError("paragraph arrays do not have one row per paragraph")
        return made


def _bytes(rows: Rows, first: int, stop: int) -> bytes:
    return np.asarray(as_table(rows[first:stop])).tobytes()


def _extra(paragraph: Paragraph) -> bytes:
    data: dict[str, Any] = {}
    if paragraph.footnotes:
        data["footnotes"] = list(paragraph.footnotes)
    if paragraph.markers:
        data["markers"] = [list(m) for m in paragraph.markers]
    if paragraph.references:
        data["references"] = [[r.symbol, r.url] for r in paragraph.references]
    if paragraph.items:
        data["items"] = [list(i) for i in paragraph.items]
    if paragraph.cited_by:
        data["cited_by"] = list(paragraph.cited_by)
    return _dumped(data) if data else b""


def _dumped(data: Any) -> bytes:
    """Compact JSON in UTF-8, as the store writes it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _parse_extra(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("a paragraph's extra is not an object")
    return {
        "footnotes": _strings(data.get("footnotes", [])),
        "markers": tuple((str(m), int(o)) for m, o in data.get("markers", [])),
        "references": tuple(Reference(str(s), str(u)) for s, u in data.get("references", [])),
        "items": tuple((int(a), int(b)) for a, b in data.get("items", [])),
        "cited_by": _strings(data.get("cited_by", [])),
    }


# -- documents ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SavedDocument:
    """One document as documents.json keeps it: its file, the file's content hash, its
    header fields and how many paragraphs it has."""

    file: str
    sha256: str
    header: tuple[Any, ...]  # HEADER_FIELDS' values
    paragraphs: int
    # (size, mtime_ns, inode) of the file when it was hashed, if it was old enough then to
    # trust: a file that still has them need not be hashed again (bot.loading.snapshot).
    stat: tuple[int, int, int] | None = None
    aliases: tuple[str, ...] = ()  # from the YAML beside the file (bot.loading.aliases)
    aliases_sha256: str = ""  # that YAML's, "" when there is none

    @classmethod
    def of(
        cls, document: Document, file: str, sha256: str, stat: tuple[int, int, int] | None
    ) -> SavedDocument:
        header = tuple(getattr(document, name) for name in HEADER_FIELDS)
        return cls(file, sha256, header, len(document.paragraphs), stat)

    @property
    def symbol(self) -> str:
        symbol: str = self.header[0]
        return symbol

    def document(self, source: str, paragraphs: Sequence[Paragraph]) -> Document:
        make: Any = Document  # positionally: a keyword call per document costs at 10,000
        made: Document = make(*self.header, paragraphs, source)
        return made


def documents_to_json(documents: Sequence[SavedDocument]) -> dict[str, list[Any]]:
    """documents.json: one list per field (a column), in document order."""
    columns: dict[str, list[Any]] = {
        "file": [d.file for d in documents],
        "sha256": [d.sha256 for d in documents],
        "paragraphs": [d.paragraphs for d in documents],
        "stat": [list(d.stat) if d.stat else None for d in documents],
        "aliases": [list(d.aliases) for d in documents],
        "aliases_sha256": [d.aliases_sha256 for d in documents],
    }
    for position, name in enumerate(HEADER_FIELDS):
        if name in LIST_FIELDS:
            columns[name] = [list(d.header[position]) for d in documents]
        else:
            columns[name] = [d.header[position] for d in documents]
    return columns


def documents_from_json(data: Any) -> list[SavedDocument]:
    if not isinstance(data, dict):
        raise ValueError("documents.json is not an object")
    count = len(_list(data.get("file")))
    files = _column(data, "file", count, str)
    digests = _column(data, "sha256", count, str)
    paragraphs = _column(data, "paragraphs", count, int)
    if any(n < 0 for n in paragraphs):
        raise ValueError("documents.json: a negative paragraph count")
    stats = [_stat(v) for v in _column(data, "stat", count, None)]
    aliases = [_strings(v) for v in _column(data, "aliases", count, list)]
    alias_digests = _column(data, "aliases_sha256", count, str)
    header: list[list[Any]] = []
    for name in HEADER_FIELDS:
        if name in LIST_FIELDS:
            column = _column(data, name, count, list)
            if not all(type(item) is str for value in column for item in value):
                raise ValueError(f"documents.json: {name} holds other than strings")
            header.append([tuple(value) for value in column])
        else:
            header.append(_column(data, name, count, str))
    return [
        SavedDocument(file, digest, row, size, stat, names, names_digest)
        for file, digest, size, stat, row, names, names_digest in zip(
            files,
            digests,
            paragraphs,
            stats,
            zip(*header, strict=True),
            aliases,
            alias_digests,
            strict=True,
        )
    ]


def _column(data: dict[str, Any], name: str, count: int, kind: type | None) -> list[Any]:
    column = data.get(name)
    if not isinstance(column, list) or len(column) != count:
        raise ValueError(f"documents.json: {name} is not a column of {count}")
    if kind is not None and not all(type(v) is kind for v in column):
        raise ValueError(f"documents.json: {name} holds other than {kind.__name__}")
    return column


def _stat(value: Any) -> tuple[int, int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 3 or not all(type(v) is int for v in value):
        raise ValueError("documents.json: a malformed stat")
    return value[0], value[1], value[2]


# -- names ----------------------------------------------------------------------------------
def names_item(names: Names) -> dict[str, Any]:
    """What bot.core.names derived for one document, as JSON (deriving it reads every
    paragraph)."""
    return {
        "words": dict(names.words),
        "title": sorted(names.title),
        "acronyms": [
            [a.pattern.pattern, a.pattern.flags, a.weight, a.min_length] for a in names.acronyms
        ],
        "shown": list(names.shown),
    }


@dataclass(frozen=True, slots=True)
class NamesRows:
    """Each document's names as a JSON row, end to end in UTF-8: document d's item and a comma
    are text[start[d]:start[d + 1]]. Once saved the text is kept in segments, so an addition
    writes the new document's row alone: dumping 10,000 documents' names again cost a third of
    a second of every addition at 10,000 resolutions."""

    start: npt.NDArray[np.int64]  # per document (+1)
    text: Rows  # uint8

    @classmethod
    def of(cls, names: Sequence[Names]) -> NamesRows:
        rows = [_dumped(names_item(n)) + b"," for n in names]
        return cls(_starts([len(r) for r in rows]), np.frombuffer(b"".join(rows), np.uint8))

    @property
    def count(self) -> int:
        return len(self.start) - 1

    def slice(self, first: int, stop: int) -> NamesRows:
        t0, t1 = int(self.start[first]), int(self.start[stop])
        return NamesRows(self.start[first : stop + 1] - t0, self.text[t0:t1])

    @classmethod
    def join(cls, parts: Sequence[NamesRows]) -> NamesRows:
        if not parts:
            return cls.of([])
        return cls(_joined([p.start for p in parts]), Segmented.of([p.text for p in parts]))

    @classmethod
    def assemble(
        cls, names: Sequence[Names | None], kept: Sequence[int | None], saved: NamesRows | None
    ) -> NamesRows:
        """The rows of `names`: those whose `kept` is their position in the `saved` rows are
        sliced from them (a run of consecutive positions at a time; their names may be None,
        not read), the others dumped."""
        parts: list[NamesRows] = []
        position = 0
        while position < len(names):
            first, stop = kept[position], position + 1
            if first is None or saved is None:
                while stop < len(names) and (kept[stop] is None or saved is None):
                    stop += 1
                dumped = [n for n in names[position:stop] if n is not None]
                if len(dumped) != stop - position:
                    raise ValueError("a document has neither its names nor a saved row")
                parts.append(cls.of(dumped))
            else:
                while stop < len(names) and kept[stop] == first + stop - position:
                    stop += 1
                parts.append(saved.slice(first, first + stop - position))
            position = stop
        return cls.join(parts)

    def names(self) -> list[Names]:
        """The rows read back (ValueError when they are not the JSON a store writes)."""
        text = _bytes(self.text, 0, len(self.text))
        if self.count and not text.endswith(b","):
            raise ValueError("the saved names do not end with a row")
        try:
            data = json.loads(b"[" + text[:-1] + b"]")
        except ValueError as error:
            raise ValueError(f"the saved names are not JSON: {error}") from None
        found = names_from_json(data)
        if len(found) != self.count:
            raise ValueError("the saved names do not have one row per document")
        return found

    def names_or_none(self) -> list[Names]:
        """The rows read back when first needed (a message that names no resolution never
        reads them; parsing them was half of a start at 10,000 resolutions). Rows that do not
        parse (only a forged manifest lets such bytes through its digests) read as no names,
        logged: the engine then derives them from the documents (the same names, more slowly).
        An update slices the rows of the documents it keeps without reading them, so such rows
        stay until a full build (a change of code or thesaurus) makes every row again."""
        try:
            return self.names()
        except (ValueError, TypeError, re.error) as error:
            log.warning("the saved names are not used (%s): derived again", error)
            return []

    def named(self) -> dict[str, Rows]:
        return {"names_start": self.start, "names_text": self.text}

    @classmethod
    def from_named(cls, arrays: Mapping[str, Rows], count: int) -> NamesRows:
        start = plain(arrays["names_start"])
        made = cls(start, arrays["names_text"])
        if len(start) != count + 1 or start[0] != 0 or start[-1] != len(made.text):
            raise ValueError("names_start does not cover the names")
        if count and int(np.diff(start).min()) <= 0:
            raise ValueError("names_start goes backwards")
        return made


class LazyList(Sequence[T]):
    """The list `make` returns, made when first read."""

    def __init__(self, make: Callable[[], list[T]]) -> None:
        self._make = make
        self._made: list[T] | None = None

    def _list(self) -> list[T]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __len__(self) -> int:
        return len(self._list())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._list()[index]


def names_from_json(data: Any) -> list[Names]:
    found = []
    compiled: dict[tuple[str, int], re.Pattern[str]] = {}  # documents share many initials
    for item in _list(data):
        if not isinstance(item, dict) or not isinstance(item.get("words"), dict):
            raise ValueError("a document's saved names are malformed")
        raw = item["words"]  # a JSON object's keys are strings
        words = dict(zip(raw, map(float, raw.values()), strict=True))
        acronyms = []
        for source, flags, weight, min_length in _list(item.get("acronyms", [])):
            key = (_string(source), int(flags))
            pattern = compiled.get(key)
            if pattern is None:
                pattern = compiled[key] = re.compile(*key)
            acronyms.append(Acronym(pattern, float(weight), int(min_length)))
        found.append(
            Names(
                words,
                frozenset(_strings(item.get("title", []))),
                tuple(acronyms),
                _strings(item.get("shown", [])),
            )
        )
    return found


# -- lexicon and intents --------------------------------------------------------------------
def lexicon_to_json(lexicon: Lexicon) -> dict[str, Any]:
    return {
        "synonyms": [list(group) for group in lexicon.synonyms],
        "stopwords": sorted(lexicon.stopwords),
        "question_words": sorted(lexicon.question_words),
        "operative_verbs": list(lexicon.operative_verbs),
        "source_cues": list(lexicon.source_cues),
        "spelling": dict(lexicon.spelling),
        "ignored_phrases": list(lexicon.ignored_phrases),
    }


def lexicon_from_json(data: Any) -> Lexicon:
    if not isinstance(data, dict):
        raise ValueError("the saved lexicon is not an object")
    spelling = data.get("spelling", {})
    if not isinstance(spelling, dict):
        raise ValueError("the saved spelling is not an object")
    return Lexicon(
        synonyms=tuple(_strings(group) for group in _list(data.get("synonyms", []))),
        stopwords=frozenset(_strings(data.get("stopwords", []))),
        question_words=frozenset(_strings(data.get("question_words", []))),
        operative_verbs=_strings(data.get("operative_verbs", [])),
        source_cues=_strings(data.get("source_cues", [])),
        spelling={_string(k): _string(v) for k, v in spelling.items()},
        ignored_phrases=_strings(data.get("ignored_phrases", [])),
    )


def intents_to_json(intents: Sequence[Intent]) -> list[dict[str, Any]]:
    return [
        {
            "name": i.name,
            "action": i.action,
            "examples": list(i.examples),
            "patterns": [[p.source, p.flags, list(p.required)] for p in i.patterns],
            "responses": list(i.responses),
            "suggestions": list(i.suggestions),
            "fields": list(i.fields),
            "kind": i.kind,
            "by": i.by,
            "priority": i.priority,
            "source": i.source,
        }
        for i in intents
    ]


def intents_from_json(data: Any) -> list[Intent]:
    intents = []
    for item in _list(data):
        if not isinstance(item, dict) or item.get("action") not in ACTIONS:
            raise ValueError("a saved intent is malformed")
        patterns = []
        for pattern in _list(item.get("patterns", [])):
            source, flags, required = pattern
            patterns.append(IntentPattern(_string(source), int(flags), _strings(required)))
        priority = item.get("priority", 0)
        if not isinstance(priority, int):
            raise ValueError("a saved intent's priority is not a number")
        intents.append(
            Intent(
                name=_string(item.get("name")),
                action=item["action"],
                examples=_strings(item.get("examples", [])),
                patterns=tuple(patterns),
                responses=_strings(item.get("responses", [])),
                suggestions=_strings(item.get("suggestions", [])),
                fields=_strings(item.get("fields", [])),
                kind=_string(item.get("kind", "")),
                by=_string(item.get("by", "")),
                priority=priority,
                source=_string(item.get("source", "")),
            )
        )
    return intents


# -- the whole engine -----------------------------------------------------------------------
@dataclass
class SavedEngine:
    """Everything a saved engine holds, made of arrays (views into the store when loaded)."""

    documents: list[SavedDocument]
    index: IndexArrays
    paragraphs: ParagraphColumns
    lexicon: Lexicon
    intents: list[Intent]
    keys: dict[str, str]
    rows: dict[str, Rows] = field(default_factory=dict)  # further arrays, see the module
    row_kinds: dict[str, str] = field(default_factory=dict)  # name -> "entry" | "owner:NAME"
    names: Sequence[Names] | None = None  # per document (bot.core.names), when saved
    shared: dict[str, Array] = field(default_factory=dict)  # arrays of no one row (centroids)
    # The names as saved (read from a store, or joined from its rows and the new documents'):
    # made from `names` when None.
    names_rows: NamesRows | None = None

    def files(self) -> tuple[dict[str, Rows], dict[str, Any], dict[str, Any]]:
        """(arrays, JSON documents, meta) for bot.loading.store.write."""
        arrays: dict[str, Rows] = {**self.index.named(), **self.paragraphs.named()}
        arrays.update({f"rows_{name}": array for name, array in self.rows.items()})
        arrays.update({f"shared_{name}": array for name, array in self.shared.items()})
        if self.names is not None:
            rows = self.names_rows if self.names_rows is not None else NamesRows.of(self.names)
            arrays.update(rows.named())
        documents = {
            "documents": documents_to_json(self.documents),
            "tables": {k: list(v) for k, v in self.index.tables().items()},
            "lexicon": lexicon_to_json(self.lexicon),
            "intents": intents_to_json(self.intents),
        }
        meta = {
            "keys": dict(self.keys),
            "rows": dict(self.row_kinds),
            "shared": sorted(self.shared),
        }
        return arrays, documents, meta

    @classmethod
    def from_store(cls, stored: Stored) -> SavedEngine:
        """ValueError when the store's content does not fit together."""
        keys = stored.meta.get("keys")
        row_kinds = stored.meta.get("rows", {})
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise ValueError("the manifest has no keys")
        if not isinstance(row_kinds, dict) or not all(
            isinstance(v, str) and _ROWS.fullmatch(v) for v in row_kinds.values()
        ):
            raise ValueError("the manifest's rows are malformed")
        try:
            tables = stored.documents["tables"]
            documents = documents_from_json(stored.documents["documents"])
            lexicon = lexicon_from_json(stored.documents["lexicon"])
            intents = intents_from_json(stored.documents["intents"])
            named = stored.named()
            names_rows = (
                NamesRows.from_named(named, len(documents)) if "names_start" in named else None
            )
            names = LazyList(names_rows.names_or_none) if names_rows is not None else None
        except KeyError as missing:
            raise ValueError(f"the store has no {missing}") from None
        except (TypeError, re.error) as error:
            raise ValueError(f"the store's JSON is malformed: {error}") from None
        if not isinstance(tables, dict):
            raise ValueError("tables.json is not an object")
        index = IndexArrays.from_named(
            stored.arrays, {k: _strings(tables.get(k, [])) for k in ("stems", "words")}
        )
        counts = [d.paragraphs for d in documents]
        if index.documents != len(documents) or counts != np.diff(index.doc_start).tolist():
            raise ValueError("documents.json and the index disagree on the paragraphs")
        paragraphs = ParagraphColumns.from_named(named, index.entries)
        rows = {n: named.get(f"rows_{n}") for n in row_kinds}
        missing_rows = [n for n, a in rows.items() if a is None]
        if missing_rows:
            raise ValueError(f"row arrays {missing_rows} are missing")
        shared_names = stored.meta.get("shared", [])
        if not isinstance(shared_names, list) or not all(
            isinstance(n, str) and f"shared_{n}" in stored.arrays for n in shared_names
        ):
            raise ValueError("the manifest's shared arrays are malformed or missing")
        saved = cls(
            documents,
            index,
            paragraphs,
            lexicon,
            intents,
            dict(keys),
            {n: a for n, a in rows.items() if a is not None},
            dict(row_kinds),
            names,
            {n: stored.arrays[f"shared_{n}"] for n in shared_names},
            names_rows,
        )
        saved.check_rows()
        return saved

    def mapped(self, stored: Stored) -> SavedEngine:
        """The same engine over the arrays of the store it was just written to (memory-mapped:
        a build then keeps no more memory than a start from the saved engine would)."""
        index = IndexArrays.from_named(stored.arrays, self.index.tables())
        named = stored.named()
        names_rows = (
            NamesRows.from_named(named, len(self.documents)) if self.names is not None else None
        )
        mapped = replace(
            self,
            index=index,
            paragraphs=ParagraphColumns.from_named(named, index.entries),
            rows={n: _found(named.get(f"rows_{n}"), n) for n in self.row_kinds},
            shared={n: stored.arrays[f"shared_{n}"] for n in self.shared},
            names_rows=names_rows,
        )
        if isinstance(self.names, LazyList) and names_rows is not None:
            mapped.names = LazyList(names_rows.names_or_none)  # read from the store, if read
        mapped.check_rows()
        return mapped

    def check_rows(self) -> None:
        entries = self.index.entries
        for name, kind in self.row_kinds.items():
            array = self.rows[name]
            if kind == "entry":
                if array.ndim < 1 or len(array) != entries:
                    raise ValueError(f"row array {name} does not have one row per paragraph")
                continue
            owner = self.rows.get(kind.removeprefix("owner:"))
            if not isinstance(owner, np.ndarray) or owner.ndim != 1 or len(array) != len(owner):
                raise ValueError(f"row array {name} does not match its owner array")
            if len(owner) and (
                int(owner[0]) < 0 or int(owner[-1]) >= entries or np.any(np.diff(owner) < 0)
            ):
                raise ValueError(f"owner array of {name} is not sorted within the paragraphs")

    def owner(self, name: str) -> Array:
        """An owner array (entry ids, sorted): plain, never segmented."""
        owner = self.rows.get(name)
        if not isinstance(owner, np.ndarray):
            raise ValueError(f"owner array {name} is missing or segmented")
        return owner

    def slice(self, first: int, stop: int) -> Slice:
        """Documents first..stop-1, to be joined with others into a new engine."""
        e0 = int(self.index.doc_start[first])
        e1 = int(self.index.doc_start[stop])
        rows: dict[str, Rows] = {}
        for name, kind in self.row_kinds.items():
            if kind == "entry":
                rows[name] = self.rows[name][e0:e1]
                continue
            owned_by = kind.removeprefix("owner:")
            owner = self.owner(owned_by)
            a, b = (int(n) for n in np.searchsorted(owner, [e0, e1]))
            if name == owned_by:
                rows[name] = (owner[a:b] - e0).astype(owner.dtype)  # owners from 0
            else:
                rows[name] = self.rows[name][a:b]
        return Slice(
            documents=self.documents[first:stop],
            kinds=self.index.kinds[e0:e1],
            numbers=self.index.numbers[e0:e1],
            doc_start=self.index.doc_start[first : stop + 1] - e0,
            paragraphs=self.paragraphs.slice(e0, e1),
            rows=rows,
        )


@dataclass(frozen=True, slots=True)
class Slice:
    """Consecutive documents with what is kept of them per paragraph (the index is merged
    separately, see bot.core.postings.update), entries numbered from 0: a saved engine's
    unchanged documents, or new ones just parsed."""

    documents: Sequence[SavedDocument]
    kinds: npt.NDArray[np.int8]
    numbers: npt.NDArray[np.int32]
    doc_start: npt.NDArray[np.int64]  # per document (+1)
    paragraphs: ParagraphColumns
    rows: Mapping[str, Rows]

    @property
    def entries(self) -> int:
        return len(self.kinds)


def join_rows(
    slices: MutableSequence[Slice],
    row_kinds: Mapping[str, str],
    *,
    segmented: Collection[str] = (),
    release: bool = False,
) -> dict[str, Rows]:
    """The slices' row arrays end to end, owner ids renumbered, each written once into an
    array of its final size; a `segmented` one is joined as pieces (bot.loading.segments):
    a saved engine's segments stay where they are, and each run of new documents' rows is
    copied into one array. With `release`, each slice is replaced by one without rows as soon
    as they are copied, so the arrays they were cut from (a batch of new documents' vectors)
    are freed while the joined ones fill, not after."""
    if not row_kinds:
        return {}
    owners = {k.removeprefix("owner:") for k in row_kinds.values() if k != "entry"}
    joined: dict[str, Rows] = {}
    pieces: dict[str, list[Segmented]] = {}
    # Per array and slice: the array its rows are copied into, and where (None: kept as is).
    places: dict[str, list[tuple[Array, int] | None]] = {}
    for name in row_kinds:
        parts = [s.rows[name] for s in slices]
        if not parts:
            joined[name] = np.zeros(0)
            continue
        places[name] = []
        if name not in segmented:
            joined[name] = _filled_by(_plain(parts, name), places[name])
            continue
        pieces[name] = []
        position = 0
        while position < len(parts):
            part = parts[position]
            if isinstance(part, Segmented):
                pieces[name].append(part)
                places[name].append(None)
                position += 1
                continue
            stop = position
            while stop < len(parts) and not isinstance(parts[stop], Segmented):
                stop += 1
            run = _filled_by(_plain(parts[position:stop], name), places[name])
            pieces[name].append(Segmented.new(run))
            position = stop
    offset = 0
    for position, piece in enumerate(slices):
        for name in places:
            place = places[name][position]
            if place is None:
                continue
            part, (array, at) = piece.rows[name], place
            assert isinstance(part, np.ndarray)  # _plain checked it
            target = array[at : at + len(part)]
            if name in owners:
                np.add(part, part.dtype.type(offset), out=target, casting="unsafe")
            else:
                target[...] = part
        offset += piece.entries
        if release:
            slices[position] = replace(piece, rows={})
            if position % RELEASE_EVERY == RELEASE_EVERY - 1:
                release_memory()
    for name, found in pieces.items():
        joined[name] = Segmented.join(found)
    return joined


def _plain(parts: Sequence[Rows], name: str) -> list[Array]:
    plain = [p for p in parts if isinstance(p, np.ndarray)]
    if len(plain) != len(parts):
        raise ValueError(f"row array {name} is segmented")
    return plain


def _filled_by(parts: Sequence[Array], places: list[tuple[Array, int] | None]) -> Array:
    """An empty array for the parts end to end; each part's place in it goes to `places`."""
    array = np.empty(
        (sum(len(p) for p in parts), *parts[0].shape[1:]), dtype=np.result_type(*parts)
    )
    at = 0
    for part in parts:
        places.append((array, at))
        at += len(part)
    return array


def lazy_documents(
    saved: SavedEngine, knowledge_dir: Path, *, kept: int = DOCUMENTS_KEPT
) -> list[Document]:
    """The documents of a saved engine; each one's paragraphs are made on first use."""
    index = saved.index
    starts = index.doc_start.tolist()
    made: BoundedCache[int, tuple[Paragraph, ...]] = BoundedCache(kept)
    # Paragraphs made alone, by row: a search's hits are one paragraph each of up to 30
    # documents, and making each whole document cost most of a query at 10,000 resolutions.
    alone: BoundedCache[int, Paragraph] = BoundedCache(kept * PARAGRAPHS_ALONE)

    def reader(position: int) -> LazyParagraphs:
        def load() -> tuple[Paragraph, ...]:
            found = made.get(position)
            if found is None:
                first, stop = starts[position], starts[position + 1]
                found = saved.paragraphs.paragraphs(first, stop, index.kinds, index.numbers)
                made.put(position, found)
            return found

        def one(offset: int) -> Paragraph:
            whole = made.get(position)
            if whole is not None:
                return whole[offset]
            row = starts[position] + offset
            found = alone.get(row)
            if found is None:
                found = saved.paragraphs.paragraphs(row, row + 1, index.kinds, index.numbers)[0]
                alone.put(row, found)
            return found

        return LazyParagraphs(starts[position + 1] - starts[position], load, one)

    folder = str(knowledge_dir)  # os.path: 10,000 pathlib joins cost a tenth of a second
    return [
        d.document(os.path.join(folder, d.file), reader(i)) for i, d in enumerate(saved.documents)
    ]


# -- helpers --------------------------------------------------------------------------------
def _found(rows: Rows | None, name: str) -> Rows:
    if rows is None:
        raise ValueError(f"row array {name} is missing")
    return rows


def _starts(sizes: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return starts


def _joined(parts: Sequence[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    return _starts(np.concatenate([np.diff(p) for p in parts]))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list in the saved engine")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string in the saved engine")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    found = tuple(_list(value))
    if not all(type(v) is str for v in found):
        raise ValueError("expected a string in the saved engine")
    return found
