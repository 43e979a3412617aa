"""How much of a question each loaded resolution holds (bot.core.answers.topics), computed over
masks of documents: the same weights, and the same dominant document, as a loop over the
documents of each term's holders."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np

from bot.core.answers.topics import document_weights, dominant_document
from bot.core.index import ParagraphIndex, Query
from bot.core.names import words_of

DOMINANT_RATIO = 1.2


def holding(index: ParagraphIndex, stems: Sequence[str]) -> frozenset[int]:
    """The documents of the index's mask, as a set."""
    return frozenset(np.flatnonzero(index.document_mask(stems)).tolist())


def picked(index: ParagraphIndex, query: Query, documents: Sequence[int]) -> list[float]:
    weights: list[float] = document_weights(index, query)[np.asarray(documents)].tolist()
    return weights


def weights_by_loop(index: ParagraphIndex, query: Query, documents: Sequence[int]) -> list[float]:
    """The weights as a loop over documents and frozensets of holders."""
    count = len(index.documents)
    weights = [0.0] * len(documents)
    for term in query.terms:
        holders = frozenset().union(*(holding(index, a.stems) for a in term.alternatives))
        if not holders:
            continue
        weight = math.log(count / len(holders))
        for position, document in enumerate(documents):
            if document in holders:
                weights[position] += weight
    return weights


def dominant_by_sorting(index: ParagraphIndex, query: Query, rivals: Sequence[int]) -> int | None:
    if len(rivals) < 2 or not query.terms:
        return None
    weights = sorted(zip(weights_by_loop(index, query, rivals), rivals, strict=True), reverse=True)
    (best, document), (second, _) = weights[0], weights[1]
    return document if best > 0 and best >= DOMINANT_RATIO * second else None


def questions(index: ParagraphIndex, count: int, seed: int) -> list[str]:
    """Runs of 1-6 words of the corpus, some with a word of another paragraph or a typo."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        text = words_of(index.entry(rng.randrange(len(index.entries))).paragraph.text).split()
        length = rng.randint(1, 6)
        start = rng.randrange(max(1, len(text) - length + 1))
        words = text[start : start + length]
        if rng.random() < 0.3:
            words.append(rng.choice(["cuba", "embargo", "court", "space", "tuberculosis"]))
        if rng.random() < 0.2 and words and len(words[0]) > 4:
            words[0] = words[0][:-2] + words[0][-1] + words[0][-2]
        found.append(" ".join(words))
    return found


def test_weights_and_the_dominant_document_match_a_loop_over_documents(
    synthetic_index: ParagraphIndex,
) -> None:
    index = synthetic_index
    everyone = range(len(index.documents))
    dominant = 0
    for text in questions(index, 300, seed=11):
        query = index.query(text)
        assert picked(index, query, everyone) == weights_by_loop(index, query, everyone)
        some = [3, 17, 5, 31]
        assert picked(index, query, some) == weights_by_loop(index, query, some)
        found = dominant_document(index, query, everyone)
        assert found == dominant_by_sorting(index, query, everyone), text
        dominant += found is not None
    assert dominant  # the comparison saw questions with a dominant document


def test_a_document_mask_marks_the_documents_whose_paragraphs_hold_every_stem(
    synthetic_index: ParagraphIndex,
) -> None:
    index = synthetic_index
    for stems in (("right",), ("human", "right"), ("cooper", "nosuchstem"), ()):
        expected = {
            d
            for d in range(len(index.documents))
            if stems
            and all(
                any(
                    s in index.analyzer.text_stems(e.paragraph.text)
                    for e in index.document_entries(d)
                    if e.paragraph.kind != "fn"
                )
                for s in stems
            )
        }
        mask = index.document_mask(stems)
        assert set(np.flatnonzero(mask).tolist()) == expected
    assert document_weights(index, index.query("")).sum() == 0.0
