"""Whether an answer rests on its question: the paragraph it cites first holds the question's
key terms (or a thesaurus synonym of each). Checked where the answer was found by the
question's words (topics, lists by verb or topic); a paragraph asked for by number, a header
fact, an overview or a follow-up rests on the structure, not on words."""

from __future__ import annotations

from bot.core.analysis import Query
from bot.core.index import ParagraphIndex, anchor_contexts
from bot.core.intents import IntentMatch
from bot.core.models import Answer, Document
from bot.core.text import word_set

# Words that name a part of a resolution or a position in it, never a topic.
STRUCTURAL = word_set(
    """first second third fourth fifth last final next previous operative preambular preamble
    paragraph paragraphs para footnote footnotes note notes annex title symbol number
    resolution document text adopted"""
)
WORD_ACTIONS = frozenset({"retrieve", "list"})


def unsupported_terms(
    index: ParagraphIndex,
    query: Query,
    match: IntentMatch | None,
    document: Document | None,
    answer: Answer,
) -> tuple[str, ...]:
    """The key terms of the question that the answer's first cited paragraph lacks."""
    if answer.fallback or not answer.citations or document is None:
        return ()
    if match is not None and (
        match.intent.action not in WORD_ACTIONS or match.intent.by == "references"
    ):
        return ()
    primary = answer.citations[0]
    paragraph = document.get(primary.paragraph)
    if paragraph is None:
        return ()
    text = paragraph.text
    if paragraph.kind == "fn":
        text = " ".join([text, *anchor_contexts(document, paragraph)])
    stems = set(index.analyzer.text_stems(text))
    missing = []
    for term in query.terms:
        if term.surface.lower() in STRUCTURAL or term.surface.isdigit():
            continue
        if not any(all(s in stems for s in alt.stems) for alt in term.alternatives):
            missing.append(term.surface)
    return tuple(missing)
