"""AnswerEngine: text and conversation state in, Answer and next state out. Pure: no I/O."""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core import dialogue
from bot.core.answers import facts
from bot.core.answers import lists as listing
from bot.core.answers.compose import (
    cite,
    fallback_answer,
    plain_answer,
    quoted_answer,
    short_label,
    whole,
)
from bot.core.answers.topics import (
    FALLBACK_THRESHOLD,
    Retrieved,
    absent_verbs,
    clause_selection,
    companions,
    retrieve,
)
from bot.core.index import Analyzer, Hit, ParagraphIndex, Query
from bot.core.intents import Intent, IntentClassifier, IntentMatch
from bot.core.lexicon import Lexicon
from bot.core.models import Answer, ConversationState, Document, ParagraphKind, Turn

MAX_MESSAGE_CHARS = 2000
STAY_THRESHOLD = 0.5
MAX_CHOICES = 8


@dataclass(frozen=True, slots=True)
class Debug:
    """What /debug shows for the last answer."""

    intent: str
    how: str
    candidates: tuple[tuple[str, float, float], ...]
    terms: tuple[str, ...]
    corrections: tuple[str, ...]
    top: Hit | None = None
    query: Query | None = None

    def matched(self, index: ParagraphIndex) -> tuple[str, ...]:
        """The query terms the best paragraph matched (worked out only when asked)."""
        if self.top is None or self.query is None:
            return ()
        return index.matched(self.top, self.query)


class AnswerEngine:
    """Routes a message to an intent and composes the Answer from the documents."""

    def __init__(
        self,
        documents: Sequence[Document],
        intents: Sequence[Intent],
        lexicon: Lexicon,
        *,
        cache_size: int = 0,
    ) -> None:
        self.documents = tuple(documents)
        self.lexicon = lexicon
        self.analyzer = Analyzer(lexicon)
        self.index = ParagraphIndex(self.documents, self.analyzer)
        self.classifier = IntentClassifier(tuple(intents))
        self.intents = tuple(intents)
        self._by_name = {i.name: i for i in self.intents}
        self._numbers = {d.number.upper(): i for i, d in enumerate(self.documents)}
        self._symbols = {d.symbol: i for i, d in enumerate(self.documents)}
        stem = self.analyzer.stemmer.stem
        self._verb_stems = frozenset(stem(v.split()[0]) for v in lexicon.operative_verbs)
        self.last_debug: Debug | None = None
        self._cache = AnswerCache(cache_size)

    def set_cache_size(self, size: int) -> None:
        """Answers kept for repeated messages (0: none); the cache is not part of a snapshot."""
        self._cache = AnswerCache(size)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["last_debug"] = None
        state["_cache"] = AnswerCache(0)
        return state

    @property
    def intent_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.intents)

    # -- entry point ---------------------------------------------------------------------
    def reply(
        self, message: str, state: ConversationState | None = None, *, context_lost: bool = False
    ) -> Turn:
        """The Answer and the next state. `context_lost`: the sender's conversation could not
        be recalled (the caller's store lost or distrusted it), so a follow-up says that it
        cannot be resolved rather than that nothing was discussed yet."""
        state = state or ConversationState()
        text = " ".join(message.split())[:MAX_MESSAGE_CHARS]
        if not text or not re.search(r"\w", text):
            answer = self._fallback("empty", "I did not catch a question there.", state)
            return Turn(answer, state)
        chosen = dialogue.resolve_choice(text, state, self.documents)
        if chosen is not None:
            text = state.pending_question
            state = replace(state, document=chosen, pending_question="", pending_choices=())
            scope = dialogue.Scope(self._doc_index(chosen), explicit=True)
        else:
            state = replace(state, pending_question="", pending_choices=())
            scope = dialogue.scope_of(text, self._numbers)
        routed = text
        if scope.explicit and scope.document is not None:
            routed = dialogue.without_mention(text, self.documents[scope.document])
        key = (routed, scope.document, state.document, state.paragraph, context_lost)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._answer(routed, state, scope, context_lost)
            self._cache.put(key, cached)
        else:
            self.last_debug = None
        return Turn(cached, dialogue.next_state(state, cached, text))

    # -- routing -------------------------------------------------------------------------
    def _answer(
        self, text: str, state: ConversationState, scope: dialogue.Scope, context_lost: bool
    ) -> Answer:
        match = self.classifier.classify(text)
        self.last_debug = None
        if match is not None and match.intent.action == "template":
            return self._template(match, state, scope)  # small talk: no claim about the text
        return cited_or_fallback(self._route(text, match, state, scope, context_lost))

    def _route(
        self,
        text: str,
        match: IntentMatch | None,
        state: ConversationState,
        scope: dialogue.Scope,
        context_lost: bool,
    ) -> Answer:
        if match is None:
            return self._topic(text, state, scope, "topic")
        action = match.intent.action
        if action in {"fallback", "unsupported"}:
            return self._refuse(match, state, scope)
        if action == "retrieve":
            return self._topic(text, state, scope, match.intent.name)
        if action == "followup":
            return self._followup(text, match, state, scope, context_lost)
        document = self._current(state, scope)
        if document is None:
            return self._ask_which(text, match.intent.name, state)
        if action == "metadata":
            template = random_choice(match.intent.responses, text)
            return facts.metadata_answer(
                match.intent.name, document, template, self._suggestions(document)
            )
        if action == "overview":
            return facts.overview_answer(match.intent.name, document, self._suggestions(document))
        if action == "lookup":
            kind: ParagraphKind = _kind(match.intent.kind or "op")
            answer = facts.lookup_answer(
                match.intent.name, document, match.slots, kind, self._suggestions(document)
            )
            return answer or self._topic(text, state, scope, "topic")
        if action == "list":
            listed = self._list(text, match, document)
            return listed or self._topic(text, state, scope, "topic")
        return self._topic(text, state, scope, "topic")

    # -- topic retrieval -----------------------------------------------------------------
    def _topic(
        self, text: str, state: ConversationState, scope: dialogue.Scope, intent: str
    ) -> Answer:
        focus = dialogue.focus_of(text, state, self.documents, self._doc_index)
        retrieved = self._retrieve_in_context(text, state, scope, focus)
        hits = retrieved.hits
        self.last_debug = Debug(
            intent,
            "retrieval",
            tuple(
                (
                    f"{self.documents[h.entry.document].symbol} {h.paragraph.id}",
                    round(h.score, 3),
                    round(h.coverage, 3),
                )
                for h in hits[:5]
            ),
            tuple(t.surface for t in retrieved.query.terms),
            tuple(f"{t.surface}->{t.corrected}" for t in retrieved.query.terms if t.corrected),
            hits[0] if hits else None,
            retrieved.query,
        )
        absent = absent_verbs(self.index, retrieved.query, self._verb_stems)
        if absent:
            return self._verb_not_used(absent[0], state, scope)
        if not retrieved.hits or retrieved.confidence < FALLBACK_THRESHOLD:
            document = self._current(state, scope)
            where = document.symbol if document else "the loaded resolutions"
            return self._fallback(
                "fallback",
                f"I could not find that in the text of {where}, so I will not guess.",
                state,
                confidence=retrieved.confidence,
            )
        ambiguous = dialogue.ambiguous_documents(retrieved.hits, scope, state, self.documents)
        if ambiguous:
            return self._ask_which(text, intent, state, ambiguous)
        top = retrieved.hits[0]
        document = self.documents[top.entry.document]
        selections = [clause_selection(self.index, top.entry, retrieved.query)]
        for hit in companions(retrieved):
            selections.append(clause_selection(self.index, hit.entry, retrieved.query))
        lead = dialogue.topic_lead(document, top.paragraph)
        return quoted_answer(
            intent=intent,
            confidence=retrieved.confidence,
            lead=lead,
            document=document,
            selections=selections,
            suggestions=self._suggestions(document),
        )

    def _retrieve_in_context(
        self,
        text: str,
        state: ConversationState,
        scope: dialogue.Scope,
        focus: dict[tuple[int, str], float] | None,
    ) -> Retrieved:
        """Retrieval in the named document; else, in a conversation about one resolution,
        in that one while it answers well (always when the message points at it), and
        elsewhere only when another document answers well."""
        cues = self.lexicon.source_cues

        def search(documents: frozenset[int] | None) -> Retrieved:
            return retrieve(self.index, text, documents=documents, source_cues=cues, focus=focus)

        if scope.document is not None:
            return search(frozenset({scope.document}))
        current = self._doc_index(state.document) if state.document else -1
        if current < 0 or len(self.documents) == 1:
            return search(None)
        here = search(frozenset({current}))
        if here.confidence >= STAY_THRESHOLD or dialogue.points_at_document(text):
            return here
        anywhere = search(None)
        moved = bool(anywhere.hits) and anywhere.hits[0].entry.document != current
        return here if moved and anywhere.confidence < STAY_THRESHOLD else anywhere

    def _verb_not_used(self, verb: str, state: ConversationState, scope: dialogue.Scope) -> Answer:
        document = self._current(state, scope)
        if document is None:
            text = f"None of the loaded resolutions uses the verb “{verb}”."
        else:
            verbs = facts.document_fields(document)["operative_verbs"]
            text = (
                f"{document.symbol} does not use the verb “{verb}” anywhere in its text. "
                f"What its operative paragraphs do: {verbs}."
            )
        return self._fallback("verb_not_used", text, state)

    # -- lists ---------------------------------------------------------------------------
    def _list(self, text: str, match: IntentMatch, document: Document) -> Answer | None:
        by = match.intent.by
        kinds = dialogue.kinds_in(text)
        suggestions = self._suggestions(document)
        name = match.intent.name
        if by == "references":
            return listing.list_references(name, document, suggestions)
        if by in {"verb", "lead"} and match.slots.get("verb"):
            return listing.list_by_verb(
                name,
                document,
                match.slots["verb"],
                kinds,
                self.analyzer.stemmer,
                self.lexicon.operative_verbs,
                suggestions,
            )
        if by == "topic" and match.slots.get("topic"):
            return listing.list_by_topic(
                name,
                document,
                self._doc_index(document.symbol),
                match.slots["topic"],
                self.index,
                suggestions,
            )
        return None

    # -- follow-ups ----------------------------------------------------------------------
    def _followup(
        self,
        text: str,
        match: IntentMatch,
        state: ConversationState,
        scope: dialogue.Scope,
        context_lost: bool = False,
    ) -> Answer:
        name = match.intent.name
        document = self._current(state, scope)
        current = document.get(state.paragraph) if document and state.paragraph else None
        if document is None or current is None:
            if match.intent.by in {"more", "topic"} and match.slots.get("topic"):
                return self._topic(match.slots["topic"], state, scope, "topic")
            if context_lost:
                return self._fallback(
                    name,
                    "I have lost track of our conversation, so I cannot tell which paragraph "
                    "you mean. Please name it, for example “operative paragraph 12”.",
                    state,
                )
            return self._fallback(
                name,
                "We have not looked at a paragraph yet, so I cannot tell which one you mean.",
                state,
            )
        suggestions = self._suggestions(document)
        by = match.intent.by
        if by in {"next", "previous"}:
            step = 1 if by == "next" else -1
            target = facts.neighbour(document, current.id, step)
            if target is None:
                edge = "last" if step > 0 else "first"
                return plain_answer(
                    name,
                    f"{short_label(current).capitalize()} is the {edge} one of {document.symbol}.",
                    confidence=0.9,
                    citations=[cite(document, current.id)],
                    suggestions=suggestions,
                )
            return facts.paragraph_answer(name, document, target, suggestions)
        if by == "which":
            return quoted_answer(
                intent=name,
                confidence=1.0,
                lead=f"That was {short_label(current)} of {document.symbol}.",
                document=document,
                selections=[whole(current)],
                suggestions=suggestions,
            )
        if by == "topic" and match.slots.get("topic"):
            return self._topic(
                match.slots["topic"],
                state,
                dialogue.Scope(self._doc_index(document.symbol), False),
                "topic",
            )
        return facts.paragraph_answer(
            name,
            document,
            current,
            suggestions,
            lead=f"Here is {short_label(current)} of {document.symbol} in full:",
        )

    # -- small talk, refusals, fallbacks ---------------------------------------------------
    def _template(
        self, match: IntentMatch, state: ConversationState, scope: dialogue.Scope
    ) -> Answer:
        text, document = self._response(match, state, scope)
        suggestions = self._suggestions(document) if document else ()
        return plain_answer(match.intent.name, text, confidence=1.0, suggestions=suggestions)

    def _refuse(
        self, match: IntentMatch, state: ConversationState, scope: dialogue.Scope
    ) -> Answer:
        text, document = self._response(match, state, scope)
        return fallback_answer(match.intent.name, text, self._suggestions(document))

    def _response(
        self, match: IntentMatch, state: ConversationState, scope: dialogue.Scope
    ) -> tuple[str, Document | None]:
        """One of the intent's responses, filled with the current document's fields (the
        first document when the conversation has none) and the loaded symbols."""
        document = self._current(state, scope) or (self.documents[0] if self.documents else None)
        values = facts.document_fields(document) if document else {}
        values["documents"] = ", ".join(d.symbol for d in self.documents)
        template = random_choice(match.intent.responses, match.intent.name)
        return facts.fill(template, values), document

    def _fallback(
        self, intent: str, text: str, state: ConversationState, confidence: float = 0.0
    ) -> Answer:
        document = self._current(state, dialogue.Scope(None, False))
        return fallback_answer(intent, text, self._suggestions(document), confidence)

    def _ask_which(
        self,
        text: str,
        intent: str,
        state: ConversationState,
        candidates: Sequence[int] | None = None,
    ) -> Answer:
        indexes = list(candidates)[:MAX_CHOICES] if candidates else list(range(len(self.documents)))
        if len(indexes) > MAX_CHOICES:
            example = self.documents[indexes[0]].number
            return plain_answer(
                "clarify",
                f"Which resolution do you mean? {len(indexes)} are loaded: name one, "
                f"for example “in resolution {example}, …”.",
                confidence=0.5,
            )
        choices = [self.documents[i].symbol for i in indexes]
        lines = [
            f"{n}. {self.documents[i].symbol}: {self.documents[i].title}"
            for n, i in enumerate(indexes, start=1)
        ]
        answer = plain_answer(
            "clarify",
            "Which resolution do you mean? Answer with a number:\n" + "\n".join(lines),
            confidence=0.5,
            choices=choices,
        )
        return replace(answer, fallback=False, suggestions=tuple(choices))

    def _suggestions(self, document: Document | None) -> tuple[str, ...]:
        return dialogue.suggestions_for(document, self._by_name.get("help"))

    # -- helpers ---------------------------------------------------------------------------
    def _doc_index(self, symbol: str) -> int:
        return self._symbols.get(symbol, -1)

    def _current(self, state: ConversationState, scope: dialogue.Scope) -> Document | None:
        if scope.document is not None:
            return self.documents[scope.document]
        index = self._doc_index(state.document) if state.document else -1
        if index >= 0:
            return self.documents[index]
        return self.documents[0] if len(self.documents) == 1 else None


CacheKey = tuple[str, int | None, str, str, bool]


class AnswerCache:
    """Answers by message and the context they depend on, least recently used first out.
    The engine is deterministic, so a cached Answer is the Answer; size 0 turns it off."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[CacheKey, Answer] = OrderedDict()

    def get(self, key: CacheKey) -> Answer | None:
        if not self.size:
            return None
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: CacheKey, answer: Answer) -> None:
        if not self.size:
            return
        self._items[key] = answer
        if len(self._items) > self.size:
            self._items.popitem(last=False)


def cited_or_fallback(answer: Answer) -> Answer:
    """An answer about the documents that cites none of them is a fallback (a question back,
    "which resolution do you mean?", is neither)."""
    if answer.citations or answer.fallback or answer.intent == "clarify":
        return answer
    return replace(answer, fallback=True)


def _kind(value: str) -> ParagraphKind:
    return facts.kind_of(value, "op")


def random_choice(options: Sequence[str], seed_text: str) -> str:
    """A response picked deterministically from the message, so replies are reproducible."""
    if not options:
        return ""
    return options[random.Random(seed_text).randrange(len(options))]
