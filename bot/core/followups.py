"""Follow-up handlers: what a message means against the conversation so far (the paragraph
some steps from another, its footnotes, the paragraph a footnote belongs to, the same topic
elsewhere in the resolution or in the other resolutions). The engine routes `followup`
intents here."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core import dialogue
from bot.core.analysis import Query
from bot.core.answers import lists as listing
from bot.core.answers import navigation, paragraphs
from bot.core.answers.compose import fallback_answer, quoted_answer, short_label, whole
from bot.core.intents import IntentMatch
from bot.core.models import Answer, ConversationState, Document, Paragraph
from bot.core.routing import Ask, Composed

if TYPE_CHECKING:
    from bot.core.engine import AnswerEngine


def followup(engine: AnswerEngine, ask: Ask, match: IntentMatch) -> Composed:
    document = engine.current(ask.state, ask.scope)
    current = document.get(ask.state.paragraph) if document and ask.state.paragraph else None
    topic, by = match.slots.get("topic"), match.intent.by
    if by == "others":
        return in_other_documents(engine, ask, match, document)
    if by == "elsewhere" and document is not None:
        return elsewhere(engine, ask, match, document)
    if topic and (by == "topic" or (by == "more" and current is None)):
        scope = ask.scope
        if document is not None and current is not None:  # stay in the resolution discussed
            scope = dialogue.Scope(engine.doc_index(document.symbol), False)
        return engine.answer_topic(Ask(topic, ask.state, scope), "topic")
    start = navigation.anchor(document, match.slots, current) if document else None
    if document is None or start is None:
        text = "We have not looked at a paragraph yet, so I cannot tell which one you mean."
        if ask.context_lost:
            text = (
                "I have lost track of our conversation, so I cannot tell which paragraph you "
                "mean. Please name it, for example “operative paragraph 12”."
            )
        return Composed(engine.fallback(match.intent.name, text, ask.state))
    return Composed(navigate(engine, match, document, start, ask))


def navigate(
    engine: AnswerEngine, match: IntentMatch, document: Document, current: Paragraph, ask: Ask
) -> Answer:
    name = match.intent.name
    suggestions = engine.document_suggestions(document)
    by = match.intent.by
    state = ask.state
    if by in {"next", "previous"}:
        step = navigation.step_count(match.slots) * (1 if by == "next" else -1)
        start = navigation.step_start(document, current, ask.text)
        return navigation.stepped_answer(name, document, start, step, suggestions)
    if by == "footnote":
        asked = set(engine.analyzer.text_stems(ask.text))

        def relevance(context: str) -> float:
            return float(len(asked & set(engine.analyzer.text_stems(context))))

        return navigation.footnotes_answer(name, document, current, suggestions, relevance)
    if by == "attached":
        footnote = navigation.footnote_in_view(document, current, state.cited)
        if footnote is None:
            text = "We have not looked at a footnote yet, so I cannot tell which one you mean."
            return engine.fallback(name, text, state)
        return navigation.attached_answer(name, document, footnote, suggestions)
    if by == "which":
        return quoted_answer(
            intent=name,
            confidence=1.0,
            lead=f"That was {short_label(current)} of {document.symbol}.",
            document=document,
            selections=[whole(current)],
            suggestions=suggestions,
        )
    return paragraphs.paragraph_answer(
        name,
        document,
        current,
        suggestions,
        lead=f"Here is {short_label(current)} of {document.symbol} in full:",
    )


def followup_topic(engine: AnswerEngine, match: IntentMatch, state: ConversationState) -> str:
    """What "is it mentioned anywhere else?" is about: the topic the message names, else
    the one searched last."""
    topic = match.slots.get("topic", "")
    return topic if not engine.index.query(topic).is_empty else state.topic


def elsewhere(engine: AnswerEngine, ask: Ask, match: IntentMatch, document: Document) -> Composed:
    """Other paragraphs of the resolution on the same topic as the last answer."""
    topic = followup_topic(engine, match, ask.state)
    if not topic:
        text = "Tell me what to look for: which topic do you mean?"
        return Composed(engine.fallback(match.intent.name, text, ask.state))
    listed = listing.list_by_topic(
        match.intent.name,
        document,
        engine.doc_index(document.symbol),
        topic,
        engine.index,
        engine.document_suggestions(document),
        exclude=frozenset(ask.state.cited),
    )
    if listed is None:
        about = " ".join(t.surface for t in engine.index.query(topic).terms)
        text = (
            f"No other paragraph of {document.symbol} deals with "
            f"{about or topic.strip(' ?.')}, as far as its words go."
        )
        answer = fallback_answer(
            match.intent.name, text, engine.document_suggestions(document), 0.7
        )
        return Composed(answer, topic=topic)
    return Composed(listed, topic=topic)


def mentioned_elsewhere(engine: AnswerEngine, query: Query, state: ConversationState) -> bool:
    """Whether other paragraphs of the resolution discussed deal with the topic (its query)
    too."""
    index = engine.doc_index(state.document)
    if index < 0:
        return False
    found, _ = listing.topic_hits(index, query, engine.index, exclude=frozenset(state.cited))
    return bool(found)


def in_other_documents(
    engine: AnswerEngine, ask: Ask, match: IntentMatch, document: Document | None
) -> Composed:
    """The same topic in the resolutions other than the one discussed."""
    topic = followup_topic(engine, match, ask.state)
    others = frozenset(range(len(engine.documents))) - (
        {engine.doc_index(document.symbol)} if document is not None else set()
    )
    if not topic or not others:
        text = "There is no other resolution loaded to look in."
        if not topic:
            text = "Tell me what to look for: which topic do you mean?"
        return Composed(engine.fallback(match.intent.name, text, ask.state))
    scope = dialogue.Scope(None, False, others)
    return engine.answer_topic(Ask(topic, replace(ask.state, document=""), scope), "topic")
