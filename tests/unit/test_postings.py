"""bot.core.postings: an index updated document by document holds exactly the arrays a full
build of the same documents holds, whatever was added, changed, removed or moved."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.analysis import Analyzer
from bot.core.index import ParagraphIndex
from bot.core.lexicon import Lexicon
from bot.core.models import Document, Paragraph
from bot.core.postings import IndexArrays, Run, Tables, build_arrays, document_postings, update

WORDS = [
    "states",
    "urge",
    "cooperation",
    "human",
    "rights",
    "development",
    "climate",
    "change",
    "women",
    "children",
    "peace",
    "security",
    "assistance",
    "technical",
    "dialogue",
    "promote",
    "protect",
    "report",
    "secretary",
    "general",
    "session",
    "resolution",
    "assembly",
    "council",
    "education",
    "health",
    "water",
    "food",
    "migrants",
    "refugees",
]
ANALYZER = Analyzer(Lexicon(stopwords=frozenset({"the", "of", "and", "to"})))


def document(number: int, seed: int) -> Document:
    rng = random.Random(seed)
    paragraphs = []
    for kind, count in (("pp", rng.randint(1, 4)), ("op", rng.randint(1, 5))):
        for n in range(1, count + 1):
            text = " ".join(rng.choice([*WORDS, "the", "of"]) for _ in range(rng.randint(3, 25)))
            paragraphs.append(Paragraph(f"{kind}{n}", kind, n, text))  # type: ignore[arg-type]
    if rng.random() < 0.5:
        paragraphs.append(Paragraph("fn1", "fn", 1, f"A/{number}/{rng.randint(1, 99)} report"))
    return Document(f"A/RES/70/{number}", f"70/{number}", "Title", paragraphs=tuple(paragraphs))


def same(a: IndexArrays, b: IndexArrays) -> None:
    assert tuple(a.stems) == tuple(b.stems)
    assert tuple(a.words) == tuple(b.words)
    for name, array in a.named().items():
        other = b.named()[name]
        assert array.dtype == other.dtype, name
        assert np.array_equal(array, other), name


def full(documents: list[Document]) -> IndexArrays:
    return build_arrays(documents, ANALYZER)


def test_a_full_build_gives_the_index_its_search_needs() -> None:
    documents = [document(i, i) for i in range(1, 8)]
    arrays = full(documents)
    arrays.check()
    assert arrays.documents == 7
    assert arrays.entries == sum(len(d.paragraphs) for d in documents)
    assert list(arrays.stems) == sorted(set(arrays.stems))
    assert np.all(np.diff(arrays.pair_keys) > 0)
    index = ParagraphIndex(documents, ANALYZER, arrays)
    [hit, *_] = index.search(index.query("climate change"))
    assert {"climate", "change"} <= set(hit.paragraph.text.split())


def test_an_empty_update_is_empty() -> None:
    arrays = update(IndexArrays.empty(), [])
    arrays.check()
    assert arrays.documents == 0 and arrays.entries == 0 and len(arrays.pair_keys) == 0


@settings(max_examples=40, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=12, unique=True),
    data=st.data(),
)
def test_any_update_equals_a_full_build(seeds: list[int], data: st.DataObject) -> None:
    """Start from some documents, then keep a random ordered subset, add new ones at random
    places: the arrays are those of a full build of the result."""
    before = [document(s, s) for s in seeds]
    saved = full(before)
    kept = sorted(data.draw(st.sets(st.integers(0, len(before) - 1))))
    fresh_seeds = data.draw(st.lists(st.integers(10_001, 20_000), max_size=4, unique=True))
    placement: list[int | Run] = list(kept)
    after = [before[i] for i in kept]
    tables = Tables(ANALYZER)
    for seed in fresh_seeds:
        at = data.draw(st.integers(0, len(placement)))
        new = document(seed, seed)
        placement.insert(at, document_postings(new, ANALYZER, tables))
        after.insert(at, new)
    same(update(saved, placement), full(after))


def test_saved_documents_must_keep_their_order() -> None:
    saved = full([document(i, i) for i in range(1, 4)])
    try:
        update(saved, [1, 0, 2])
    except ValueError as error:
        assert "order" in str(error)
    else:
        raise AssertionError("a reordering was accepted")


def test_the_check_catches_arrays_that_do_not_fit() -> None:
    arrays = full([document(i, i) for i in range(1, 4)])
    named = dict(arrays.named())
    named["post_ids"] = named["post_ids"] + arrays.entries  # points past the entries
    try:
        IndexArrays.from_named(named, arrays.tables())
    except ValueError as error:
        assert "post_ids" in str(error)
    else:
        raise AssertionError("a post_ids array out of bounds was accepted")
