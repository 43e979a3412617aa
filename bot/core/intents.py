"""Classify a message against the intents of intents/*.yaml -> the best match with its slots.

Patterns (regular expressions with named groups) are tried first; then rapidfuzz compares the
message with each intent's example utterances; below the cutoff nothing matches and the engine
retrieves paragraphs instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, get_args

from rapidfuzz import fuzz, process, utils

Action = Literal[
    "retrieve",
    "metadata",
    "lookup",
    "list",
    "template",
    "overview",
    "unsupported",
    "fallback",
    "followup",
]

# The standard library's own regular-expression parser (see required_words); typed loosely
# because it is internal to `re`.
sre_parser: Any = import_module("re._parser")
sre_constants: Any = import_module("re._constants")

ACTIONS: tuple[str, ...] = get_args(Action)

ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
    "7th": 7,
    "8th": 8,
    "9th": 9,
    "10th": 10,
    "11th": 11,
    "12th": 12,
    "13th": 13,
    "14th": 14,
    "15th": 15,
    "16th": 16,
    "17th": 17,
    "18th": 18,
    "19th": 19,
    "20th": 20,
    "last": -1,
    "final": -1,
    "penultimate": -2,
    "second to last": -2,
    "second-to-last": -2,
    "next to last": -2,
}

NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ),
        start=1,
    )
}

MACROS: dict[str, str] = {
    "ordinal": "(?P<ordinal>"
    + "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
    + ")",
    "number": r"(?P<number>\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")",
    "doc": r"(?P<doc>\d{1,3}/\d{1,4})",
}


# A word that may be an operative or preambular verb ("urge", "calls upon", "Recalling"),
# never one of the words that only shape a question.
VERB = (
    r"(?!(?:about|say|says|said|mean|means|do|does|did|contain|contains|cover|covers|address|"
    r"include|includes|state|states|tell|talk|talks|want|need|think|have|has|is|are|operative|"
    r"preambular|the|all|its|me|us|every|each|any|some|other|these|those|this|that|next|last|"
    r"first|mention|mentions|refer|refers|discuss|discusses|deal|deals|cite|cites|speak|"
    r"speaks|involve|involves|describe|describes|name|names|mentioned|discussed|referred|cited|"
    r"covered|addressed|named|described|stated|adopted|was|were|been|being|sound|sounds|seem|"
    r"seems|look|looks|feel|feels|appear|appears|get|gets|got|keep|keeps|kept)\b)"
    r"[a-z]+(?: upon| note of| on)?"
)


@dataclass(frozen=True, slots=True)
class IntentPattern:
    """One of an intent's regular expressions, kept as source and compiled on first use: a
    start compiles only the patterns its first messages reach (compiling all of them cost
    most of a cold start). `required` holds words of which any match contains at least one
    (none when nothing is known): a message with none of them is never searched
    (IntentClassifier.reached)."""

    source: str
    flags: int = re.IGNORECASE
    required: tuple[str, ...] = ()

    @classmethod
    def of(cls, source: str, flags: int = re.IGNORECASE) -> IntentPattern:
        """The pattern with its required words found by parsing it."""
        return cls(source, flags, required_words(source))

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.source, self.flags)


@dataclass(frozen=True, slots=True)
class Intent:
    """One intent as declared in YAML (validated by the loader)."""

    name: str
    action: Action
    examples: tuple[str, ...] = ()
    patterns: tuple[IntentPattern, ...] = ()
    responses: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    kind: str = ""
    by: str = ""
    priority: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class IntentMatch:
    intent: Intent
    score: float
    slots: dict[str, str]
    how: Literal["pattern", "example"]


def expand_macros(pattern: str, verbs: str = "") -> str:
    """Replace {ordinal}, {number}, {doc} and {verb} with their regular expressions."""
    out = pattern
    for name, regex in MACROS.items():
        out = out.replace("{" + name + "}", regex)
    if "{verb}" in out:
        out = out.replace("{verb}", "(?P<verb>" + (verbs or VERB) + ")")
    return out


def normalise(message: str) -> str:
    """Lower case, curly quotes straightened, spaces folded; punctuation kept for patterns."""
    text = message.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


# What people add to a request without changing it: courtesy, fillers, intensifiers ("right
# after"), quotes around a word ('Recalling'), and who adopted it ("GA", "UN").
_PLAIN_REQUEST: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(?<![\w'])['\"`]+|['\"`]+(?![\w'])", " "),
        (r"^\W*(?:hey|hi|hello|ok(?:ay)?|so|um+|uh+|well|right|sorry)\b[\s,!.:-]+(?=\w)", ""),
        (r"\b(?:please|pls|plz|plse|kindly|thanks|thank you|thx|ty|cheers)\b[,!.]*", " "),
        (r"\b(?:could|can|would|will) (?:you|u)(?: possibly)?\b", " "),
        (r"\b(?:i'?d|i would) (?:like|love) (?:to (?:know|see|read|have)|you to)\b", " "),
        (r"\bi (?:want|need|wish) to (?:know|see|read)\b|\bi was wondering\b|\bi wonder\b", " "),
        (r"\b(?:just|actually|basically|really|exactly|quickly|quick question|real quick)\b", " "),
        (
            r"\b(?:right|immediately|directly|straight) (?=(?:after|before|following|preceding)\b)",
            "",
        ),
        (r"\bvery (?=(?:last|first|final|end|beginning|start)\b)", ""),
        (r"(?<![\w.])(?:un|u\.n\.|ga|unga)(?:'s)? (?=[a-z])", ""),
        (
            r"(?<=[?.!,;:-])\s*(?:-\s*)?(?:and )?(?:list (?:them|it) all|list them|"
            r"all of (?:it|them)|(?:them|it) all|every (?:single )?one(?: of them)?|"
            r"each (?:one|of them)|the whole list|everything)\W*$",
            "",
        ),
    )
)


def plain_request(text: str) -> str:
    """A normalised message without what does not change its intent ("Kindly quote
    paragraph 12 in full, pls" -> "quote paragraph 12 in full")."""
    for pattern, replacement in _PLAIN_REQUEST:
        text = " ".join(pattern.sub(replacement, text).split())
    text = re.sub(r"\s+([,.?!])", r"\1", " ".join(text.split()))
    return re.sub(r"^[\s,.;:!-]+", "", text)


_NEVER = re.compile(r"(?!)")


class IntentClassifier:
    """Patterns first (highest priority wins), then fuzzy example matching."""

    def __init__(self, intents: tuple[Intent, ...], *, example_cutoff: float = 88.0) -> None:
        self.intents = intents
        self.example_cutoff = example_cutoff
        self._examples: list[str] = []
        self._owners: list[Intent] = []
        ranked = sorted(intents, key=lambda i: -i.priority)  # stable: file order within ties
        # (intent, pattern, its required words as a set: empty when nothing is required)
        self._patterns = [
            (intent, pattern, frozenset(pattern.required))
            for intent in ranked
            for pattern in intent.patterns
        ]
        self._words = tuple(sorted({word for *_, required in self._patterns for word in required}))
        self._compiled: dict[IntentPattern, re.Pattern[str]] = {}
        for intent in intents:
            for example in intent.examples:
                self._examples.append(utils.default_process(example))
                self._owners.append(intent)

    def classify(self, message: str) -> IntentMatch | None:
        """The message as asked, without courtesy and fillers first ("kindly quote paragraph 12
        in full" is a lookup); as written when that finds nothing ("thanks a lot")."""
        raw = normalise(message)
        for text in dict.fromkeys((plain_request(raw), raw)):
            if not re.search(r"\w", text):
                continue
            found = self._by_pattern(text) or self._by_example(text)
            if found is not None:
                return found
        return None

    def candidates(self, message: str, limit: int = 3) -> list[tuple[str, float]]:
        """The closest intents by example, for /debug."""
        text = utils.default_process(normalise(message))
        found = process.extract(
            text, self._examples, scorer=fuzz.QRatio, processor=None, limit=limit
        )
        return [(self._owners[i].name, float(score)) for _, score, i in found]

    def reached(self, text: str) -> Iterator[tuple[Intent, IntentPattern]]:
        """The patterns worth searching in this (normalised) text, in priority order (ties:
        file order): those whose required words it holds, each word looked for once."""
        present = {word for word in self._words if word in text}
        for intent, pattern, required in self._patterns:
            if not required or not required.isdisjoint(present):
                yield intent, pattern

    def _by_pattern(self, text: str) -> IntentMatch | None:
        """The first matching pattern in priority order; a pattern whose required words are
        missing from the message is not even searched."""
        for intent, pattern in self.reached(text):
            match = self._compile(pattern).search(text)
            if match is not None:
                slots = {k: v.strip() for k, v in match.groupdict().items() if v}
                return IntentMatch(intent, 1.0, slots, "pattern")
        return None

    def compile_all(self) -> None:
        """Compile every pattern now (a server, before its first message) rather than when a
        message first reaches it (a one-question command)."""
        for _, pattern, _ in self._patterns:
            self._compile(pattern)

    def _compile(self, pattern: IntentPattern) -> re.Pattern[str]:
        """The pattern compiled once per classifier. The loader compiled every pattern when it
        read the YAML and the saved engine is verified by checksum, so a pattern that still
        fails to compile is one that can never match, not an error to show a user."""
        compiled = self._compiled.get(pattern)
        if compiled is None:
            try:
                compiled = pattern.compiled()
            except re.error:
                compiled = _NEVER
            self._compiled[pattern] = compiled
        return compiled

    def _by_example(self, text: str) -> IntentMatch | None:
        if not self._examples:
            return None
        processed = utils.default_process(text)
        if not processed:
            return None
        found = process.extractOne(
            processed,
            self._examples,
            scorer=fuzz.QRatio,
            processor=None,
            score_cutoff=self.example_cutoff,
        )
        if found is None:
            return None
        _, score, index = found
        return IntentMatch(self._owners[index], float(score) / 100.0, {}, "example")


def required_words(pattern: str) -> tuple[str, ...]:
    """Words of which any match of the pattern must contain at least one: its most selective
    requirement (the one whose shortest word is longest). A requirement is a literal run outside
    any repeat or look-around ("paragraph"), or a branch whose every alternative has one
    ("(next|following) paragraph" requires "next" or "following"). Parsed with the standard
    library's own regular-expression parser; anything unexpected means no requirement (always
    searched)."""
    try:
        parsed = list(sre_parser.parse(pattern))
    except (re.error, TypeError, ValueError, RecursionError):
        return ()
    return _most_selective(_requirements(parsed))


def _most_selective(requirements: list[tuple[str, ...]]) -> tuple[str, ...]:
    return max(requirements, key=lambda words: (min(map(len, words)), -len(words)), default=())


def _requirements(items: list[Any]) -> list[tuple[str, ...]]:
    """Every requirement of a sequence of parsed items (each a tuple of words: any one)."""
    found: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush() -> None:
        found.extend((word,) for word in re.findall(r"[a-z0-9]{2,}", "".join(run).lower()))
        run.clear()

    for op, value in items:
        if op is sre_constants.LITERAL:
            run.append(chr(value))
            continue
        flush()
        if op is sre_constants.SUBPATTERN:
            found.extend(_requirements(list(value[-1])))
        elif op is sre_constants.ATOMIC_GROUP:
            found.extend(_requirements(list(value)))
        elif op is sre_constants.BRANCH:
            found.extend(_branch_requirement(value[1]))
    flush()
    return found


def _branch_requirement(alternatives: list[Any]) -> list[tuple[str, ...]]:
    """One requirement from each alternative, joined: none when an alternative has none."""
    words: list[str] = []
    for alternative in alternatives:
        best = _most_selective(_requirements(list(alternative)))
        if not best:
            return []
        words.extend(best)
    return [tuple(dict.fromkeys(words))]


def number_value(text: str) -> int | None:
    """ "12" -> 12, "six" -> 6; None for anything else."""
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text.lower())


def ordinal_value(word: str) -> int | None:
    return ORDINALS.get(word.lower())
