"""Postings made per document and merged into the index's arrays with numpy.

A document's postings (`document_postings`) say, for each of its paragraphs, how often each
stem occurs, how long the paragraph is in stems and which stems stand side by side, plus the
document's distinct words, over the document's own vocabulary (or one a full build shares).
`update` turns a saved index and a placement of documents (saved ones kept, new ones added,
the rest dropped) into the new index by vectorised operations only: ids are renumbered by
monotonic maps, so the saved rows stay sorted and the new postings are merged in by binary
search; nothing is sorted but the new documents' own postings. A full build is the update of
an empty index. The arrays depend on the documents alone, not on how they arrived: adding one
resolution to 10,000 reads that one and gives the arrays a full build would.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.analysis import Analyzer
from bot.core.models import Document, Paragraph
from bot.core.text import words

BM25_K1 = 1.2
BM25_B = 0.6
ANCHOR_WORDS = 40
KIND_CODES = {"pp": 0, "op": 1, "ax": 2, "fn": 3}
KINDS = ("pp", "op", "ax", "fn")  # by code

Ints = npt.NDArray[np.int32]
Longs = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]
Codes = npt.NDArray[np.int8]


class _Counted:
    """The counts both kinds of postings derive from their per-document starts and
    per-entry lengths."""

    __slots__ = ()
    doc_start: Longs
    lengths: Ints

    @property
    def documents(self) -> int:
        return len(self.doc_start) - 1

    @property
    def entries(self) -> int:
        return len(self.lengths)


@dataclass(frozen=True, slots=True)
class Run(_Counted):
    """The postings of consecutive documents over one vocabulary, entries (paragraphs)
    numbered from 0. Rows are compressed: entry e's terms are terms[term_start[e]:
    term_start[e + 1]], document d's entries doc_start[d]:doc_start[d + 1]."""

    stems: Sequence[str]  # what term ids refer to
    words: Sequence[str]  # what word ids refer to
    doc_start: Longs  # per document (+1)
    kinds: Codes  # per entry: KIND_CODES
    numbers: Ints  # per entry: the paragraph's number
    lengths: Ints  # per entry: stems (the BM25 length)
    term_start: Longs  # per entry (+1)
    terms: Ints  # distinct stems of each entry
    counts: Ints  # their occurrences
    pair_start: Longs  # per entry (+1)
    pair_first: Ints  # distinct adjacent stem pairs of each entry
    pair_second: Ints
    word_start: Longs  # per document (+1)
    word_ids: Ints  # distinct words of each document (typo correction draws on them)


@dataclass(frozen=True, slots=True)
class IndexArrays(_Counted):
    """Everything the index keeps, as arrays: per document its entries and distinct words,
    per entry its kind, number and length, and term-major rows (postings with their counts
    and BM25 term-frequency factors; adjacent-pair keys with their entries)."""

    stems: Sequence[str]  # sorted: the vocabulary, term id = position
    words: Sequence[str]  # sorted: every distinct word (typo correction draws on them)
    doc_start: Longs  # per document (+1): its entries
    kinds: Codes  # per entry: KIND_CODES
    numbers: Ints  # per entry
    lengths: Ints  # per entry: stems (the BM25 length)
    word_start: Longs  # per document (+1): its distinct words
    word_ids: Ints
    post_start: Longs  # per term (+1): post_ids[post_start[t]:post_start[t + 1]], sorted
    post_ids: Ints
    post_counts: Ints  # occurrences of the term in the entry
    post_values: Floats  # BM25 term-frequency factor of each posting
    pair_keys: Longs  # sorted first << 32 | second
    pair_key_start: Longs  # per key (+1)
    pair_ids: Ints  # entries holding the pair, sorted per key

    @classmethod
    def empty(cls) -> IndexArrays:
        none = np.zeros(0, dtype=np.int32)
        start = np.zeros(1, dtype=np.int64)
        return cls(
            stems=(),
            words=(),
            doc_start=start,
            kinds=np.zeros(0, dtype=np.int8),
            numbers=none,
            lengths=none,
            word_start=start,
            word_ids=none,
            post_start=start,
            post_ids=none,
            post_counts=none,
            post_values=np.zeros(0, dtype=np.float32),
            pair_keys=np.zeros(0, dtype=np.int64),
            pair_key_start=start,
            pair_ids=none,
        )

    def named(self) -> dict[str, npt.NDArray[Any]]:
        """Every array by name (the vocabulary and words are tables, see `tables`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in TABLES}

    def tables(self) -> dict[str, Sequence[str]]:
        return {"stems": self.stems, "words": self.words}

    @classmethod
    def from_named(
        cls, arrays: Mapping[str, npt.NDArray[Any]], tables: Mapping[str, Sequence[str]]
    ) -> IndexArrays:
        """The inverse of `named` and `tables`; raises ValueError when they do not fit."""
        try:
            values: dict[str, Any] = {
                f.name: arrays[f.name] for f in fields(cls) if f.name not in TABLES
            }
            made = cls(stems=tables["stems"], words=tables["words"], **values)
        except KeyError as missing:
            raise ValueError(f"index array {missing} is missing") from None
        made.check()
        return made

    def check(self) -> None:
        """Cheap consistency checks of a loaded index (sizes and bounds); ValueError if not."""
        entries, postings, pairs = self.entries, len(self.post_ids), len(self.pair_ids)
        expect: dict[str, tuple[npt.NDArray[Any], int]] = {
            "kinds": (self.kinds, entries),
            "numbers": (self.numbers, entries),
            "word_start": (self.word_start, self.documents + 1),
            "post_start": (self.post_start, len(self.stems) + 1),
            "post_counts": (self.post_counts, postings),
            "post_values": (self.post_values, postings),
            "pair_key_start": (self.pair_key_start, len(self.pair_keys) + 1),
        }
        for name, (array, size) in expect.items():
            if array.ndim != 1 or len(array) != size:
                raise ValueError(f"index array {name} has {array.shape}, expected ({size},)")
        for name, starts, total in (
            ("doc_start", self.doc_start, entries),
            ("word_start", self.word_start, len(self.word_ids)),
            ("post_start", self.post_start, postings),
            ("pair_key_start", self.pair_key_start, pairs),
        ):
            if len(starts) == 0 or starts[0] != 0 or starts[-1] != total:
                raise ValueError(f"index array {name} does not cover its rows")
            if len(starts) > 1 and int(np.diff(starts).min()) < 0:
                raise ValueError(f"index array {name} goes backwards")
        for name, ids, bound in (
            ("kinds", self.kinds, len(KINDS)),
            ("word_ids", self.word_ids, len(self.words)),
            ("post_ids", self.post_ids, entries),
            ("pair_ids", self.pair_ids, entries),
        ):
            if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= bound):
                raise ValueError(f"index array {name} points outside its table")
        if len(self.pair_keys) and (
            int(self.pair_keys.min()) < 0 or int(self.pair_keys.max() >> 32) >= len(self.stems)
        ):
            raise ValueError("index array pair_keys points outside the vocabulary")


TABLES = frozenset({"stems", "words"})


# -- one document ---------------------------------------------------------------------------
class Tables:
    """The stems and words met so far, with ids in order of first sight, and each word's stem
    id (-1 for a stopword), so a word is stemmed once per build. A full build shares one
    between its documents; a document built alone has its own."""

    __slots__ = ("_analyzer", "stem_ids", "stem_of", "stems", "word_ids", "words")

    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self.stem_ids: dict[str, int] = {}
        self.stems: list[str] = []
        self.word_ids: dict[str, int] = {}
        self.words: list[str] = []
        self.stem_of: dict[str, int] = {}  # word -> stem id, -1: a stopword

    def learn(self, found: Iterable[str]) -> None:
        """Give ids to the new words of `found` and to their stems."""
        stopwords = self._analyzer.lexicon.stopwords
        stem = self._analyzer.stemmer.stem
        for word in set(found).difference(self.word_ids):
            self.word_ids[word] = len(self.words)
            self.words.append(word)
            if word in stopwords:
                self.stem_of[word] = -1
                continue
            root = stem(word)
            found_id = self.stem_ids.get(root)
            if found_id is None:
                found_id = self.stem_ids[root] = len(self.stems)
                self.stems.append(root)
            self.stem_of[word] = found_id


def document_postings(document: Document, analyzer: Analyzer, tables: Tables | None = None) -> Run:
    """One document's postings, over the given tables (its own when None)."""
    tables = tables if tables is not None else Tables(analyzer)
    stem_of = tables.stem_of.__getitem__
    seen: dict[str, None] = {}
    kinds: list[int] = []
    numbers: list[int] = []
    lengths: list[int] = []
    term_sizes: list[int] = []
    terms: list[int] = []
    counts: list[int] = []
    pair_sizes: list[int] = []
    pair_keys: list[int] = []  # first << 32 | second
    for paragraph in document.paragraphs:
        text = paragraph.text
        if paragraph.kind == "fn":
            text = " ".join([text, *anchor_contexts(document, paragraph)])
        found = words(text)
        tables.learn(found)
        seen.update(dict.fromkeys(found))
        ids = [i for i in map(stem_of, found) if i >= 0]
        kinds.append(KIND_CODES[paragraph.kind])
        numbers.append(paragraph.number)
        lengths.append(len(ids))
        counted = Counter(ids)
        term_sizes.append(len(counted))
        terms.extend(counted)
        counts.extend(counted.values())
        pairs = sorted({a << 32 | b for a, b in itertools.pairwise(ids)})
        pair_sizes.append(len(pairs))
        pair_keys.extend(pairs)
    keys = np.array(pair_keys, dtype=np.int64)
    return Run(
        stems=tables.stems,
        words=tables.words,
        doc_start=np.array([0, len(lengths)], dtype=np.int64),
        kinds=np.array(kinds, dtype=np.int8),
        numbers=np.array(numbers, dtype=np.int32),
        lengths=np.array(lengths, dtype=np.int32),
        term_start=_starts(term_sizes),
        terms=np.array(terms, dtype=np.int32),
        counts=np.array(counts, dtype=np.int32),
        pair_start=_starts(pair_sizes),
        pair_first=(keys >> 32).astype(np.int32),
        pair_second=(keys & 0xFFFFFFFF).astype(np.int32),
        word_start=np.array([0, len(seen)], dtype=np.int64),
        word_ids=np.fromiter(map(tables.word_ids.__getitem__, seen), np.int32, len(seen)),
    )


def anchor_contexts(document: Document, footnote: Paragraph) -> list[str]:
    """The words just before each marker of this footnote in the paragraphs that cite it."""
    contexts: list[str] = []
    for paragraph_id in footnote.cited_by:
        paragraph = document.get(paragraph_id)
        if paragraph is None:
            continue
        for marker_id, offset in paragraph.markers:
            if marker_id == footnote.id:
                previous = max((o for _, o in paragraph.markers if o < offset), default=0)
                before = paragraph.text[previous:offset].split()
                contexts.append(" ".join(before[-ANCHOR_WORDS:]))
    return contexts


def build_arrays(
    documents: Iterable[Document],
    analyzer: Analyzer,
    progress: Callable[[int], None] | None = None,
) -> IndexArrays:
    """A full build: every document's postings, merged into an empty index."""
    tables = Tables(analyzer)
    runs = []
    for document in documents:
        runs.append(document_postings(document, analyzer, tables))
        if progress is not None:
            progress(1)
    return update(IndexArrays.empty(), runs)


# -- updating -------------------------------------------------------------------------------
Placement = Sequence["int | Run"]


def update(old: IndexArrays, placement: Placement) -> IndexArrays:
    """The index of the documents in `placement`, in its order: each is a saved document of
    `old` (its position there, in increasing order) or a new one's postings. The saved
    documents missing from it are dropped."""
    kept = [(p, item) for p, item in enumerate(placement) if isinstance(item, int)]
    fresh = [(p, item) for p, item in enumerate(placement) if isinstance(item, Run)]
    if any(b <= a for (_, a), (_, b) in itertools.pairwise(kept)):
        raise ValueError("saved documents must keep their order")
    old_sizes = np.diff(old.doc_start)
    sizes = np.array(
        [old_sizes[i] if isinstance(i, int) else i.entries for i in placement], dtype=np.int64
    )
    doc_start = _starts(sizes)
    doc_map = np.full(old.documents, -1, dtype=np.int64)
    doc_map[[i for _, i in kept]] = [p for p, _ in kept]
    entry_map = _row_map(old.doc_start, doc_map, doc_start)
    entries = int(doc_start[-1])

    kinds = np.zeros(entries, dtype=np.int8)
    numbers = np.zeros(entries, dtype=np.int32)
    lengths = np.zeros(entries, dtype=np.int32)
    alive = entry_map >= 0
    for target, source in ((kinds, old.kinds), (numbers, old.numbers), (lengths, old.lengths)):
        target[entry_map[alive]] = source[alive]
    for position, run in fresh:
        at = slice(int(doc_start[position]), int(doc_start[position + 1]))
        kinds[at], numbers[at], lengths[at] = run.kinds, run.numbers, run.lengths

    removed = len(kept) < old.documents

    # Postings. Saved rows are renumbered by monotonic maps (stems and entries alike), so they
    # stay sorted by (stem, entry) and the new documents' postings are merged in.
    term_sizes = np.diff(old.post_start)
    old_ids = entry_map[old.post_ids]
    old_counts = old.post_counts
    if removed:
        keep = old_ids >= 0
        owners = np.repeat(np.arange(len(old.stems), dtype=np.int32), term_sizes)[keep]
        term_sizes = np.bincount(owners, minlength=len(old.stems))
        old_ids, old_counts = old_ids[keep], old_counts[keep]
    stems, old_map, fresh_maps = _vocabulary(old.stems, term_sizes > 0, fresh, "stems", "terms")
    live = np.flatnonzero(term_sizes > 0)
    rows = np.repeat(old_map.astype(np.int64) << 32, term_sizes)
    rows |= old_ids
    sizes = np.zeros(len(stems), dtype=np.int64)
    sizes[old_map[live]] = term_sizes[live]
    new_rows, new_counts = [], []
    for (position, run), mapping in zip(fresh, fresh_maps, strict=True):
        owners = np.repeat(np.arange(run.entries, dtype=np.int64), np.diff(run.term_start))
        terms = mapping[run.terms]
        sizes += np.bincount(terms, minlength=len(stems))
        new_rows.append(terms.astype(np.int64) << 32 | (owners + doc_start[position]))
        new_counts.append(run.counts)
    merged, counts = _merge(rows, old_counts, new_rows, new_counts)
    post_ids = merged.astype(np.int32)  # the low 32 bits: the entry
    post_values = _bm25(counts, lengths, post_ids)

    # Pairs: rows keyed by (first, second) stem ids, merged by their ranks among the keys.
    key_sizes = np.diff(old.pair_key_start)
    pair_ids = entry_map[old.pair_ids]
    if removed:
        keep = pair_ids >= 0
        owners = np.repeat(np.arange(len(old.pair_keys), dtype=np.int32), key_sizes)[keep]
        key_sizes = np.bincount(owners, minlength=len(old.pair_keys))
        pair_ids = pair_ids[keep]
    in_use = key_sizes > 0
    renamed = _renamed_pairs(old.pair_keys[in_use], old_map)
    fresh_keys, fresh_entries = [], []
    for (position, run), mapping in zip(fresh, fresh_maps, strict=True):
        owners = np.repeat(np.arange(run.entries, dtype=np.int64), np.diff(run.pair_start))
        first, second = mapping[run.pair_first], mapping[run.pair_second]
        fresh_keys.append(first.astype(np.int64) << 32 | second)
        fresh_entries.append(owners + doc_start[position])
    keys = np.union1d(renamed, _concat(fresh_keys, np.int64))
    ranks = np.searchsorted(keys, renamed).astype(np.int64)
    pair_rows = np.repeat(ranks << 32, key_sizes[in_use])
    pair_rows |= pair_ids
    pair_sizes = np.zeros(len(keys), dtype=np.int64)
    pair_sizes[ranks] = key_sizes[in_use]
    added_rows = []
    for k, e in zip(fresh_keys, fresh_entries, strict=True):
        found = np.searchsorted(keys, k)
        pair_sizes += np.bincount(found, minlength=len(keys))
        added_rows.append(found.astype(np.int64) << 32 | e)
    pair_merged, _ = _merge(pair_rows, None, added_rows, None)

    # Words per document.
    owner = np.repeat(np.arange(old.documents, dtype=np.int64), np.diff(old.word_start))
    word_keep = doc_map[owner] >= 0
    words_used = np.bincount(old.word_ids[word_keep], minlength=len(old.words)) > 0
    words_table, word_map, fresh_word_maps = _vocabulary(
        old.words, words_used, fresh, "words", "word_ids"
    )
    old_word_sizes = np.diff(old.word_start)
    word_sizes = np.array(
        [old_word_sizes[i] if isinstance(i, int) else len(i.word_ids) for i in placement],
        dtype=np.int64,
    )
    word_start = _starts(word_sizes)
    word_ids = np.zeros(int(word_start[-1]), dtype=np.int32)
    word_targets = _row_map(old.word_start, doc_map, word_start)
    word_ids[word_targets[word_keep]] = word_map[old.word_ids[word_keep]]
    for (position, run), mapping in zip(fresh, fresh_word_maps, strict=True):
        word_ids[int(word_start[position]) : int(word_start[position + 1])] = mapping[run.word_ids]

    return IndexArrays(
        stems=stems,
        words=words_table,
        doc_start=doc_start,
        kinds=kinds,
        numbers=numbers,
        lengths=lengths,
        word_start=word_start,
        word_ids=word_ids,
        post_start=_starts(sizes),
        post_ids=post_ids,
        post_counts=counts,
        post_values=post_values,
        pair_keys=keys,
        pair_key_start=_starts(pair_sizes),
        pair_ids=pair_merged.astype(np.int32),
    )


def _row_map(old_start: Longs, doc_map: Longs, new_start: Longs) -> Ints:
    """Where each row of the old documents goes (-1: its document was dropped)."""
    shift = np.where(doc_map >= 0, new_start[np.maximum(doc_map, 0)] - old_start[:-1], -1)
    moved = np.repeat(shift, np.diff(old_start)) + np.arange(int(old_start[-1]))
    dropped = np.repeat(doc_map < 0, np.diff(old_start))
    moved[dropped] = -1
    return moved.astype(np.int32)


def _vocabulary(
    old: Sequence[str],
    old_used: npt.NDArray[np.bool_],
    fresh: Sequence[tuple[int, Run]],
    table: str,
    ids: str,
) -> tuple[tuple[str, ...], Ints, list[Ints]]:
    """The sorted union of the saved names still in use and the new runs' (runs may share a
    table), with the map of each to the union (-1: no longer used)."""
    kept_old = np.flatnonzero(old_used)
    names: set[str] = {old[i] for i in kept_old.tolist()}
    shared: dict[int, tuple[Sequence[str], npt.NDArray[np.bool_]]] = {}
    for _, run in fresh:
        own: Sequence[str] = getattr(run, table)
        _, flags = shared.setdefault(id(own), (own, np.zeros(len(own), dtype=bool)))
        flags[getattr(run, ids)] = True
    for own, flags in shared.values():
        names.update(own[i] for i in np.flatnonzero(flags).tolist())
    union = tuple(sorted(names))
    position = {name: i for i, name in enumerate(union)}
    old_map = np.full(len(old), -1, dtype=np.int32)
    old_map[kept_old] = np.fromiter(
        (position[old[i]] for i in kept_old.tolist()), dtype=np.int32, count=len(kept_old)
    )
    maps: dict[int, Ints] = {}
    for key, (own, flags) in shared.items():
        mapping = np.full(len(own), -1, dtype=np.int32)
        used = np.flatnonzero(flags)
        mapping[used] = np.fromiter(
            (position[own[i]] for i in used.tolist()), dtype=np.int32, count=len(used)
        )
        maps[key] = mapping
    return union, old_map, [maps[id(getattr(run, table))] for _, run in fresh]


def _merge(
    keys: Longs,
    values: Ints | None,
    new_keys: Sequence[Longs],
    new_values: Sequence[Ints] | None,
) -> tuple[Longs, Ints]:
    """Sorted unique keys (and their values) with further keys merged in: the new ones are
    sorted among themselves, then placed by binary search."""
    added = _concat(new_keys, np.int64)
    if not len(keys):  # a first build: the new keys sorted are the result
        if values is None:
            added.sort()
            return added, np.zeros(0, dtype=np.int32)
        if new_values is None:
            added.sort()
            return added, np.zeros(len(added), dtype=np.int32)
        order = np.argsort(added)
        return added[order], _concat(new_values, np.int32)[order]
    order = np.argsort(added)
    added = added[order]
    total = len(keys) + len(added)
    slots = np.searchsorted(keys, added) + np.arange(len(added))
    is_new = np.zeros(total, dtype=bool)
    is_new[slots] = True
    merged = np.empty(total, dtype=np.int64)
    merged[is_new] = added
    merged[~is_new] = keys
    out = np.zeros(total if values is not None else 0, dtype=np.int32)
    if values is not None and new_values is not None:
        out[is_new] = _concat(new_values, np.int32)[order]
        out[~is_new] = values
    return merged, out


def _renamed_pairs(keys: Longs, mapping: Ints) -> Longs:
    first = mapping[keys >> 32].astype(np.int64)
    second = mapping[keys & 0xFFFFFFFF].astype(np.int64)
    renamed: Longs = first << 32 | second
    return renamed


def _bm25(counts: Ints, lengths: Ints, ids: Ints) -> Floats:
    """tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average)), in float32, in place."""
    length = lengths.astype(np.float32)
    average = float(length.mean()) if len(length) else 1.0
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(average, 1.0))
    tf = counts.astype(np.float32)
    below = norm[ids]
    below += tf
    tf *= np.float32(BM25_K1 + 1)
    tf /= below
    return tf


def _starts(sizes: Sequence[int] | npt.NDArray[np.integer]) -> Longs:
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return starts


def _concat(parts: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)
