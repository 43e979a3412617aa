"""The questions the widget opens with (GET /api/starters): made from the loaded documents
(their numbers and the lead words of their operative paragraphs), never written per document,
and kept only when the engine answers them from the document they name."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest

from bot.core.models import ConversationState, Document
from bot.web.faq import Answering, grounded

MAX_STARTERS = 4
MAX_TRIES = 16
# Operative leads that ask someone to act read best as a first question; a resolution that
# has none of them falls back on its other one-verb leads ("Decides", "Reaffirms"), in order.
CALLS_TO_ACTION = ("request", "urge", "call upon", "encourage", "invite", "demand", "decide")
VERBS_PER_DOCUMENT = 2


def build_starters(engine: Answering, limit: int = MAX_STARTERS) -> tuple[str, ...]:
    """Up to `limit` questions, taken in turn from each document's candidates (so several
    documents all get a first question), each asked once to check the answer rests on the
    text."""
    documents = list(engine.documents)
    scoped = len(documents) > 1
    rows = zip_longest(*(candidates(d, scoped=scoped) for d in documents))
    chosen: list[str] = []
    tries = 0
    for row in rows:
        for document, question in zip(documents, row, strict=True):
            if question is None or question in chosen:
                continue
            if tries >= MAX_TRIES or len(chosen) >= limit:
                return tuple(chosen)
            tries += 1
            if grounded(engine.reply(question, ConversationState()).answer, document.symbol):
                chosen.append(question)
    return tuple(chosen)


def candidates(document: Document, *, scoped: bool) -> Iterator[str]:
    """'What is resolution 71/194 about?', what it asks for ('What does the General Assembly
    request?'), 'When was it adopted?', then a second thing it asks for."""
    name = f"resolution {document.number}" if document.number else document.symbol
    actor = name if scoped else acting_body(document)
    asks = [f"What does {actor} {verb}?" for verb in operative_verbs(document)]
    yield f"What is {name} about?"
    yield from asks[:1]
    yield f"When was {name} adopted?" if scoped else "When was it adopted?"
    yield from asks[1:VERBS_PER_DOCUMENT]


def acting_body(document: Document) -> str:
    if document.symbol.startswith("A/RES/"):
        return "the General Assembly"
    return "the resolution"


def operative_verbs(document: Document) -> list[str]:
    """The base forms of the operative leads ('Calls upon' -> 'call upon'): calls to action
    first, then the other one-word leads in the order they appear. Leads that start with an
    adverb ('Also emphasizes') or run longer ('Takes note of') are left out."""
    found: list[str] = []
    for paragraph in document.of_kind("op"):
        verb = base_form(paragraph.lead)
        if verb and verb not in found:
            found.append(verb)
    actions = [v for v in CALLS_TO_ACTION if v in found]
    others = [v for v in found if v not in CALLS_TO_ACTION and " " not in v]
    return actions + others


def base_form(lead: str) -> str:
    """'Urges' -> 'urge', 'Calls upon' -> 'call upon', 'Stresses' -> 'stress',
    'Notifies' -> 'notify'; '' for a lead that does not start with a verb in -s."""
    words = lead.lower().split()
    if not words or len(words) > 2 or not words[0].isalpha() or not words[0].endswith("s"):
        return ""
    first = words[0]
    if first.endswith("ies"):
        first = first[:-3] + "y"
    elif first.endswith(("sses", "shes", "ches", "xes")):
        first = first[:-2]
    else:
        first = first[:-1]
    return " ".join([first, *words[1:]])
