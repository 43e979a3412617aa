"""The words for the parts of a resolution, in one place: paragraph kinds (how a citation labels
them, how a reply names them, which words in a question ask for them) and the adverbs that
qualify a paragraph's lead verb ("Recalling also", "Further emphasizes")."""

from __future__ import annotations

import re

from bot.core.models import ParagraphKind
from bot.core.text import fold

# How a citation labels a paragraph: "A/RES/71/194, operative paragraph 12".
KIND_LABELS: dict[str, str] = {
    "pp": "preambular paragraph",
    "op": "operative paragraph",
    "fn": "footnote",
    "ax": "annex, paragraph",
}

# How a reply names a kind in a sentence: "it has 15 operative paragraphs".
KIND_NOUNS: dict[ParagraphKind, str] = {
    "op": "operative paragraph",
    "pp": "preambular paragraph",
    "fn": "footnote",
    "ax": "annex paragraph",
}

# Words in a question that name a kind ("paragraph 3 of the preamble", "footnote 2").
KIND_WORDS: dict[str, ParagraphKind] = {
    "operative": "op",
    "op": "op",
    "preambular": "pp",
    "preamble": "pp",
    "pp": "pp",
    "footnote": "fn",
    "note": "fn",
    "fn": "fn",
    "annex": "ax",
    "ax": "ax",
    "declaration": "ax",
}

# The parts a list question asks about ("in the preamble"), first match wins.
_PART_CUES: tuple[tuple[re.Pattern[str], tuple[ParagraphKind, ...]], ...] = (
    (re.compile(r"\bpreamb"), ("pp",)),
    (re.compile(r"\boperative\b"), ("op",)),
    (re.compile(r"\bannex|\bdeclaration\b"), ("ax",)),
)
ALL_PARTS: tuple[ParagraphKind, ...] = ("pp", "op", "ax")

# Adverbs that qualify a lead verb without changing it: "Recalling also", "Further
# emphasizes", "Once again urges", "Strongly condemns".
LEAD_ADVERBS = frozenset({"also", "further", "again", "once", "strongly"})
# Adverbs that intensify a lead ("Deeply concerned", "Firmly convinced").
LEAD_INTENSIFIERS = frozenset({"deeply", "seriously", "gravely", "firmly", "fully", "profoundly"})


def kind_of(word: str, default: ParagraphKind) -> ParagraphKind:
    """The kind a word names ("footnotes" -> fn), or `default`."""
    return KIND_WORDS.get(word.lower().rstrip("s"), KIND_WORDS.get(word.lower(), default))


def kinds_in(text: str) -> list[ParagraphKind]:
    """The parts of a resolution a question asks about; all of them when it names none."""
    folded = fold(text)
    for cue, kinds in _PART_CUES:
        if cue.search(folded):
            return list(kinds)
    return list(ALL_PARTS)
