"""The paragraphs that may hold a phrase word for word, found from the index's postings
instead of by reading every text (at 10,000 resolutions reading them all took 15 s).

A phrase is words as bot.core.names.words_of gives them (folded, a possessive "'s" dropped).
The index keeps each paragraph's stems and the pairs of stems that stand side by side once
stopwords are left out, so a paragraph whose text holds the phrase holds each pair of its
consecutive stems (its stem, for a phrase of one): the entries holding all of them are a
superset of those that hold the phrase, and only their texts need reading. The index keeps
"70/1" or "and/or" as one word where a phrase has two; a phrase word that is part of such a
word is looked for as itself or as any of them, and no pair is asked of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from bot.core.index import Ints, ParagraphIndex, members
from bot.core.text import words


@dataclass
class PhraseLookup:
    """Candidate paragraphs for a phrase, from one index."""

    index: ParagraphIndex
    # A part of the index's joined words ("70" of "70/1") -> the stems of those words, made
    # when first needed.
    # None: a part of a joined stopword, which no posting holds.
    _joined: dict[str, frozenset[str] | None] | None = field(init=False, default=None)

    def prepare(self) -> None:
        """Find the parts of the joined words now rather than for the first phrase."""
        self._joined_parts()

    def texts(self, phrase: str) -> Iterator[str] | None:
        """The texts of the paragraphs that may hold the phrase, or None when it has no word
        the index looks up (any paragraph may)."""
        found = self.entries(phrase)
        if found is None:
            return None
        return (self.index.entry(i).paragraph.text for i in found.tolist())

    def entries(self, phrase: str) -> Ints | None:
        """The entries (sorted) that may hold the phrase, or None as for `texts`."""
        required = self._requirements(words(phrase))
        if not required:
            return None
        required.sort(key=len)
        found = required[0]
        for other in required[1:]:
            if not len(found):
                break
            found = found[members(found, other)]
        return found

    def _requirements(self, found: list[str]) -> list[Ints]:
        """The postings every paragraph holding the words in a row holds."""
        index = self.index
        stopwords = index.analyzer.lexicon.stopwords
        stem = index.analyzer.stemmer.stem
        joined = self._joined_parts()
        required: list[Ints] = []
        run: list[str] = []  # consecutive stems: side by side in the index's pairs
        for word in found:
            if word in joined:  # the index may keep it inside a longer word: no pair
                required += self._run(run)
                run = []
                others = joined[word]
                if word not in stopwords and others is not None:
                    stems = sorted({stem(word), *others})
                    required.append(_union([index.stem_entries(s) for s in stems]))
            elif word not in stopwords:
                run.append(stem(word))
        return required + self._run(run)

    def _run(self, stems: list[str]) -> list[Ints]:
        if len(stems) == 1:
            return [self.index.stem_entries(stems[0])]
        return [self.index.pair_entries(a, b) for a, b in itertools.pairwise(stems)]

    def _joined_parts(self) -> dict[str, frozenset[str] | None]:
        if self._joined is None:
            stopwords = self.index.analyzer.lexicon.stopwords
            stem = self.index.analyzer.stemmer.stem
            parts: dict[str, set[str] | None] = {}
            for word in self.index.arrays.words:
                if "/" not in word:
                    continue
                for part in word.split("/"):
                    stems = parts.setdefault(part, set())
                    if word in stopwords:  # in no posting: the part cannot be looked for
                        parts[part] = None
                    elif stems is not None:
                        stems.add(stem(word))
            self._joined = {p: None if s is None else frozenset(s) for p, s in parts.items()}
        return self._joined


def _union(parts: list[Ints]) -> Ints:
    if len(parts) == 1:
        return parts[0]
    return np.unique(np.concatenate(parts)).astype(np.int32)
