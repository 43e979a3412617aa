"""Suggestions that follow the conversation: after a paragraph, the next one and its footnote
(or, after a footnote, the paragraph it belongs to); after a topic, the other paragraphs on it;
with several resolutions loaded, the same question in another one; then the general questions
the help intent lists for the document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.answers.compose import short_label
from bot.core.answers.paragraphs import neighbour
from bot.core.models import Answer, ConversationState, Document

MAX_SUGGESTIONS = 4


def conversation_suggestions(
    answer: Answer,
    document: Document | None,
    topic_words: str,
    other: Document | None,
    general: Sequence[str],
) -> tuple[str, ...]:
    """What to offer after this answer, whose first citation is of `document`: `topic_words`
    when other paragraphs deal with the topic too, `other` a resolution that answers the same
    question."""
    if answer.fallback or answer.choices or not answer.citations:
        return answer.suggestions
    primary = answer.citations[0]
    if document is None or document.symbol != primary.document:
        return answer.suggestions
    found: list[str] = []
    paragraph = document.get(primary.paragraph)
    if paragraph is not None and paragraph.kind == "fn":
        found.append("Which paragraph is that footnote attached to?")
    elif paragraph is not None:
        following = neighbour(document, paragraph.id, 1)
        if following is not None:
            found.append(f"What does {short_label(following)} say?")
        if paragraph.footnotes and not any(c.paragraph.startswith("fn") for c in answer.citations):
            found.append("Which footnote goes with it?")
    if topic_words and paragraph is not None and paragraph.kind != "fn":
        found.append(f"Is {topic_words} mentioned anywhere else?")
    if other is not None:
        found.append(f"And in resolution {other.number}?")
    found.extend(general)
    return tuple(dict.fromkeys(found))[:MAX_SUGGESTIONS]


def another_document(
    document: Document,
    state: ConversationState,
    documents: Sequence[Document],
    positions: Mapping[str, int],
) -> Document | None:
    """A resolution to ask the same question of: one discussed before, else the next loaded
    (`positions`: each loaded symbol's place in `documents`)."""
    for symbol in state.documents:
        if symbol != document.symbol and symbol in positions:
            return documents[positions[symbol]]
    if len(documents) < 2:
        return None
    return documents[(positions[document.symbol] + 1) % len(documents)]
