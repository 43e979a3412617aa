"""The FAQ: common questions declared as data (knowledge/faq.yaml), answered by the engine itself
when the FAQ is built, so every answer quotes and cites the text that is loaded.

`load_faq` reads and validates the file (problems name file and line); `build_faq` is pure: it
asks the engine each question with a fresh conversation, one section per loaded document, the
question worded for that document ("When was resolution 73/8 adopted?"). Every answer is checked
before it is published: one that cites a paragraph lacking the question's key terms is left out
and reported as the question's file:line (`resbot check` fails on it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.core.models import Answer, ConversationState, Document, Turn
from bot.loading.defaults import packaged_dir, source_dir
from bot.loading.errors import LoadError
from bot.loading.yamlfiles import line_of, read_yaml, schema_problems

FAQ_FILE = "faq.yaml"
DEFAULT_TITLE = "Frequently asked questions"

FAQ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["themes"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "themes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["theme", "questions"],
                "additionalProperties": False,
                "properties": {
                    "theme": {"type": "string", "pattern": r"\S"},
                    "questions": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": r"\w"},
                    },
                },
            },
        },
    },
}


class Answering(Protocol):
    """What the FAQ needs of an engine: the documents, one reply per question, and the key
    terms of a question that an answer's first cited paragraph lacks."""

    @property
    def documents(self) -> Sequence[Document]: ...

    def reply(self, message: str, state: ConversationState) -> Turn: ...

    def unsupported_terms(self, question: str, answer: Answer) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class FaqTheme:
    theme: str
    questions: tuple[str, ...]
    lines: tuple[int, ...] = ()  # the line of each question in the file


@dataclass(frozen=True, slots=True)
class FaqSpec:
    """knowledge/faq.yaml, validated."""

    title: str
    themes: tuple[FaqTheme, ...]
    source: str = FAQ_FILE


@dataclass(frozen=True, slots=True)
class FaqEntry:
    anchor: str
    question: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class FaqGroup:
    theme: str
    entries: tuple[FaqEntry, ...]


@dataclass(frozen=True, slots=True)
class FaqSection:
    """The FAQ of one document."""

    symbol: str
    title: str
    url: str
    groups: tuple[FaqGroup, ...]


@dataclass(frozen=True, slots=True)
class Faq:
    """The built FAQ. `skipped`: questions left out of a section, the text not answering them;
    `problems`: answers left out because they cite a paragraph that does not hold the
    question's key terms, as 'file:line: symbol: question: why'."""

    title: str
    sections: tuple[FaqSection, ...]
    skipped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def scoped(self) -> bool:
        """True when several documents are loaded (questions name their resolution)."""
        return len(self.sections) > 1

    def entries(self) -> Iterator[FaqEntry]:
        for section in self.sections:
            for group in section.groups:
                yield from group.entries


# -- loading -------------------------------------------------------------------------------
def load_faq(path: Path) -> FaqSpec:
    """The FAQ questions of `path`; LoadError ('file:line: message') when missing or invalid."""
    if not path.is_file():
        raise LoadError([f"{path}: the FAQ file is missing"])
    data, node, problems = read_yaml(path)
    if not problems:
        problems = schema_problems(path, data, node, FAQ_SCHEMA)
    if not problems:
        problems = duplicate_problems(path, data, node)
    if problems:
        raise LoadError(problems)
    themes = tuple(
        FaqTheme(
            " ".join(item["theme"].split()),
            tuple(" ".join(q.split()) for q in item["questions"]),
            tuple(
                line_of(node, ["themes", t, "questions", q]) for q in range(len(item["questions"]))
            ),
        )
        for t, item in enumerate(data["themes"])
    )
    title = " ".join(data.get("title", DEFAULT_TITLE).split())
    return FaqSpec(title=title, themes=themes, source=str(path))


def faq_files(knowledge_dir: Path) -> tuple[Path, ...]:
    """Where the FAQ questions come from, the first that exists first: the knowledge folder's
    faq.yaml, else the default shipped with resbot (in the wheel, or in a source checkout)."""
    return (knowledge_dir / FAQ_FILE, *shipped_faq_files())


def shipped_faq_files() -> tuple[Path, ...]:
    return (packaged_dir("knowledge") / FAQ_FILE, source_dir("knowledge") / FAQ_FILE)


def duplicate_problems(path: Path, data: dict[str, Any], node: Any) -> list[str]:
    seen: set[str] = set()
    problems = []
    for t, item in enumerate(data["themes"]):
        for q, question in enumerate(item["questions"]):
            key = " ".join(question.lower().split())
            if key in seen:
                line = line_of(node, ["themes", t, "questions", q])
                problems.append(f"{path}:{line}: themes.{t}.questions.{q}: duplicate question")
            seen.add(key)
    return problems


def faq_problems(knowledge_dir: Path) -> list[str]:
    """For `resbot check`: what is wrong with knowledge/faq.yaml (nothing when it is absent)."""
    path = knowledge_dir / FAQ_FILE
    if not path.exists():
        return []
    try:
        load_faq(path)
    except LoadError as error:
        return error.problems
    return []


# -- building ------------------------------------------------------------------------------
def build_faq(engine: Answering, spec: FaqSpec) -> Faq:
    """Ask the engine every question about every document. An answer that does not rest on the
    text (a fallback, a "which resolution?" choice, no citation) is left out and listed in
    `skipped`; one citing a paragraph without the question's key terms is left out and listed
    in `problems`."""
    documents = list(engine.documents)
    scoped = len(documents) > 1
    sections: list[FaqSection] = []
    skipped: list[str] = []
    problems: list[str] = []
    counter = 0
    for document in documents:
        groups: list[FaqGroup] = []
        for theme in spec.themes:
            entries: list[FaqEntry] = []
            for position, question in enumerate(theme.questions):
                asked = scoped_question(question, document.number) if scoped else question
                answer = engine.reply(asked, ConversationState()).answer
                if not grounded(answer, document.symbol):
                    skipped.append(f"{document.symbol}: {question}")
                    continue
                missing = engine.unsupported_terms(asked, answer)
                if missing:
                    line = theme.lines[position] if position < len(theme.lines) else 1
                    label = answer.citations[0].label
                    terms = ", ".join(f"“{t}”" for t in missing)
                    problems.append(
                        f"{spec.source}:{line}: {document.symbol}: {question} "
                        f"cites {label}, which does not hold {terms}"
                    )
                    continue
                counter += 1
                entries.append(FaqEntry(f"q{counter}", asked, answer))
            if entries:
                groups.append(FaqGroup(theme.theme, tuple(entries)))
        sections.append(FaqSection(document.symbol, document.title, document.url, tuple(groups)))
    return Faq(spec.title, tuple(sections), tuple(skipped), tuple(problems))


def faq_answer_problems(engine: Answering, knowledge_dir: Path) -> list[str]:
    """For `resbot check`: FAQ answers that would cite a paragraph lacking their question's
    key terms, as file:line (nothing when there is no FAQ file or it is invalid)."""
    path = knowledge_dir / FAQ_FILE
    if not path.is_file():
        return []
    try:
        spec = load_faq(path)
    except LoadError:
        return []  # reported by faq_problems
    return list(build_faq(engine, spec).problems)


def grounded(answer: Answer, symbol: str) -> bool:
    """The answer quotes or cites the document it is filed under, and does not fall back."""
    if answer.fallback or answer.choices or not answer.citations:
        return False
    return answer.citations[0].document == symbol


_END = re.compile(r"^(.*?)([?!.]*)$", re.S)
_THE_RESOLUTION = re.compile(r"\b(?:this|the) resolution\b", re.I)
_IT = re.compile(r"\bit\b")
_PARAGRAPH = re.compile(
    r"\b(?:the )?(?:\w+ )?(?:operative |preambular )?paragraph(?: \d+)?\b|\bthe preamble\b",
    re.I,
)


def scoped_question(question: str, number: str) -> str:
    """The question worded for one of several resolutions, as a person would ask it: "What is
    this resolution about?" -> "What is resolution 73/8 about?", "When was it adopted?" ->
    "When was resolution 73/8 adopted?", "What does the first operative paragraph say?" ->
    "What does the first operative paragraph of resolution 73/8 say?"; otherwise "... in
    resolution 73/8?"."""
    match = _END.match(question.strip())
    body, end = (match.group(1), match.group(2)) if match else (question, "")
    name = f"resolution {number}"
    for pattern, replacement in (
        (_THE_RESOLUTION, name),
        (_IT, name),
        (_PARAGRAPH, lambda m: f"{m.group(0)} of {name}"),
    ):
        worded, count = pattern.subn(replacement, body, count=1)
        if count:
            return f"{worded}{end or '?'}"
    return f"{body} in {name}{end or '?'}"
