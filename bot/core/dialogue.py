"""Conversation: which document a message is about, what "it" and "that paragraph" refer to,
numbered choices between documents, and the state a sender carries to the next turn."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.core.answers.compose import short_label
from bot.core.answers.templates import document_fields, fill, template_fields
from bot.core.index import Hit, Query
from bot.core.intents import Intent, ordinal_value
from bot.core.models import Answer, ConversationState, Document, Paragraph
from bot.core.names import names_in
from bot.core.text import fold, word_set

AMBIGUITY_RATIO = 0.92
FOCUS_PARAGRAPH = 1.25
FOCUS_FOOTNOTE = 2.2
FOCUS_DOCUMENT = 1.15

_DOC_MENTION = re.compile(
    r"(?:a/res/|resolution\s+|res\.?\s+|\b)((?:es-|s-)?\d{1,3}/\d{1,4}(?: [a-z]\b)?)", re.I
)
_ANAPHORA = re.compile(
    r"\b(it|its|that|this|these|those|they|them|there|the same)\b(?! resolution)", re.I
)
_THAT_PARAGRAPH = re.compile(
    r"\b(that|this|the same|the previous|the last) (paragraph|clause|passage|text)\b|"
    r"\bit (mentions|cites|refers to|recalls|quotes|lists|names)\b|\bmentioned (there|in it)\b",
    re.I,
)


_POINTS_AT_DOCUMENT = re.compile(
    r"\b(this|the|that|same) (resolution|text|document)\b|\b(it|its)\b", re.I
)


def points_at_document(text: str) -> bool:
    """Whether the message refers to the resolution under discussion ("under this
    resolution", "what does it say")."""
    return _POINTS_AT_DOCUMENT.search(text) is not None


@dataclass(frozen=True, slots=True)
class Scope:
    """The document a message is restricted to (index), whether it said so itself, and the
    documents a search may look in when it is several ("in the other resolutions")."""

    document: int | None
    explicit: bool
    among: frozenset[int] | None = None


_MENTION_PHRASE = re.compile(
    r"(,\s*)?\b(in|of|from|according to|under)?\s*(?:the\s+)?(?:general assembly\s+)?"
    r"(?:resolution\s+|res\.?\s+|document\s+)?(?:a/res/)?((?:es-|s-)?\d{1,3}/\d{1,4})\b(\s*,)?",
    re.I,
)


def without_mention(text: str, document: Document) -> str:
    """The message with the mention of the scoped document taken out: "in resolution 73/8,"
    goes, a bare "A/RES/73/8" becomes "the resolution", so intents see the usual wording."""

    def replace_mention(match: re.Match[str]) -> str:
        if match.group(3).upper() != document.number.split(" ")[0].upper():
            return match.group(0)
        return " " if match.group(2) else " the resolution "

    stripped = " ".join(_MENTION_PHRASE.sub(replace_mention, text).split())
    return stripped if re.search(r"\w", stripped) else text


_SWITCH_WORDS = word_set(
    """and what how about in for with the same question again there then now so ok okay also
    too please pls ask but resolution text one document declaration that this it thing of on
    answer is then instead say"""
)


def only_switches(text: str) -> bool:
    """Whether a message, once the resolution it names is taken out, asks nothing of its own
    ("and in the ICC one?", "what about resolution 73/8?"): the last question is meant."""
    return all(word in _SWITCH_WORDS for word in re.findall(r"[a-z]+", fold(text)))


def scope_of(text: str, numbers: Mapping[str, int]) -> Scope:
    """'in resolution 73/8 ...' picks that document when it is loaded; else no restriction.
    `numbers` maps a loaded resolution's number ("73/8") to its index."""
    for match in _DOC_MENTION.finditer(text):
        mentioned = match.group(1).upper()
        found = numbers.get(mentioned, numbers.get(mentioned.split(" ")[0]))
        if found is not None:
            return Scope(found, True)
    return Scope(None, False)


def resolve_choice(
    text: str, state: ConversationState, documents: Sequence[Document]
) -> str | None:
    """The symbol chosen when the previous turn asked "which resolution?", else None."""
    if not state.pending_choices or not state.pending_question:
        return None
    answer = fold(text).strip(" .!?)")
    choices = state.pending_choices
    number = re.fullmatch(r"(?:number |option |no\.? )?(\d{1,2})", answer)
    if number and 1 <= int(number.group(1)) <= len(choices):
        return choices[int(number.group(1)) - 1]
    ordinal = re.fullmatch(r"(?:the )?(\w+(?:[ -]to[ -]last)?)(?: one)?", answer)
    if ordinal:
        position = ordinal_value(ordinal.group(1))
        if position is not None and -len(choices) <= position <= len(choices) and position:
            return choices[position - 1] if position > 0 else choices[position]
    for symbol in choices:
        document = next((d for d in documents if d.symbol == symbol), None)
        if document and (document.number in answer or fold(symbol) in answer):
            return symbol
    return None


REMEMBERED_DOCUMENTS = 8


def next_state(
    state: ConversationState, answer: Answer, text: str, topic: str = ""
) -> ConversationState:
    """Remember the primary citation (document and paragraph), every paragraph of that
    document the answer cited, the documents discussed, what a topic question searched for,
    and any pending choice."""
    if answer.choices:
        return replace(state, pending_question=text, pending_choices=answer.choices)
    if not answer.citations:
        return replace(state, last_question=text, topic=topic or state.topic)
    primary = answer.citations[0]
    paragraph = primary.paragraph if primary.paragraph != "meta" else state.paragraph
    if primary.document != state.document and primary.paragraph == "meta":
        paragraph = ""
    cited = tuple(
        c.paragraph
        for c in answer.citations
        if c.document == primary.document and c.paragraph != "meta"
    )
    if not cited and primary.document == state.document:
        cited = state.cited
    documents = (primary.document, *(d for d in state.documents if d != primary.document))
    return replace(
        state,
        document=primary.document,
        paragraph=paragraph,
        last_question=text,
        cited=cited,
        documents=documents[:REMEMBERED_DOCUMENTS],
        topic=topic or state.topic,
    )


_DEMONSTRATIVE = re.compile(r"\b(that|this|the same|the said|said) ([a-z][a-z-]{2,})\b", re.I)
_NOT_A_NAME = word_set(
    """paragraph paragraphs para clause clauses footnote footnotes note notes one ones
    resolution resolutions text document part section passage question point topic thing
    matter issue time way"""
)


def has_demonstrative(text: str) -> bool:
    """Whether resolve_demonstratives could change the text (so the cited paragraphs, part
    of the conversation, are read only when they matter)."""
    return _DEMONSTRATIVE.search(text) is not None


def resolve_demonstratives(text: str, cited: Sequence[Paragraph]) -> str:
    """ "is that agreement mentioned ..." -> "is Relationship Agreement mentioned ...": a
    demonstrative before a noun that ends a name in the paragraphs just cited is that name."""

    def replace_one(match: re.Match[str]) -> str:
        noun = match.group(2).lower()
        if noun in _NOT_A_NAME:
            return match.group(0)
        for paragraph in cited:
            for name in names_in(paragraph.text, skip_first=True):
                words = name.split()
                if len(words) > 1 and words[-1].lower().rstrip("s") == noun.rstrip("s"):
                    return name
        return match.group(0)

    return _DEMONSTRATIVE.sub(replace_one, text)


def focus_of(
    text: str,
    state: ConversationState,
    documents: Sequence[Document],
    doc_index: Callable[[str], int],
) -> dict[tuple[int, str], float] | None:
    """Boosts for what a follow-up refers to: the last paragraph, its footnotes, its document."""
    if not state.document:
        return None
    index = doc_index(state.document)
    if index < 0:
        return None
    document = documents[index]
    focus: dict[tuple[int, str], float] = {}
    for paragraph in document.paragraphs:
        focus[(index, paragraph.id)] = FOCUS_DOCUMENT
    current = document.get(state.paragraph) if state.paragraph else None
    if current is not None and _ANAPHORA.search(text):
        focus[(index, current.id)] = FOCUS_PARAGRAPH * FOCUS_DOCUMENT
        footnote_boost = FOCUS_FOOTNOTE if _THAT_PARAGRAPH.search(text) else 1.3
        for footnote in current.footnotes:
            focus[(index, footnote)] = footnote_boost * FOCUS_DOCUMENT
    return focus


def ambiguous_documents(
    hits: Sequence[Hit], scope: Scope, state: ConversationState, documents: Sequence[Document]
) -> list[int]:
    """Documents whose best paragraphs answer equally well, when nothing says which is meant."""
    if scope.document is not None or scope.among is not None or state.document:
        return []
    if len(documents) < 2 or not hits:
        return []
    top = hits[0]
    rivals = [top.entry.document]
    for hit in hits[1:]:
        if hit.score < AMBIGUITY_RATIO * top.score:
            break
        if hit.entry.document not in rivals:
            rivals.append(hit.entry.document)
    return rivals if len(rivals) > 1 else []


def topic_phrase(text: str, query: Query) -> str:
    """The words of a question its search used, as the person wrote them: "What does it say
    about the Helms-Burton Act?" -> "Helms-Burton Act"."""
    folded = text.lower()  # same offsets as the text
    spans = []
    for term in query.terms:
        found = re.search(r"\b" + re.escape(term.surface.split()[0]), folded)
        last = re.search(r"\b" + re.escape(term.surface.split()[-1]) + r"\w*", folded)
        if found and last:
            spans.append((found.start(), last.end()))
    if not spans:
        return ""
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    phrase = text[start:end].strip(" ,.?!")
    if len(phrase.split()) > 6:
        return " ".join(t.surface for t in query.terms)
    return phrase


def topic_lead(document: Document, paragraph: Paragraph) -> str:
    if paragraph.kind == "fn":
        cited = ", ".join(short_label(document.get(p) or paragraph) for p in paragraph.cited_by)
        to = f" to {cited}" if cited else ""
        return f"Footnote {paragraph.number}{to} of {document.symbol} gives the source:"
    return f"{document.symbol}, {short_label(paragraph)}:"


def suggestions_for(document: Document | None, help_intent: Intent | None) -> tuple[str, ...]:
    """Questions the bot can answer about this document (from the help intent's list)."""
    if document is None:
        return ("What can you do?", "Which resolutions do you know?")
    templates = help_intent.suggestions if help_intent else ()
    values = document_fields(document)
    out = []
    for template in templates:
        try:
            if all(name in values for name in template_fields(template)):
                out.append(fill(template, values))
        except ValueError:  # a malformed template is skipped, as one naming an unknown field
            continue
    if document.get("op1") and len(out) < 4:
        out.append(f"What does operative paragraph 1 of {document.number} say?")
    return tuple(dict.fromkeys(out))[:4]
