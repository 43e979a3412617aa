"""The domain lexicon: synonym groups, stopwords, generic question words, operative verbs.

It is data (knowledge/thesaurus.yaml); this module only gives it a typed shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Synonym groups (each a tuple of phrases that mean the same here) and word lists."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    stopwords: frozenset[str] = frozenset()
    question_words: frozenset[str] = frozenset()
    operative_verbs: tuple[str, ...] = ()
    source_cues: tuple[str, ...] = ()
    spelling: dict[str, str] = field(default_factory=dict)
    ignored_phrases: tuple[str, ...] = ()

    @property
    def ignorable(self) -> frozenset[str]:
        cues = frozenset(c for c in self.source_cues if " " not in c)
        return self.stopwords | self.question_words | cues
