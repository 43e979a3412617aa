"""bot.core.vectors: 8-bit codes score as the float vectors do, exact search finds the true
neighbours, and the IVF index (faiss filled from the arrays, or numpy) agrees with an exact
search over the lists it probes."""

from __future__ import annotations

import numpy as np
import pytest

from bot.core.vectors import IvfIndex, Quantizer, VectorTable


def sentence_like(rows: int, seed: int, dimension: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((40, dimension)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    vectors = topics[rng.integers(0, 40, rows)] + rng.standard_normal((rows, dimension)).astype(
        np.float32
    ) * np.float32(0.9 / np.sqrt(dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def test_codes_are_a_quarter_of_float32_and_score_within_a_hundredth() -> None:
    vectors = sentence_like(3000, 1)
    table = VectorTable.of(vectors)
    assert table.codes.dtype == np.uint8 and table.codes.nbytes * 4 == vectors.nbytes
    question = vectors[7]
    assert np.abs(table.scores(question) - vectors @ question).max() < 0.01
    decoded = table.quantizer.decode(table.codes)
    assert np.abs(decoded - vectors).max() <= table.quantizer.span.max() / 255


def test_a_quantizer_clips_what_it_was_not_fitted_on() -> None:
    quantizer = Quantizer.fit(np.array([[0.0, -1.0], [1.0, 1.0]], dtype=np.float32))
    codes = quantizer.encode(np.array([[2.0, -3.0]], dtype=np.float32))
    assert codes.tolist() == [[255, 0]]


def test_exact_search_finds_the_true_neighbours_and_can_be_restricted() -> None:
    vectors = sentence_like(5000, 2)
    table = VectorTable.of(vectors)
    for question in vectors[[3, 400, 4999]]:
        truth = set(np.argsort(-(vectors @ question))[:10])
        ids, scores = table.top(question, 10)
        assert len(truth & set(ids.tolist())) >= 9 and np.all(np.diff(scores) <= 0)
    rows = np.arange(100, 130)
    ids, _ = table.top(vectors[110], 5, rows)
    assert ids[0] == 110 and set(ids.tolist()) <= set(rows.tolist())


@pytest.mark.parametrize("backend", ["faiss", "numpy"])
def test_ivf_agrees_with_exact_search_over_its_probed_lists(backend: str) -> None:
    vectors = sentence_like(20_000, 3)
    table = VectorTable.of(vectors)
    ivf = IvfIndex.build(table, vectors, nlist=64, seed=1)
    if backend == "numpy":
        ivf._faiss = False  # as without faiss installed
    recall = []
    for question in vectors[[5, 500, 5000, 15000]]:
        ids, scores = ivf.search(table, question, 10)
        probed = np.argsort(-(ivf.centroids @ question))[: ivf.nprobe]
        rows = np.flatnonzero(np.isin(ivf.lists, probed))
        exact_ids, exact_scores = table.top(question, 10, rows)
        assert ids.tolist() == exact_ids.tolist()
        assert np.allclose(scores, exact_scores, atol=1e-5)
        truth = set(np.argsort(-(vectors @ question))[:10].tolist())
        recall.append(len(truth & set(ids.tolist())) / 10)
    assert np.mean(recall) >= 0.9


def test_new_rows_join_the_nearest_list_without_a_rebuild() -> None:
    vectors = sentence_like(4000, 4)
    table = VectorTable.of(vectors[:3900])
    ivf = IvfIndex.build(table, vectors[:3900], nlist=16)
    lists = np.concatenate([ivf.lists, ivf.assign(vectors[3900:])])
    grown = IvfIndex(ivf.centroids, lists)
    bigger = VectorTable(
        np.concatenate([table.codes, table.quantizer.encode(vectors[3900:])]), table.quantizer
    )
    ids, _ = grown.search(bigger, vectors[3950], 3)
    assert ids[0] == 3950
