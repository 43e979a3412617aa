"""ParagraphIndex.search adds each term to its own entries only, and restricts a search to a
few documents by their entry ranges: the hits, scores and coverages are those of a search
that adds every term over every entry and masks the documents at the end."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.core import index as index_module
from bot.core.index import RANK_FLOOR, Hit, ParagraphIndex, Query
from bot.core.names import words_of
from bot.core.postings import KIND_CODES


def dense_search(
    index: ParagraphIndex,
    query: Query,
    *,
    k: int,
    documents: frozenset[int] | None = None,
    kind_boost: dict[str, float] | None = None,
    focus: dict[tuple[int, str], float] | None = None,
) -> list[tuple[int, float, float]]:
    """Every term over every entry, documents masked at the end: (entry, score, coverage)."""
    count = len(index.entries)
    weights = [index.term_weight(t) for t in query.terms]
    total = sum(weights) or 1.0
    scores = np.zeros(count, dtype=np.float32)
    covered = np.zeros(count, dtype=np.float32)
    best = np.zeros(count, dtype=np.float32)
    for term, weight in zip(query.terms, weights, strict=True):
        best.fill(0.0)
        cap = index._own_idf(term)
        for alternative in term.alternatives:
            found = index._alternative(alternative, cap)
            if found is not None:
                best[found[0]] = np.maximum(best[found[0]], found[1])
        scores += best
        covered += np.float32(weight) * (best > 0)
    if kind_boost:
        table = np.ones(len(KIND_CODES), dtype=np.float32)
        for kind, factor in kind_boost.items():
            table[KIND_CODES[kind]] = factor
        scores *= table[np.array([KIND_CODES[e.paragraph.kind] for e in index.entries])]
    for (document, paragraph_id), factor in (focus or {}).items():
        entry_id = index.find(document, paragraph_id)
        if entry_id is not None:
            scores[entry_id] *= factor
    if documents is not None:
        scores = np.where(index.entry_mask(documents), scores, np.float32(0))
    ranking = scores * (RANK_FLOOR + (1 - RANK_FLOOR) * covered / np.float32(total))
    order = sorted(
        (i for i in np.flatnonzero(scores > 0).tolist()),
        key=lambda i: (
            -float(ranking[i]),
            index.entries[i].document,
            KIND_CODES[index.entries[i].paragraph.kind],
            index.entries[i].paragraph.number,
            i,
        ),
    )
    return [(i, float(scores[i]), float(covered[i]) / total) for i in order[:k]]


def as_rows(hits: list[Hit]) -> list[tuple[int, float, float]]:
    return [(h.entry.id, h.score, h.coverage) for h in hits]


def questions(index: ParagraphIndex, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        text = words_of(index.entry(rng.randrange(len(index.entries))).paragraph.text).split()
        start = rng.randrange(max(1, len(text) - 3))
        words = text[start : start + rng.randint(1, 8)]
        if rng.random() < 0.3:
            words.append(rng.choice(["cooperation", "rights", "developing", "assistance"]))
        found.append(" ".join(words))
    return found


@pytest.mark.parametrize("spans", [64, 2])  # documents looked up by range, or masked
def test_a_search_finds_what_adding_every_term_everywhere_finds(
    synthetic_index: ParagraphIndex, monkeypatch: pytest.MonkeyPatch, spans: int
) -> None:
    monkeypatch.setattr(index_module, "MAX_SPANS", spans)
    index = synthetic_index
    rng = random.Random(5)
    dense_terms = 0
    for text in questions(index, 150, seed=spans):
        query = index.query(text)
        if query.is_empty:
            continue
        documents = frozenset(rng.sample(range(len(index.documents)), rng.choice([1, 3, 12])))
        boost = {"fn": 0.0, "op": 1.2}
        focus = {(next(iter(documents)), "op1"): 1.5}
        for options in (
            {},
            {"documents": documents},
            {"kind_boost": boost, "focus": focus},
            {"documents": documents, "kind_boost": boost},
        ):
            # Every hit (k as large as the corpus): no tie is cut at the k-th place.
            k = len(index.entries)
            expected = dense_search(index, query, k=k, **options)  # type: ignore[arg-type]
            assert as_rows(index.search(query, k=k, **options)) == expected, (text, options)
        dense_terms += any(
            index_module.DENSE_SHARE * len(index.stem_entries(s)) >= len(index.entries)
            for t in query.terms
            for a in t.alternatives
            for s in a.stems
        )
    assert dense_terms  # common terms took the path over every entry too


def test_the_paragraphs_holding_stems_are_those_whose_clauses_hold_them(multi_engine):
    # holding() reads the postings; a paragraph's clauses are stemmed from its text: the same
    # stems, for every stem of every paragraph of four resolutions, and for pairs of them.
    index = multi_engine.index
    rng = random.Random(7)
    for document in range(len(index.documents)):
        entries = index.document_entries(document)
        held = [frozenset().union(*(s for _, s in index.clauses(e))) for e in entries]
        for entry, stems in zip(entries, held, strict=True):
            if entry.paragraph.kind == "fn":
                continue  # a footnote's postings also hold the words its markers follow
            for stem in stems:
                expected = [stem in h for h in held]
                found = index.holding([stem], document).tolist()
                mismatched = [
                    i
                    for i, e in enumerate(entries)
                    if e.paragraph.kind != "fn" and found[i] != expected[i]
                ]
                assert not mismatched, (stem, mismatched)
            for pair in [rng.sample(sorted(stems), 2) for _ in range(3) if len(stems) > 1]:
                together = index.holding(pair, document)
                assert together[entries.index(entry)]
