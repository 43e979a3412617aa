"""Typed, frozen records that travel through the bot: documents, answers, conversation state.

Nothing here does I/O; the shapes of `Answer.to_dict()` follow docs/contract.md exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.core.debug import Debug

ParagraphKind = Literal["pp", "op", "fn", "ax"]

UNDOCS = "https://undocs.org/"


def undocs_url(symbol: str) -> str:
    """The undocs.org link of a UN document symbol ("A/RES/72/262 A" keeps its space, encoded)."""
    return UNDOCS + quote(symbol, safe="/.-()")


@dataclass(frozen=True, slots=True)
class Reference:
    """A UN document that a paragraph refers to (`resolution 70/1` -> A/RES/70/1)."""

    symbol: str
    url: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One citable unit: a preambular or operative paragraph, a footnote, an annex paragraph.

    `text` is the clean text of docs/contract.md; every quote is a substring of it.
    `markers` maps a footnote id to the offsets in `text` where its marker stood.
    `items` are the character spans of sub-items "(a)", "(b)" inside the paragraph.
    """

    id: str
    kind: ParagraphKind
    number: int
    text: str
    lead: str = ""
    footnotes: tuple[str, ...] = ()
    markers: tuple[tuple[str, int], ...] = ()
    references: tuple[Reference, ...] = ()
    items: tuple[tuple[int, int], ...] = ()
    cited_by: tuple[str, ...] = ()
    line: int = 0

    @property
    def body(self) -> str:
        """The text after the lead words ("Urges States to ..." -> "States to ...")."""
        return self.text[len(self.lead) :].lstrip(" ,") if self.lead else self.text


class LazyParagraphs(Sequence[Paragraph]):
    """A document's paragraphs, made when first used (a saved engine reads them from its
    arrays, see bot.loading.saved); equal to the tuple they stand for. `load` may forget and
    make them again: the count never needs them. `one`, when given, makes the paragraph at a
    position alone (a search's hits are single paragraphs of many documents)."""

    __slots__ = ("_count", "_load", "_one")

    def __init__(
        self,
        count: int,
        load: Callable[[], tuple[Paragraph, ...]],
        one: Callable[[int], Paragraph] | None = None,
    ) -> None:
        self._count = count
        self._load = load
        self._one = one

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, position: int) -> Paragraph: ...

    @overload
    def __getitem__(self, position: slice) -> tuple[Paragraph, ...]: ...

    def __getitem__(self, position: int | slice) -> Paragraph | tuple[Paragraph, ...]:
        if self._one is None or isinstance(position, slice):
            return self._load()[position]
        if position < 0:
            position += self._count
        if not 0 <= position < self._count:
            raise IndexError(position)
        return self._one(position)

    def __iter__(self) -> Iterator[Paragraph]:
        return iter(self._load())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self._count and tuple(self._load()) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._load())

    def __repr__(self) -> str:
        return f"LazyParagraphs({self._count})"


@dataclass(frozen=True, slots=True)
class Document:
    """A General Assembly resolution parsed from the knowledge layout."""

    symbol: str
    number: str
    title: str
    session: str = ""
    agenda_item: str = ""
    committee: str = ""
    report_symbols: tuple[str, ...] = ()
    adoption_date: str = ""
    plenary_meeting: str = ""
    distribution_date: str = ""
    annex_title: str = ""
    annex_preamble: tuple[str, ...] = ()
    paragraphs: Sequence[Paragraph] = ()
    source: str = ""

    @property
    def url(self) -> str:
        return undocs_url(self.symbol)

    @property
    def adoption_year(self) -> int | None:
        found = re.search(r"\b(?:19|20)\d\d\b", self.adoption_date)
        return int(found.group()) if found else None

    def get(self, paragraph_id: str) -> Paragraph | None:
        for paragraph in self.paragraphs:
            if paragraph.id == paragraph_id:
                return paragraph
        return None

    def of_kind(self, kind: ParagraphKind) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if p.kind == kind)

    @property
    def committee_phrase(self) -> str:
        """ "the Third Committee (A/71/484/Add.2)" or "without reference to a Main Committee"."""
        reports = " and ".join(self.report_symbols)
        if not self.committee:
            return "without reference to a Main Committee" + (f" ({reports})" if reports else "")
        return f"on the report of the {self.committee}" + (f" ({reports})" if reports else "")


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    paragraph: str
    label: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "paragraph": self.paragraph,
            "label": self.label,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Quote:
    document: str
    paragraph: str
    text: str
    spans: tuple[tuple[int, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "paragraph": self.paragraph,
            "text": self.text,
            "spans": [list(span) for span in self.spans],
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """What every surface renders. `text` is the plain-text reply a person reads."""

    text: str
    intent: str
    confidence: float
    fallback: bool = False
    citations: tuple[Citation, ...] = ()
    quotes: tuple[Quote, ...] = ()
    suggestions: tuple[str, ...] = ()
    lead: str = ""
    notes: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "fallback": self.fallback,
            "citations": [c.to_dict() for c in self.citations],
            "quotes": [q.to_dict() for q in self.quotes],
            "suggestions": list(self.suggestions),
            "lead": self.lead,
            "notes": list(self.notes),
            "choices": list(self.choices),
        }


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What a sender's session remembers between turns; plain data so any store can keep it.

    `document` and `paragraph` are the last primary citation; `cited` every paragraph of
    `document` the last answer cited; `documents` the resolutions discussed, latest first;
    `topic` what the last topic or list question searched for ("anywhere else?")."""

    document: str = ""
    paragraph: str = ""
    last_question: str = ""
    pending_question: str = ""
    pending_choices: tuple[str, ...] = ()
    cited: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    topic: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "paragraph": self.paragraph,
            "last_question": self.last_question,
            "pending_question": self.pending_question,
            "pending_choices": list(self.pending_choices),
            "cited": list(self.cited),
            "documents": list(self.documents),
            "topic": self.topic,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key, [])
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        return cls(
            document=text("document"),
            paragraph=text("paragraph"),
            last_question=text("last_question"),
            pending_question=text("pending_question"),
            pending_choices=strings("pending_choices"),
            cited=strings("cited"),
            documents=strings("documents"),
            topic=text("topic"),
        )


@dataclass(frozen=True, slots=True)
class Turn:
    """The engine's result for one message: the Answer, the sender's next state, and how the
    answer was found (for /debug; None when an intent's pattern or example answered)."""

    answer: Answer
    state: ConversationState
    debug: Debug | None = None
