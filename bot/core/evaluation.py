"""Answer-quality measurement over an eval file (docs/contract.md, "Evaluation files"): one
`document` or several `documents`, gold ids bare (`op12`) or qualified (`A/RES/73/7:op5`),
`gold_all`, `expect`, and dialogues graded turn by turn."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, Citation, ConversationState, Document, Turn
from bot.core.verify import quote_problems


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    gold_all: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    dialogue: str = ""
    turn: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    answer: Answer
    correct: bool
    rank: int  # 1-based rank of the first gold citation, 0 when none
    why: str
    quote_errors: tuple[str, ...]
    ms: float = 0.0


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # documents the file names, not loaded

    def by_kind(self) -> dict[str, tuple[int, int]]:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            key = "dialogue" if outcome.case.dialogue else outcome.case.kind
            table[key][0] += int(outcome.correct)
            table[key][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(table.items())}

    def summary(self) -> dict[str, Any]:
        questions = [o for o in self.outcomes if not o.case.dialogue]
        answerable = [o for o in questions if o.case.gold]
        negatives = [o for o in self.outcomes if not o.case.gold]
        fell_back = [o for o in self.outcomes if o.answer.fallback]
        true_fallbacks = [o for o in fell_back if not o.case.gold]
        ranked = [o for o in self.outcomes if o.case.gold]
        dialogues = [o for o in self.outcomes if o.case.dialogue]
        return {
            "questions": len(questions),
            "answerable_first_citation": _ratio(
                sum(o.correct for o in answerable), len(answerable)
            ),
            "topic_first_citation": _ratio(
                sum(o.rank == 1 for o in answerable if o.case.kind == "topic"),
                sum(1 for o in answerable if o.case.kind == "topic"),
            ),
            "dialogue_turns": _ratio(sum(o.correct for o in dialogues), len(dialogues)),
            "fallback_precision": _ratio(len(true_fallbacks), len(fell_back)),
            "fallback_recall": _ratio(len(true_fallbacks), len(negatives)),
            "hit_at_3": _ratio(sum(0 < o.rank <= 3 for o in ranked), len(ranked)),
            "mrr": round(sum(1 / o.rank for o in ranked if o.rank) / len(ranked), 4)
            if ranked
            else 0.0,
            "quotes_verbatim": not any(o.quote_errors for o in self.outcomes),
            "documents_not_loaded": list(self.missing),
            "quote_errors": sum(len(o.quote_errors) for o in self.outcomes),
            "by_kind": {
                k: {"correct": c, "total": t, "accuracy": _ratio(c, t)}
                for k, (c, t) in self.by_kind().items()
            },
        }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def qualified(gold_id: str, document: str) -> str:
    """`op12` in a file about one `document` -> `A/RES/71/194:op12`; an id that names its
    document, or a bare id in a file about several (any loaded document), stays as it is."""
    if ":" in gold_id or not document:
        return gold_id
    return f"{document}:{gold_id}"


def matches(gold_id: str, citation: Citation) -> bool:
    """Whether a citation is the gold id: `DOC:pid` needs that document, a bare id any."""
    if ":" in gold_id:
        return gold_id == f"{citation.document}:{citation.paragraph}"
    return gold_id == citation.paragraph


def named_documents(data: dict[str, Any]) -> tuple[str, ...]:
    """The symbols an eval file is about: `document`, or the `documents` list."""
    one = data.get("document")
    if isinstance(one, str) and one:
        return (one,)
    several = data.get("documents") or ()
    return tuple(str(s) for s in several) if isinstance(several, list) else ()


def cases_from(data: dict[str, Any]) -> tuple[list[Case], list[list[Case]]]:
    one = data.get("document")
    document = one if isinstance(one, str) else ""

    def ids(item: dict[str, Any], key: str) -> tuple[str, ...]:
        return tuple(qualified(str(g), document) for g in item.get(key) or ())

    questions = [
        Case(
            id=str(item.get("id", f"q{n}")),
            question=str(item["q"]),
            kind=str(item.get("kind", "topic")),
            gold=ids(item, "gold"),
            gold_all=ids(item, "gold_all"),
            expect=tuple(item.get("expect") or ()),
        )
        for n, item in enumerate(data.get("questions") or [], start=1)
    ]
    dialogues = []
    for n, dialogue in enumerate(data.get("dialogues") or [], start=1):
        name = str(dialogue.get("id", f"dialogue{n}"))
        dialogues.append(
            [
                Case(
                    id=f"{name}.{t}",
                    question=str(turn["q"]),
                    kind="dialogue",
                    gold=ids(turn, "gold"),
                    gold_all=ids(turn, "gold_all"),
                    expect=tuple(turn.get("expect") or ()),
                    dialogue=name,
                    turn=t,
                )
                for t, turn in enumerate(dialogue.get("turns") or [], start=1)
            ]
        )
    return questions, dialogues


def judge(case: Case, answer: Answer, documents: Sequence[Document], ms: float = 0.0) -> Outcome:
    cited = [f"{c.document}:{c.paragraph}" for c in answer.citations]
    rank = next(
        (
            i
            for i, c in enumerate(answer.citations, start=1)
            if any(matches(g, c) for g in case.gold)
        ),
        0,
    )
    errors = tuple(quote_problems(answer, documents))
    why = ""
    if not case.gold:
        correct = answer.fallback and not answer.citations
        why = "" if correct else f"should fall back; cited {cited[:3]}"
    else:
        correct = rank == 1 and not answer.fallback
        if answer.fallback:
            why = "fell back"
        elif rank != 1:
            why = f"first citation {cited[:1] or 'none'}, gold {list(case.gold)}"
        missing = [g for g in case.gold_all if not any(matches(g, c) for c in answer.citations)]
        if correct and missing:
            correct, why = False, f"list misses {missing}"
        lowered = answer.text.lower()
        if correct and case.expect and not any(e.lower() in lowered for e in case.expect):
            correct, why = False, f"text lacks any of {list(case.expect)}"
    if errors:
        correct = False
        why = (why + "; " if why else "") + "; ".join(errors)
    return Outcome(case, answer, correct, rank, why, errors, ms)


def run_eval(engine: AnswerEngine, data: dict[str, Any]) -> Report:
    """Each question in a fresh conversation, each dialogue in one. When the file names its one
    `document` and that document is loaded, conversations start about it, as a person asking
    about one resolution would be understood; otherwise (several `documents`) they start with
    no context. Named documents that are not loaded are listed in the report."""
    questions, dialogues = cases_from(data)
    named = named_documents(data)
    loaded = {d.symbol for d in engine.documents}
    one = named[0] if len(named) == 1 and "documents" not in data else ""
    start = ConversationState(document=one) if one in loaded else ConversationState()
    report = Report(missing=[s for s in named if s not in loaded])
    for case in questions:
        turn, ms = timed_reply(engine, case.question, start)
        report.outcomes.append(judge(case, turn.answer, engine.documents, ms))
    for dialogue in dialogues:
        state = start
        for case in dialogue:
            turn, ms = timed_reply(engine, case.question, state)
            state = turn.state
            report.outcomes.append(judge(case, turn.answer, engine.documents, ms))
    return report


def timed_reply(engine: AnswerEngine, message: str, state: ConversationState) -> tuple[Turn, float]:
    started = time.perf_counter()
    turn = engine.reply(message, state)
    return turn, (time.perf_counter() - started) * 1000


def median_ms(report: Report) -> float:
    times = sorted(o.ms for o in report.outcomes)
    return round(times[len(times) // 2], 3) if times else 0.0


# Confidence bands of the answers that cite something: [low, high).
CONFIDENCE_BANDS: tuple[tuple[float, float], ...] = (
    (0.8, 1.01),
    (0.6, 0.8),
    (0.4, 0.6),
    (0.0, 0.4),
)


def accuracy_by_confidence(report: Report) -> list[dict[str, Any]]:
    """How often the answers given at each confidence were right: a confidence that means
    what it says is right about as often as it claims (>= 90% at 0.8 and above). Only answers
    that cite a paragraph count; fallbacks and clarifying questions claim nothing."""
    rows = []
    for low, high in CONFIDENCE_BANDS:
        inside = [
            o
            for o in report.outcomes
            if o.answer.citations and not o.answer.fallback and low <= o.answer.confidence < high
        ]
        right = sum(o.correct for o in inside)
        rows.append(
            {
                "band": f"[{low:.1f}, {min(high, 1.0):.1f}{']' if high > 1 else ')'}",
                "answered": len(inside),
                "correct": right,
                "accuracy": _ratio(right, len(inside)),
            }
        )
    return rows
