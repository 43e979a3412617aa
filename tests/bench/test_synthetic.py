"""The synthetic corpus: deterministic, nested across sizes, and loadable by the real loader."""

from __future__ import annotations

from pathlib import Path

from bot.bench.synthetic import (
    material_from,
    resolution,
    session_words,
    superscript,
    write_corpus,
)
from bot.loading.documents import load_documents
from bot.loading.engine import load_engine
from tests.bench.conftest import INTENTS, KNOWLEDGE, SOURCES


def test_same_seed_same_corpus_and_smaller_sizes_are_prefixes() -> None:
    material = material_from(SOURCES)
    first = [resolution(material, i, seed=3) for i in range(20)]
    again = [resolution(material_from(SOURCES), i, seed=3) for i in range(20)]
    assert first == again
    assert resolution(material, 7, seed=4).text != first[7].text
    assert len({r.symbol for r in first}) == 20


def test_corpus_loads_through_the_real_loader_with_the_expected_ids(tmp_path: Path) -> None:
    written = write_corpus(
        material_from(SOURCES), 25, tmp_path, seed=11, thesaurus=KNOWLEDGE / "thesaurus.yaml"
    )
    documents, problems = load_documents(tmp_path)
    assert problems == []
    loaded = {d.symbol: tuple(p.id for p in d.paragraphs) for d in documents}
    assert loaded == {r.symbol: r.paragraph_ids for r in written}
    counts = [len(ids) for ids in loaded.values()]
    assert 20 <= sum(counts) / len(counts) <= 40
    footnotes = [p for d in documents for p in d.paragraphs if p.kind == "fn"]
    assert footnotes and all(p.cited_by for p in footnotes)
    engine = load_engine(tmp_path, INTENTS)
    assert len(engine.documents) == 25


def test_words_of_the_layout() -> None:
    assert session_words(40) == "Fortieth"
    assert session_words(71) == "Seventy-first"
    assert superscript(12) == "¹²"
