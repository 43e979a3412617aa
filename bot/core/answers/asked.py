"""What kind of fact a question asks for (a person, a date, a deadline, a place, a number, an
article), and whether a passage holds one: a quote answers "when" only if it gives a time.

The checks read the shape of the text (a year, "by 2030", "in Vienna", "40 million", "article
12"), never particular questions or answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.text import fold

MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|thousand|million|billion|half|third|quarter|dozen"
)
_YEAR = r"\b(?:19|20)\d\d\b"
_DATE = rf"\b\d{{1,2}} (?:{MONTHS})\b|\b(?:{MONTHS}) \d{{4}}\b|{_YEAR}"
_SESSION = r"\b(?:\w+-)?\w+ (?:session|anniversary)\b|\bannually\b|\beach year\b|\bevery year\b"
_DEADLINE = (
    rf"\b(?:by|until|before|no later than|not later than|from \d{{4}} to) (?:the end of )?"
    rf"(?:{_DATE}|(?:its |the )?\w+(?:-\w+)? session)|\bas soon as possible\b|\bwithout delay\b"
)
_PLACE = r"\b(?:in|at|from) (?!the\b|its\b|their\b|a\b|an\b)[A-Z][a-z]+"
# A count or amount: not a reference number ("article 11", "resolution 72/4", "No. 53").
_NOT_A_COUNT = "".join(
    rf"(?<!{word} )"
    for word in ("article", "articles", "paragraph", "paragraphs", "resolution", "chapter", "No.")
)
# A year standing alone ("since its creation in 2001") is a date, not a count.
_QUANTITY = (
    rf"{_NOT_A_COUNT}(?<![/\d])\b(?!{_YEAR}(?![,.]\d))\d[\d,.]*\b(?![/\d])(?! (?:{MONTHS}))"
    rf"|\b(?:{NUMBER_WORDS})\b|\bper cent\b|%"
)
_MONEY = (
    r"\b(?:dollars?|euros?|francs?|pounds? sterling|yen|yuan|roubles?|rupees?|USD|EUR|CHF|GBP)\b"
    r"|[$€£¥]\s?\d"
)
_ARTICLE = r"\barticles? [IVXLC\d]+"
_DURATION = (
    rf"\b(?:\d[\d,.]*|{NUMBER_WORDS})(?:[- ]\w+)?[- ]"
    r"(?:years?|months?|weeks?|days?|hours?|decades?)\b"
)
_NAMED_PERSON = r"\b(?:Mr|Ms|Mrs|Dr|Sir|Madam|H\.E)\.? [A-Z][a-z]+"
_ACTOR = r"\b(?:[A-Z][a-z]+(?:[- ](?:of |on |for |the )*[A-Z][a-z]+)*)"

_NOW = (
    r"at the moment|at present|currently|right now|nowadays|these days|as of (?:now|today)|"
    r"as we speak|(?:is|are) still (?:going on|ongoing|happening)"
)
# Words by which a question asks about the text itself, not about the world.
_TEXT_ITSELF = (
    r"\b(?:resolutions?|texts?|documents?|declarations?|paragraphs?|preamble|wording|"
    r"(?:it|they) (?:say|says|said|mention|mentions|describe|describes))\b"
)

# "when"/"where" ask for a time or place when a question starts there ("when was it
# adopted?"), not when they open a clause ("when the UN helps a country, who decides?").
_AUXILIARY = (
    r"(?:is|was|are|were|did|does|do|will|would|should|must|can|could|has|have|had|shall)\b"
)

_ASKS: tuple[tuple[str, str], ...] = (
    ("deadline", r"\bby when\b|\buntil when\b|\bdeadline\b|\bhow (?:soon|quickly|fast)\b"),
    ("article", r"\b(?:which|what) articles?\b"),
    ("person", r"\bwho (?:is|was|are|were) (?:the )?(?:current |present |first |new )"),
    (
        "person",
        r"\bwho (?:is|was) (?:the )?(?:[\w-]+ ){0,2}?(?:head|chair\w*|president|director\w*|"
        r"leader|prosecutor|"
        r"secretary|judge|registrar|high commissioner|minister|ambassador|author)(?:[- ]general)?"
        r"(?: of(?: the)? [\w' .-]+?)?(?: when [^?]+)?\s*\??$",
    ),
    ("person", r"\bwho (?:was|were) the first\b|\bfirst (?:person|man|woman) to\b"),
    ("person", r"\bwho (?:heads|chairs|leads|runs)\b|\bname of the (?:current )?\w+\b"),
    # An amount of money ("how much did it cost?", "how much money a year?") is given only by
    # a passage naming a currency: a date's or a count's number is not a price.
    (
        "money",
        r"\bhow (?:expensive|costly)\b|\bhow much (?:money\b|[^?]*?\b(?:cost|costs|costing|"
        r"spend|spent|spends|pay|paid|pays|funding|invest|invested|budget)\b)"
        r"|\bwhat (?:is|was|'s|are|were) the (?:\w+ )?(?:cost|price|budget)s?\b"
        r"|\bhow (?:big|large|high) (?:is|are|was|were) (?:the |its |their )?(?:\w+ )?"
        r"(?:budget|cost|price|funding)s?\b",
    ),
    (
        "quantity",
        r"\bhow (?:many|much|big|large|high|expensive|costly)\b"
        r"|\bwhat (?:is|was|'s|are|were) the (?:\w+ )?(?:population|number|cost|size|amount|total|"
        r"budget|percentage|share|figure)s?\b",
    ),
    # A past event's time ("when did they first impose it?") is a calendar date; "its next
    # session" or "each year" answers only when something is to happen.
    ("past_date", r"\bwhen (?:did|was|were|had)\b|\bhow long ago\b|\bin (?:what|which) year\b"),
    # "How long does treatment last?" asks for a length of time ("how long ago" is a date).
    ("duration", r"\bhow long\b(?! ago\b)|\bfor how many (?:years|months|weeks|days)\b"),
    ("date", rf"\bwhen {_AUXILIARY}|\b(?:what|which) (?:year|date|day)\b"),
    ("place", rf"\bwhere {_AUXILIARY}|\bin which (?:city|country|place)\b|\bwhich city\b"),
    # "who" asks for an actor where it opens the question or a clause of it, not inside one
    # ("... that people who committed atrocities ..."), and as its subject: "who do they
    # promise to help?" asks for the people helped, whom a text names in common nouns (the
    # poor, children) as often as by name.
    (
        "actor",
        r"(?:^|[,;:.?!(]\s*|\b(?:and|or|but|so|then)\s+)(?:who|whose)\b(?! (?:do|does|did)\b)"
        r"|\bwhich (?:body|organ|organization|country|countries)\b",
    ),
    # How things stand today ("which cases is the court investigating at the moment?"): a
    # resolution speaks as of its adoption, so no passage of it gives that. Only a question
    # that does not ask about the text itself ("how does the resolution describe ... these
    # days?" asks what the text says).
    ("now", rf"^(?!.*{_TEXT_ITSELF}).*\b(?:{_NOW})\b"),
)

_HOLDS: dict[str, str] = {
    "deadline": _DEADLINE,
    "article": _ARTICLE,
    "person": _NAMED_PERSON,
    "quantity": _QUANTITY,
    "money": _MONEY,
    "date": rf"{_DATE}|{_SESSION}",
    "past_date": _DATE,
    "duration": _DURATION,
    "place": _PLACE,
    "actor": _ACTOR,
    "now": r"(?!)",  # never: a resolution does not say how things stand today
    "later": r"(?!)",  # never: nor what happened after its adoption
}

NOUNS: dict[str, str] = {
    "deadline": "a deadline",
    "article": "which article",
    "person": "who that is",
    "quantity": "that number",
    "money": "that amount of money",
    "date": "that date",
    "past_date": "that date",
    "duration": "how long that lasts",
    "place": "that place",
    "actor": "who",
    "now": "how things stand today",
    "later": "what happened after its adoption",
}

# "... according to the resolution?": what the text says of the article, which it may give.
_ACCORDING_TO_TEXT = re.compile(
    r"\b(?:according to|in) (?:the |this |that )?(?:resolution|text|document)\b"
)
_CITED_ARTICLE = re.compile(r"\barticle (\d+|[ivxlc]+)\b")
# "What does article IV of the Outer Space Treaty prohibit?" asks for the article's own words: a
# resolution that cites the article ("in particular Article 1, paragraph 3") does not give them;
# only a passage that is the article (an annexed text's "Article 4 ...") does.
_ARTICLE_CONTENT = re.compile(
    r"\bwhat (?:exactly |precisely |actually )?(?:does|do|did) (?:[\w'-]+ ){0,4}?"
    r"articles? (\d+|[ivxlc]+)\b[^?]*?\b(?:say|says|state|states|provide|provides|prohibit|"
    r"prohibits|forbid|forbids|require|requires|mean|means|contain|contains|cover|covers)\b"
)


# A past event dated after the resolution's adoption ("what did the 2023 meeting decide?",
# "what happened in 2023?"): the text, which speaks as of its adoption, can at most have looked
# ahead to it. A year after "by", "until", "for" or "to" is a target the text may set.
_LATER_YEAR = re.compile(rf"(?<!\bby )(?<!\buntil )(?<!\bfor )(?<!\bto )\b(?:the|in) ({_YEAR})")
_PAST_EVENT = re.compile(
    r"\b(?:did|happened|took place|was held|were held|was decided|was agreed|came out|"
    r"concluded|resulted)\b"
)


def later_year(question: str, adopted_year: int | None) -> str:
    """The year after a resolution's adoption that a question asks about as past ("" when it
    asks no such thing, or asks what the text itself says)."""
    if adopted_year is None:
        return ""
    folded = fold(question)
    if re.search(_TEXT_ITSELF, folded) or not _PAST_EVENT.search(folded):
        return ""
    return next((y for y in _LATER_YEAR.findall(folded) if int(y) > adopted_year), "")


@dataclass(frozen=True, slots=True)
class Asked:
    """The kind of fact asked for ("" when the question asks about a topic; "article_text" when
    it asks what an article itself says) and, when the question names "article N", that
    article."""

    kind: str = ""
    article: str = ""
    year: str = ""  # kind "later": the year after the adoption asked about

    @property
    def any(self) -> bool:
        return bool(self.kind or self.article)

    @property
    def noun(self) -> str:
        if self.article:
            return f"what article {self.article} says"
        return NOUNS.get(self.kind, "that")


def asked_in(question: str, *, names_a_resolution: bool = False) -> Asked:
    """The kind of fact the question asks for. `names_a_resolution`: the question named one
    (its words already taken out of `question`), so it asks what that text says, never how
    things stand today ("what does the space resolution say happens nowadays")."""
    folded = fold(question)
    content = _ARTICLE_CONTENT.search(folded)
    if content and not _ACCORDING_TO_TEXT.search(folded):
        return Asked("article_text", content.group(1))
    kind = next((k for k, pattern in _ASKS if re.search(pattern, folded)), "")
    if kind == "now" and names_a_resolution:
        return Asked()
    article = _CITED_ARTICLE.search(folded)
    return Asked(kind, article.group(1) if article else "")


# The thing a quantity question counts or measures: "how many judges", "how much money", "how
# big is the (annual) budget", "what is the total cost".
_COUNTED = re.compile(
    r"\bhow (?:many|much) (?:of )?(?:the )?([a-z][\w-]*)"
    r"|\bhow (?:big|large|high|expensive|costly) (?:is|are|was|were) (?:the |its |their )?"
    r"(?:[a-z]+ )?([a-z][\w-]*)"
    r"|\bwhat (?:is|was|'s|are|were) the (?:[a-z]+ )?(population|number|cost|size|amount|total|"
    r"budget|percentage|share|figure)s?\b"
)


def counted(question: str) -> str:
    """The word for what a quantity question counts or measures ("" when it names none)."""
    found = _COUNTED.search(fold(question))
    if not found:
        return ""
    return next(g for g in found.groups() if g)


def holds(asked: Asked, text: str) -> bool:
    """Whether a passage holds the kind of fact asked for."""
    if asked.article and not re.search(
        rf"\barticles? (?:[\w, ]+ and )?{re.escape(asked.article)}\b", text, re.IGNORECASE
    ):
        return False
    if not asked.kind:
        return True
    if asked.kind == "article_text":
        heading = rf"\s*articles? {re.escape(asked.article)}\b"
        return re.match(heading, text, re.IGNORECASE) is not None
    pattern = _HOLDS[asked.kind]
    flags = 0 if asked.kind in {"place", "actor", "person", "article"} else re.IGNORECASE
    if asked.kind == "article":
        flags = re.IGNORECASE
    return re.search(pattern, text, flags) is not None


def fact_spans(asked: Asked, text: str) -> list[tuple[int, int]]:
    """Where facts of the asked kind stand in a text (to keep them inside a quote)."""
    if not asked.kind or asked.kind == "article_text":
        return []  # an article's text is the whole passage
    pattern = _HOLDS[asked.kind]
    flags = 0 if asked.kind in {"place", "actor", "person"} else re.IGNORECASE
    return [m.span() for m in re.finditer(pattern, text, flags)]
