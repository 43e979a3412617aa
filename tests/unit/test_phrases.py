"""The paragraphs that may hold a phrase, from the postings (bot.core.phrases): never one
that holds it left out, and far fewer than all of them; the names found in messages are the
same as when every text is read."""

from __future__ import annotations

import random

from bot.core.analysis import Analyzer
from bot.core.index import ParagraphIndex
from bot.core.models import Document, Paragraph
from bot.core.names import words_of
from bot.core.phrases import PhraseLookup
from bot.core.references import DocumentReferences


def holding(index: ParagraphIndex, phrase: str) -> set[int]:
    """Every entry whose text holds the phrase, read one by one."""
    padded = f" {phrase} "
    return {e.id for e in index.entries if padded in f" {words_of(e.paragraph.text)} "}


def sampled_phrases(index: ParagraphIndex, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    phrases = []
    while len(phrases) < count:
        found = words_of(index.entry(rng.randrange(len(index.entries))).paragraph.text).split()
        if found:
            length = rng.randint(1, 5)
            start = rng.randrange(max(1, len(found) - length + 1))
            phrases.append(" ".join(found[start : start + length]))
    return phrases


def test_no_paragraph_that_holds_a_phrase_is_left_out(synthetic_index: ParagraphIndex) -> None:
    lookup = PhraseLookup(synthetic_index)
    looked_up = 0
    for phrase in sampled_phrases(synthetic_index, 400, seed=3):
        found = lookup.entries(phrase)
        if found is None:  # stopwords only: any paragraph may hold it
            continue
        assert holding(synthetic_index, phrase) <= set(found.tolist()), phrase
        looked_up += len(found)
    # Far fewer paragraphs to read than every one for each phrase.
    assert looked_up < 0.1 * 400 * len(synthetic_index.entries)


def test_a_number_the_index_keeps_joined_is_found_as_part_of_it(
    shipped_analyzer: Analyzer,
) -> None:
    paragraphs = (
        Paragraph("pp1", "pp", 1, "Recalling its resolution 70/1 of 25 September 2015,"),
        Paragraph("pp2", "pp", 2, "Recalling also the report of the Council,"),
        Paragraph("op1", "op", 1, "Decides to use the words and/or terms of the Council;"),
    )
    index = ParagraphIndex(
        [Document("A/RES/1/1", "1/1", "Title", paragraphs=paragraphs)], shipped_analyzer
    )
    lookup = PhraseLookup(index)
    for phrase, expected in (
        ("resolution 70 1", [0]),
        ("its resolution 70", [0]),
        ("1 of 25 september", [0]),
        ("words and or terms", [2]),
        ("report of the council", [1]),
        ("council resolution", []),
    ):
        found = lookup.entries(phrase)
        assert found is not None
        assert holding(index, phrase) == set(expected), phrase
        assert set(expected) <= set(found.tolist()), phrase
    assert lookup.entries("of the") is None


def test_names_found_in_messages_are_those_found_by_reading_every_text(six_engine) -> None:
    fast = six_engine.references
    assert fast.phrase_texts is not None
    slow = DocumentReferences(
        six_engine.documents,
        fast.stemmer,
        fast.stopwords,
        fast.synonyms,
        fast.aliases,
        fast.names,
    )
    messages = [
        "What does the Human Rights Council resolution say?",
        "the Vienna Declaration resolution",
        "what does the ICC resolution say about cooperation",
        "the resolution on outer space",
        "the human rights resolution from 2016",
        "the Cuba embargo resolution",
        "the General Assembly resolution on development",
        "the Rome Statute text",
        "the Economic and Social Council resolution",
        "in the international cooperation one",
        "the Committee on the Peaceful Uses of Outer Space resolution",
    ]
    for message in messages:
        assert fast.find(message) == slow.find(message), message
