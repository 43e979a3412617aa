"""AnswerEngine: text and conversation state in, Answer and next state out. Pure: no I/O."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import fields, replace
from typing import Any, TypeVar

import numpy as np

from bot.core import dialogue, followups, grounding
from bot.core.answers import facts, paragraphs, templates
from bot.core.answers import lists as listing
from bot.core.answers.asked import Asked, asked_in, counted, holds, later_year
from bot.core.answers.compose import (
    fallback_answer,
    plain_answer,
    quoted_answer,
    short_label,
)
from bot.core.answers.topics import (
    FALLBACK_THRESHOLD,
    HIGH_CONFIDENCE,
    Retrieved,
    absent_names,
    absent_verbs,
    broad_share,
    clause_selection,
    companions,
    dominant_document,
    has_cue,
    retrieve,
)
from bot.core.cache import BoundedCache
from bot.core.debug import Debug
from bot.core.index import Analyzer, Hit, ParagraphIndex
from bot.core.intents import Action, Intent, IntentClassifier, IntentMatch
from bot.core.kinds import kind_of, kinds_in
from bot.core.lexicon import Lexicon
from bot.core.models import Answer, ConversationState, Document, Paragraph, Turn
from bot.core.names import Names
from bot.core.phrases import PhraseLookup
from bot.core.references import DocumentReferences
from bot.core.routing import Ask, Composed
from bot.core.semantic import (
    Encoder,
    EncoderUnavailable,
    Floats,
    SemanticIndex,
    SemanticScores,
)
from bot.core.suggestions import another_document, conversation_suggestions
from bot.core.text import fold

MAX_MESSAGE_CHARS = 2000
STAY_THRESHOLD = 0.5
MAX_CHOICES = 8
QUESTION_VECTORS = 512  # encoded questions remembered (a follow-up re-asks the same text)
# A question whose words run through this share of a resolution's paragraphs asks about what
# the resolution is about as a whole: it is answered with the most central paragraphs.
BROAD_SHARE = 0.25
BROAD_CONFIDENCE = 0.6
# Paragraphs looked at for one that holds the kind of fact asked (a date, a number): those
# whose fused score is at least this share of the first one's.
FACT_SEARCH_RATIO = 0.5
# A passage quoted for the kind of fact asked for needs at least this confidence, and so does
# one found by meaning alone (none of the question's words in it).
FACT_THRESHOLD = 0.4
MEANING_ONLY_THRESHOLD = 0.4


Handler = Callable[["AnswerEngine", Ask, IntentMatch], Composed]
DocumentHandler = Callable[["AnswerEngine", Ask, IntentMatch, Document], Composed]


def needs_document(handler: DocumentHandler) -> Handler:
    """A handler that needs one resolution: asks which one when that is not clear."""

    def handle(engine: AnswerEngine, ask: Ask, match: IntentMatch) -> Composed:
        document = engine.current(ask.state, ask.scope)
        if document is None:
            return Composed(engine.ask_which(ask.text, match.intent.name, ask.state))
        return handler(engine, ask, match, document)

    return handle


# What an answer depends on: the routed message with its scope, and the values of the
# conversation's fields that answering it read.
CacheKey = tuple[Hashable, tuple[object, ...]]
T = TypeVar("T")
STATE_FIELDS = frozenset(f.name for f in fields(ConversationState))
# The sets of fields a message's answer has read, kept per message: the same question reads
# the resolution alone from a new sender and also the paragraph from one on a paragraph, and
# senders of both kinds ask it in turn; remembering one set only, each would evict the other.
READ_SETS = 4


class WatchedState(ConversationState):
    """A conversation state that notes which of its fields are read (the answer cache keys
    on those only)."""

    @classmethod
    def of(cls, state: ConversationState) -> WatchedState:
        watched = cls(**{name: getattr(state, name) for name in sorted(STATE_FIELDS)})
        object.__setattr__(watched, "_read", {})
        return watched

    def __getattribute__(self, name: str) -> Any:
        if name in STATE_FIELDS:
            read = object.__getattribute__(self, "__dict__").get("_read")
            if read is not None:
                read[name] = None
        return object.__getattribute__(self, name)

    def fields_read(self) -> tuple[str, ...]:
        read: dict[str, None] = object.__getattribute__(self, "__dict__").get("_read", {})
        return tuple(sorted(read))


class AnswerEngine:
    """Routes a message to an intent and composes the Answer from the documents."""

    def __init__(
        self,
        documents: Sequence[Document],
        intents: Sequence[Intent],
        lexicon: Lexicon,
        *,
        aliases: Mapping[str, Sequence[str]] | None = None,
        cache_size: int = 0,
        index: ParagraphIndex | None = None,
        names: Sequence[Names] | None = None,
        encoder: Encoder | None = None,
        semantic: SemanticIndex | None = None,
    ) -> None:
        """`index`: one already built over these documents (a saved engine's), else built."""
        self.documents = tuple(documents)
        self.lexicon = lexicon
        if index is None:
            index = ParagraphIndex(self.documents, Analyzer(lexicon))
        elif index.documents != self.documents or index.analyzer.lexicon != lexicon:
            raise ValueError("the index was built over other documents or another lexicon")
        self.analyzer = index.analyzer
        self._phrases = PhraseLookup(index)
        self.references = DocumentReferences(
            self.documents,
            self.analyzer.stemmer,
            lexicon.stopwords,
            lexicon.synonyms,
            dict(aliases or {}),
            names,
            self._phrases.texts,
        )
        self.index = index
        self.classifier = IntentClassifier(tuple(intents))
        self.intents = tuple(intents)
        self._by_name = {i.name: i for i in self.intents}
        self._numbers = {d.number.upper(): i for i, d in enumerate(self.documents)}
        self._symbols = {d.symbol: i for i, d in enumerate(self.documents)}
        stem = self.analyzer.stemmer.stem
        self._verb_stems = frozenset(stem(v.split()[0]) for v in lexicon.operative_verbs)
        self.set_cache_size(cache_size)
        # Semantic matching: the vectors (plain arrays, saved with the engine) and the encoder
        # that turns a question into a vector (never saved; attached again after loading).
        if semantic is None and encoder is not None:
            semantic = SemanticIndex.build([e.paragraph for e in self.index.entries], encoder)
        self.semantic = semantic
        self.encoder: Encoder | None = None
        self._vectors: BoundedCache[str, Floats] = BoundedCache(QUESTION_VECTORS)
        self.use_encoder(encoder)

    def use_encoder(self, encoder: Encoder | None) -> None:
        """Turn semantic matching on with this encoder (it must be the model the saved vectors
        came from), or off with None."""
        if encoder is not None and (
            self.semantic is None or self.semantic.model_id != encoder.model_id
        ):
            encoder = None
        self.encoder = encoder
        self._vectors = BoundedCache(QUESTION_VECTORS)
        self.set_cache_size(self._cache.size)

    def prepare(self) -> None:
        """What a long-running process does before the first message, which a one-question
        start leaves to the messages that need it: compile every intent pattern (otherwise
        each is compiled when a message first reaches it), and index the resolutions' names
        and the corpus's joined words (otherwise the first message naming a resolution does:
        over a second at 10,000 resolutions)."""
        self.classifier.compile_all()
        self.references.prepare()
        self._phrases.prepare()

    @property
    def semantic_on(self) -> bool:
        return self.encoder is not None and self.semantic is not None

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["encoder"] = None  # a model session is no part of a saved engine
        return state

    def _semantic_lookup(
        self, text: str, documents: frozenset[int] | None = None
    ) -> tuple[Floats, SemanticScores] | None:
        """The question's vector (encoded once per text) and its cosines (with approximate
        search, exact for every paragraph of the `documents` it is scoped to)."""
        if self.encoder is None or self.semantic is None:
            return None
        vector = self._vectors.get(text)
        if vector is None:
            try:
                vector = self.encoder.encode([text])[0]
            except EncoderUnavailable:
                self.encoder = None  # the encoder said why; answer lexically from now on
                return None
            self._vectors.put(text, vector)
        entries = None
        if documents is not None and self.semantic.approximate:
            entries = np.flatnonzero(self.index.entry_mask(documents)).astype(np.int32)
        return vector, self.semantic.score(vector, entries)

    def _encode_texts(self, texts: Sequence[str]) -> Floats | None:
        """Unit vectors of short texts (the words of a list request and of the document's lead
        phrases), each encoded once per text; None when semantic matching is off."""
        if self.encoder is None:
            return None
        found = {t: v for t in dict.fromkeys(texts) if (v := self._vectors.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            try:
                encoded = self.encoder.encode(missing)
            except EncoderUnavailable:
                self.encoder = None  # the encoder said why; answer lexically from now on
                return None
            for text, vector in zip(missing, encoded, strict=True):
                self._vectors.put(text, vector)
                found[text] = vector
        return np.stack([found[t] for t in texts]).astype(np.float32)

    def set_cache_size(self, size: int) -> None:
        """Answers kept for repeated messages (0: none); the cache is not part of a snapshot."""
        self._cache: BoundedCache[CacheKey, Composed] = BoundedCache(size)
        self._suggested: BoundedCache[CacheKey, tuple[str, ...]] = BoundedCache(size)
        self._reads: BoundedCache[Hashable, tuple[tuple[str, ...], ...]] = BoundedCache(2 * size)

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
            answer = self.fallback("empty", "I did not catch a question there.", state)
            return Turn(answer, state)
        chosen = dialogue.resolve_choice(text, state, self.documents)
        if chosen is None and state.pending_choices and state.pending_question:
            among = [self.doc_index(s) for s in state.pending_choices]
            picked = self.references.pick(text, among)
            chosen = self.documents[picked].symbol if picked is not None else None
        if chosen is not None:
            text = state.pending_question
            state = replace(state, document=chosen, pending_question="", pending_choices=())
            routed, scope, _, named = self._route(text, among=(self.doc_index(chosen),))
        else:
            state = replace(state, pending_question="", pending_choices=())
            routed, scope, candidates, named = self._route(text)
            if len(candidates) > 1:
                answer = self.ask_which(text, "clarify", state, candidates)
                return Turn(answer, dialogue.next_state(state, answer, text))
        if scope.explicit and dialogue.only_switches(routed) and state.last_question:
            # "and in the ICC one?": the last question again, in the document named now
            text = state.last_question
            routed, _, _, named = self._route(text)
        composed, key = self._composed(Ask(routed, state, scope, named, context_lost, text))
        answer = composed.answer
        next_state = dialogue.next_state(state, answer, text, composed.topic)
        suggested, _ = self._recall(
            self._suggested,
            ("suggestions", key),
            next_state,
            lambda watched: self._suggest(
                answer, composed.topic, Ask(routed, watched, scope, named)
            ),
        )
        return Turn(replace(answer, suggestions=suggested), next_state, composed.debug)

    def _composed(self, ask: Ask) -> tuple[Composed, Hashable]:
        """The answer to a routed message (and the key it is remembered by): remembered for
        the same message and the parts of the conversation that answering it read, so a
        question answered without reading the conversation (or reading only what two
        senders share, such as the resolution they are on) is answered once for every
        sender."""
        scope = ask.scope
        message = (ask.text, ask.message, scope.document, scope.among, ask.named, ask.context_lost)
        return self._recall(
            self._cache,
            message,
            ask.state,
            lambda watched: self._answer(ask._replace(state=watched)),
        )

    def _recall(
        self,
        cache: BoundedCache[tuple[Hashable, tuple[object, ...]], T],
        key: Hashable,
        state: ConversationState,
        compute: Callable[[ConversationState], T],
    ) -> tuple[T, Hashable]:
        """compute(state), remembered by `key` and the values of the state's fields it read
        (each of the last READ_SETS sets of fields read for this key), and the full key it
        went by (what depends on the value keys on it). Within another such computation the
        state is already watched: its reads count for that one."""
        if not cache.size or isinstance(state, WatchedState):
            return compute(state), None
        known = self._reads.get(key) or ()
        for read in known:
            full = (key, tuple(getattr(state, f) for f in read))
            found = cache.get(full)
            if found is not None:
                return found, full
        watched = WatchedState.of(state)
        value = compute(watched)
        read = watched.fields_read()
        if read not in known:
            self._reads.put(key, (read, *known)[:READ_SETS])
        full = (key, tuple(getattr(state, f) for f in read))
        cache.put(full, value)
        return value, full

    def _suggest(self, answer: Answer, topic: str, asked: Ask) -> tuple[str, ...]:
        """Suggestions after this answer: the next paragraph, the topic elsewhere, the same
        question in another resolution (only when that one answers it)."""
        if answer.fallback or not answer.citations:
            return answer.suggestions
        routed, state, named = asked.text, asked.state, asked.named
        words = ""
        if answer.intent == "topic" and topic:
            query = self.index.query(topic)
            if followups.mentioned_elsewhere(self, query, state):
                words = dialogue.topic_phrase(topic, query)
        current = self.documents[self.doc_index(answer.citations[0].document)]
        other = another_document(current, state, self.documents, self._symbols)
        if other is not None:
            scope = dialogue.Scope(self.doc_index(other.symbol), True)
            trial = self._composed(Ask(routed, state, scope, named))[0].answer
            if trial.fallback or not trial.citations or trial.citations[0].document != other.symbol:
                other = None
        return conversation_suggestions(answer, current, words, other, answer.suggestions)

    def _route(
        self, text: str, among: Iterable[int] | None = None
    ) -> tuple[str, dialogue.Scope, tuple[int, ...], str]:
        """The message without the name of the resolution it picks (its number or symbol,
        else the words people call it by), the scope it sets, the candidates when the name
        fits several documents equally well, and the words of the name taken out."""
        allowed = None if among is None else tuple(among)
        scope = dialogue.scope_of(text, self._numbers)
        if scope.document is not None and (allowed is None or scope.document in allowed):
            return dialogue.without_mention(text, self.documents[scope.document]), scope, (), ""
        mention = self.references.find(text, among=allowed)
        if mention is None:
            return text, dialogue.Scope(None, False), (), ""
        if not mention.confident:
            return text, dialogue.Scope(None, False), mention.documents, ""
        routed = self.references.without(text, mention)
        named = " ".join(mention.words)
        return routed, dialogue.Scope(mention.documents[0], True), (), named

    def unsupported_terms(self, question: str, answer: Answer) -> tuple[str, ...]:
        """The key terms of a question that the paragraph its answer cites first lacks (for
        checking answers before they are published, as the FAQ's are)."""
        routed, scope, _, _ = self._route(question)
        document = self.current(ConversationState(), scope)
        if answer.citations:
            document = self.documents[self.doc_index(answer.citations[0].document)]
        match = self.classifier.classify(routed)
        return grounding.unsupported_terms(
            self.index, self.index.query(routed), match, document, answer
        )

    # -- routing -------------------------------------------------------------------------
    def _answer(self, ask: Ask) -> Composed:
        document = self.current(ask.state, ask.scope)
        if (
            document is not None
            and dialogue.has_demonstrative(ask.text)
            and ask.state.cited
            and document.symbol == ask.state.document
        ):
            cited = [p for p in (document.get(i) for i in ask.state.cited) if p is not None]
            ask = ask._replace(text=dialogue.resolve_demonstratives(ask.text, cited))
        match = self.classifier.classify(ask.text)
        if match is not None and match.intent.action == "template":
            return self._template(ask, match)  # small talk: no claim about the text
        if match is None:
            listed = self._implicit_list(ask, document)
            composed = listed if listed is not None else self.answer_topic(ask, "topic")
        else:
            composed = HANDLERS[match.intent.action](self, ask, match)
        return replace(composed, answer=cited_or_fallback(composed.answer))

    def _implicit_list(self, ask: Ask, document: Document | None) -> Composed | None:
        """A request for every paragraph with a lead verb, however phrased ("give me all the
        encouragements"): a list cue and a word naming one of the document's lead verbs."""
        if document is None:
            return None
        ignored = self.lexicon.question_words | self.lexicon.stopwords
        verb = listing.lead_verb_in(ask.text, document, self.analyzer.stemmer, ignored)
        if not verb:
            return None
        listed = listing.list_by_verb(
            "list_by_verb",
            document,
            verb,
            kinds_in(ask.text),
            self.analyzer.stemmer,
            self.lexicon.operative_verbs,
            self.document_suggestions(document),
        )
        return Composed(listed) if listed is not None else None

    def _retrieve(self, ask: Ask, match: IntentMatch) -> Composed:
        return self.answer_topic(ask, match.intent.name)

    def _metadata(self, ask: Ask, match: IntentMatch) -> Composed:
        """The resolution's own header facts, unless the question names another instrument
        that the text itself speaks of ("when was the Vienna Declaration adopted?"): then the
        paragraph that cites it answers, with the date or body it gives. A header gives no
        person ("who was the Director-General when it was adopted?"): the text is searched,
        and says whether it names one."""
        if self._cited_instrument(ask):
            return self.answer_topic(ask, "topic")
        if asked_in(ask.text).kind == "person":  # "... when it was adopted" only dates it
            return self.answer_topic(ask._replace(text=WHEN_CLAUSE.sub("", ask.text)), "topic")
        return self._header_fact(ask, match)

    def _cited_instrument(self, ask: Ask) -> str:
        """An instrument the question names by its proper name ("the Millennium Declaration",
        "the Helms-Burton law") whose name words all stand in one paragraph of the resolutions
        in scope."""
        document = self.current(ask.state, ask.scope)
        scope = [self.doc_index(document.symbol)] if document else range(len(self.documents))
        naming = set(fold(ask.named).split())  # the words that named the resolution itself
        for name in instrument_names(ask.message or ask.text):
            words = [fold(w) for w in re.findall(r"[\w'-]+", name)]
            if naming.issuperset(words):
                continue  # "the TB declaration": the resolution asked about, by its name
            for index in scope:
                for entry in self.index.document_entries(index):
                    text = fold(entry.paragraph.text)
                    if all(re.search(rf"\b{re.escape(w)}\b", text) for w in words):
                        return name
        return ""

    @needs_document
    def _header_fact(self, ask: Ask, match: IntentMatch, document: Document) -> Composed:
        template = random_choice(match.intent.responses, ask.text)
        suggestions = self.document_suggestions(document)
        return Composed(facts.metadata_answer(match.intent.name, document, template, suggestions))

    @needs_document
    def _overview(self, ask: Ask, match: IntentMatch, document: Document) -> Composed:
        suggestions = self.document_suggestions(document)
        return Composed(facts.overview_answer(match.intent.name, document, suggestions))

    @needs_document
    def _lookup(self, ask: Ask, match: IntentMatch, document: Document) -> Composed:
        kind = kind_of(match.intent.kind or "op", "op")
        verb = match.slots.get("verb", "")
        wanted = listing.verb_stem(self.analyzer.stemmer, verb) if verb else ()
        stemmer = self.analyzer.stemmer

        def leads(paragraph: Paragraph) -> bool:
            return listing.lead_matches(stemmer, paragraph, wanted)

        answer = paragraphs.lookup_answer(
            match.intent.name,
            document,
            match.slots,
            kind,
            self.document_suggestions(document),
            leads=leads if wanted else None,
            bare=not re.search(r"\boperative\b|\bop\s*\.?\s*\d", ask.text, re.I),
        )
        return Composed(answer) if answer else self.answer_topic(ask, "topic")

    # -- topic retrieval -----------------------------------------------------------------
    def answer_topic(self, ask: Ask, intent: str) -> Composed:
        text, state, scope = ask.text, ask.state, ask.scope
        focus = dialogue.focus_of(text, state, self.documents, self.doc_index)
        retrieved = self._retrieve_in_context(text, state, scope, focus)
        if retrieved.confidence < FALLBACK_THRESHOLD and ask.named:
            # the subject's words, taken out so as not to steer, may be all that grounds it
            again = self._retrieve_in_context(f"{text} {ask.named}", state, scope, focus)
            if again.confidence >= FALLBACK_THRESHOLD:
                retrieved = again
        hits = retrieved.hits
        debug = Debug(
            intent,
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
        return Composed(self._topic_answer(ask, intent, retrieved), debug, topic=text)

    def _topic_answer(self, ask: Ask, intent: str, retrieved: Retrieved) -> Answer:
        text, state, scope = ask.text, ask.state, ask.scope
        named = None if scope.document is None else frozenset({scope.document})
        absent = absent_verbs(self.index, retrieved.query, self._verb_stems, named)
        if absent:
            return self._verb_not_used(absent[0], state, scope)
        confidence = retrieved.confidence
        broad = self._broad(retrieved)
        if broad:
            confidence = max(confidence, BROAD_CONFIDENCE)
        threshold = FALLBACK_THRESHOLD
        if retrieved.fused and retrieved.hits and not retrieved.hits[0].coverage:
            threshold = MEANING_ONLY_THRESHOLD  # not one of the question's words is in it
        if not retrieved.hits or confidence < threshold:
            return self._not_found(retrieved, state, scope, confidence)
        ambiguous = dialogue.ambiguous_documents(retrieved.hits, scope, state, self.documents)
        if ambiguous:
            dominant = dominant_document(self.index, retrieved.query, range(len(self.documents)))
            if dominant is None:
                return self.ask_which(text, intent, state, ambiguous)
            # One of them holds clearly more of the question: answer from it alone.
            within = dialogue.Scope(dominant, False)
            again = self._retrieve_in_context(text, state, within, None)
            return self._topic_answer(ask._replace(scope=within), intent, again)
        asked = asked_in(text, names_a_resolution=bool(ask.named))
        if has_cue(text, self.lexicon.source_cues) or retrieved.hits[0].paragraph.kind == "fn":
            asked = Asked()  # "where is it published?" asks for a source: a footnote gives it
        year = later_year(text, self.documents[retrieved.hits[0].entry.document].adoption_year)
        if year:
            asked = Asked("later", year=year)
        # A name the text never uses ("how many people in Ruritania ...?", "how effective is
        # the BCG vaccine?"): whatever passage is closest, it does not speak of that.
        unnamed = absent_names(self.index, retrieved.query, named)
        if unnamed:
            return self._name_not_used(unnamed[0], retrieved, state, scope)
        position = self._holding_fact(retrieved, asked, text)
        if position is None:
            return self._fact_not_given(retrieved, asked, state, scope)
        top = retrieved.hits[position]
        if position:  # a lower paragraph holds the fact asked for: trust it as much as its score
            confidence *= top.score / max(retrieved.hits[0].score, 1e-9)
        if asked.any and confidence < FACT_THRESHOLD:
            # A weak match that happens to hold a number or a date is a wrong fact more often
            # than a helpful passage: a fact is quoted only from a passage at least in the
            # middle band.
            return self._fact_not_given(retrieved, asked, state, scope)
        document = self.documents[top.entry.document]
        cosines = self._clause_cosines(retrieved, top)
        selections = [clause_selection(self.index, top.entry, retrieved.query, cosines, asked)]
        if not asked.any:
            for hit in companions(retrieved, kinds_in(text)):
                selections.append(
                    clause_selection(
                        self.index, hit.entry, retrieved.query, self._clause_cosines(retrieved, hit)
                    )
                )
        if broad:
            lead = (
                f"“{topic_words(retrieved)}” runs through {document.symbol} "
                f"({broad} of its paragraphs); "
                f"the passage most centrally about it is {short_label(top.paragraph)}:"
            )
        elif confidence >= HIGH_CONFIDENCE:
            lead = dialogue.topic_lead(document, top.paragraph)
        else:
            lead = (
                f"The closest passage is {short_label(top.paragraph)} of {document.symbol}, "
                "though it may not answer exactly what you asked:"
            )
        return quoted_answer(
            intent=intent,
            confidence=confidence,
            lead=lead,
            document=document,
            selections=selections,
            suggestions=self.document_suggestions(document),
        )

    def _broad(self, retrieved: Retrieved) -> int:
        """How many paragraphs of the best hit's document hold every word of a short question
        when they are a large share of it (0 otherwise): "human rights" in 71/194."""
        if not retrieved.hits or not retrieved.query.terms or len(retrieved.query.terms) > 3:
            return 0
        document = retrieved.hits[0].entry.document
        count, share = broad_share(self.index, retrieved.query, document)
        return count if share >= BROAD_SHARE else 0

    def _holding_fact(self, retrieved: Retrieved, asked: Asked, question: str) -> int | None:
        """The position of the first good hit whose paragraph holds the fact asked for."""
        if not asked.any:
            return 0
        best = retrieved.hits[0].score
        for position, hit in enumerate(retrieved.hits):
            if hit.score < FACT_SEARCH_RATIO * best:
                break
            if (
                hit.paragraph.kind != "fn"
                and holds(asked, hit.paragraph.text)
                and (asked.kind != "quantity" or self._counts(hit, retrieved, counted(question)))
            ):
                return position
        return None

    def _counts(self, hit: Hit, retrieved: Retrieved, thing: str) -> bool:
        """Whether a clause of the paragraph holds a number beside what the question counts
        (the word or a thesaurus synonym of it): "how many judges" is not answered by "three
        conferences". True when the question names nothing the query kept."""
        term = next((t for t in retrieved.query.terms if fold(t.surface) == thing), None)
        if term is None:
            return True
        text = hit.paragraph.text
        for (start, end), stems in self.index.clauses(hit.entry):
            named = any(all(s in stems for s in alt.stems) for alt in term.alternatives)
            if named and holds(Asked("quantity"), text[start:end]):
                return True
        return False

    def _clause_cosines(self, retrieved: Retrieved, hit: Hit) -> dict[tuple[int, int], float]:
        if self.semantic is None or retrieved.question_vector is None:
            return {}
        entry_id = self.index.entry_id(hit.entry)
        return self.semantic.clause_cosines(entry_id, retrieved.question_vector)

    def _not_found(
        self,
        retrieved: Retrieved,
        state: ConversationState,
        scope: dialogue.Scope,
        confidence: float,
    ) -> Answer:
        document = self.current(state, scope)
        where = document.symbol if document else "the loaded resolutions"
        answer = self.fallback(
            "fallback",
            f"I could not find that in the text of {where}, so I will not guess.",
            state,
            confidence=confidence,
            scope=scope,
        )
        return self._with_related(answer, retrieved)

    def _fact_not_given(
        self, retrieved: Retrieved, asked: Asked, state: ConversationState, scope: dialogue.Scope
    ) -> Answer:
        top = retrieved.hits[0]
        document = self.documents[top.entry.document]
        closest = f"The passage closest to your question is {short_label(top.paragraph)}"
        adopted = f", adopted on {document.adoption_date}," if document.adoption_date else ""
        if asked.kind == "now":
            text = (
                f"{document.symbol}{adopted} speaks as of its adoption: it does not say how "
                f"things stand today. {closest}."
            )
        elif asked.kind == "later":
            text = (
                f"{document.symbol}{adopted} speaks as of its adoption: it cannot say what "
                f"happened in {asked.year}. {closest}."
            )
        else:
            text = (
                f"{document.symbol} does not give {asked.noun}. {closest}, which does not say it."
            )
        answer = self.fallback("fact_not_given", text, state, confidence=0.0, scope=scope)
        return self._with_related(answer, retrieved)

    def _with_related(self, answer: Answer, retrieved: Retrieved) -> Answer:
        """A refusal names the closest paragraph as something to ask about instead."""
        if not retrieved.hits or retrieved.hits[0].score <= 0:
            return answer
        top = retrieved.hits[0]
        document = self.documents[top.entry.document]
        related = f"What does {short_label(top.paragraph)} of {document.symbol} say?"
        if related in answer.suggestions:
            return answer
        suggestions = (related, *answer.suggestions)
        lines = [
            answer.lead,
            "You can ask, for example:\n" + "\n".join(f"- {s}" for s in suggestions),
        ]
        return replace(answer, suggestions=suggestions, text="\n\n".join(lines))

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

        semantic = (
            (lambda scoped: self._semantic_lookup(text, scoped)) if self.semantic_on else None
        )

        def search(documents: frozenset[int] | None) -> Retrieved:
            return retrieve(
                self.index,
                text,
                documents=documents,
                source_cues=cues,
                focus=focus,
                semantic=semantic,
            )

        if scope.document is not None:
            return search(frozenset({scope.document}))
        if scope.among is not None:
            return search(scope.among)
        current = self.doc_index(state.document) if state.document else -1
        if current < 0 or len(self.documents) == 1:
            return search(None)
        here = search(frozenset({current}))
        if here.confidence >= STAY_THRESHOLD or dialogue.points_at_document(text):
            return here
        anywhere = search(None)
        moved = bool(anywhere.hits) and anywhere.hits[0].entry.document != current
        return here if moved and anywhere.confidence < STAY_THRESHOLD else anywhere

    def _verb_not_used(self, verb: str, state: ConversationState, scope: dialogue.Scope) -> Answer:
        document = self.current(state, scope)
        if document is None:
            text = f"None of the loaded resolutions uses the verb “{verb}”."
        else:
            verbs = templates.document_fields(document)["operative_verbs"]
            text = (
                f"{document.symbol} does not use the verb “{verb}” anywhere in its text. "
                f"What its operative paragraphs do: {verbs}."
            )
        return self.fallback("verb_not_used", text, state, scope=scope)

    def _name_not_used(
        self, name: str, retrieved: Retrieved, state: ConversationState, scope: dialogue.Scope
    ) -> Answer:
        document = self.current(state, scope)
        where = document.symbol if document else "None of the loaded resolutions"
        verb = "does not mention" if document else "mentions"
        text = f"{where} {verb} “{name}”, so it says nothing about it that I could quote."
        answer = self.fallback("name_not_used", text, state, scope=scope)
        return self._with_related(answer, retrieved)

    # -- lists ---------------------------------------------------------------------------
    @needs_document
    def _list(self, ask: Ask, match: IntentMatch, document: Document) -> Composed:
        listed = self._listed(ask.text, match, document)
        topic = match.slots.get("topic", "") if match.intent.by == "topic" else ""
        return Composed(listed, topic=topic) if listed else self.answer_topic(ask, "topic")

    def _listed(self, text: str, match: IntentMatch, document: Document) -> Answer | None:
        by = match.intent.by
        kinds = kinds_in(text)
        suggestions = self.document_suggestions(document)
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
                encode=self._encode_texts if self.semantic_on else None,
            )
        if by == "topic" and match.slots.get("topic"):
            return listing.list_by_topic(
                name,
                document,
                self.doc_index(document.symbol),
                match.slots["topic"],
                self.index,
                suggestions,
                kinds=kinds,
                encode=self._encode_texts if self.semantic_on else None,
                ignored=self.lexicon.stopwords,
            )
        return None

    # -- small talk, refusals, fallbacks ---------------------------------------------------
    def _template(self, ask: Ask, match: IntentMatch) -> Composed:
        text, document = self._response(match, ask.state, ask.scope)
        suggestions = self.document_suggestions(document) if document else ()
        return Composed(
            plain_answer(match.intent.name, text, confidence=1.0, suggestions=suggestions)
        )

    def _refuse(self, ask: Ask, match: IntentMatch) -> Composed:
        text, document = self._response(match, ask.state, ask.scope)
        return Composed(
            fallback_answer(match.intent.name, text, self.document_suggestions(document))
        )

    def _response(
        self, match: IntentMatch, state: ConversationState, scope: dialogue.Scope
    ) -> tuple[str, Document | None]:
        """One of the intent's responses, filled with the current document's fields (the
        first document when the conversation has none) and the loaded symbols."""
        document = self.current(state, scope) or (self.documents[0] if self.documents else None)
        values = templates.document_fields(document) if document else {}
        values["documents"] = ", ".join(d.symbol for d in self.documents)
        template = random_choice(match.intent.responses, match.intent.name)
        return templates.fill(template, values), document

    def fallback(
        self,
        intent: str,
        text: str,
        state: ConversationState,
        confidence: float = 0.0,
        scope: dialogue.Scope | None = None,
    ) -> Answer:
        """A fallback with suggestions about the resolution asked about (else discussed)."""
        document = self.current(state, scope or dialogue.Scope(None, False))
        return fallback_answer(intent, text, self.document_suggestions(document), confidence)

    def ask_which(
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

    def document_suggestions(self, document: Document | None) -> tuple[str, ...]:
        return dialogue.suggestions_for(document, self._by_name.get("help"))

    # -- helpers ---------------------------------------------------------------------------
    def doc_index(self, symbol: str) -> int:
        return self._symbols.get(symbol, -1)

    def current(self, state: ConversationState, scope: dialogue.Scope) -> Document | None:
        if scope.document is not None:
            return self.documents[scope.document]
        index = self.doc_index(state.document) if state.document else -1
        if index >= 0:
            return self.documents[index]
        return self.documents[0] if len(self.documents) == 1 else None


def cited_or_fallback(answer: Answer) -> Answer:
    """An answer about the documents that cites none of them is a fallback (a question back,
    "which resolution do you mean?", is neither)."""
    if answer.citations or answer.fallback or answer.intent == "clarify":
        return answer
    return replace(answer, fallback=True)


# What each intent action does: one handler per action (intents.Action lists them).
HANDLERS: dict[Action, Handler] = {
    "template": AnswerEngine._template,
    "fallback": AnswerEngine._refuse,
    "unsupported": AnswerEngine._refuse,
    "retrieve": AnswerEngine._retrieve,
    "followup": followups.followup,
    "metadata": AnswerEngine._metadata,
    "overview": AnswerEngine._overview,
    "lookup": AnswerEngine._lookup,
    "list": AnswerEngine._list,
}


# "the Vienna Declaration", "the Rome Statute", "the Helms-Burton law": capitalised words before
# the kind of instrument (the capitalised words are its proper name).
INSTRUMENT_KINDS = (
    "declaration|programme|program|convention|statute|treaty|agenda|act|law|charter|agreement|"
    "protocol|covenant|strategy|plan|platform|consensus|principles|conference|summit"
)
_INSTRUMENT = re.compile(rf"\b((?:[A-Z][\w'-]*[ -])*[A-Z][\w'-]*)[ -](?i:{INSTRUMENT_KINDS})\b")
_NOT_A_NAME = frozenset({"the", "un", "united", "nations", "general", "assembly", "this", "that"})


WHEN_CLAUSE = re.compile(r"\s+when\b[^?]*", re.IGNORECASE)


def instrument_names(text: str) -> list[str]:
    """The proper names of the instruments a question names (without the kind word)."""
    found = []
    for match in _INSTRUMENT.finditer(text):
        words = [w for w in match.group(1).split() if w[:1].isupper()]
        words = [w for w in words if w.casefold() not in _NOT_A_NAME]
        if words:
            found.append(" ".join(words))
    return found


def topic_words(retrieved: Retrieved) -> str:
    """The words of the question that searched, as the user wrote them."""
    return " ".join(t.surface for t in retrieved.query.terms)


def random_choice(options: Sequence[str], seed_text: str) -> str:
    """A response picked deterministically from the message, so replies are reproducible."""
    if not options:
        return ""
    return options[random.Random(seed_text).randrange(len(options))]
