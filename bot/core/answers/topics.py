"""Topic questions: retrieve the best paragraphs, choose the clauses that answer, and decide
whether the text grounds an answer at all (the confidence the fallback threshold is set on)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.answers.compose import Selection, select_clauses, whole
from bot.core.index import Entry, Hit, ParagraphIndex, Query
from bot.core.text import fold

FALLBACK_THRESHOLD = 0.3
SECONDARY_RATIO = 0.7
NUMBER_ONLY_CONFIDENCE = 0.2


@dataclass(frozen=True, slots=True)
class Retrieved:
    query: Query
    hits: tuple[Hit, ...]
    confidence: float


def confidence_of(hit: Hit | None) -> float:
    """How grounded the best hit is: the share of the question's weight it matches, damped
    when the absolute BM25 score is small (one common word matched is not an answer)."""
    if hit is None:
        return 0.0
    strength = 1.0 - math.exp(-hit.score / 2.5)
    value: float = min(1.0, (hit.coverage**1.2) * strength * 1.15)
    return round(value, 4)


def has_cue(text: str, cues: Sequence[str]) -> bool:
    folded = " " + " ".join(re.findall(r"[\w/.-]+", fold(text))) + " "
    return any(f" {cue} " in folded for cue in cues)


def kind_boosts(message: str, source_cues: Sequence[str]) -> dict[str, float]:
    folded = fold(message)
    boosts = {"fn": 0.55}
    if has_cue(message, source_cues):
        boosts["fn"] = 1.8
    if re.search(r"\bpreamb", folded):
        boosts["pp"] = 1.35
    if re.search(r"\boperative\b", folded):
        boosts["op"] = 1.35
    if re.search(r"\bannex|\bdeclaration'?s? paragraph", folded):
        boosts["ax"] = 1.35
    return boosts


def retrieve(
    index: ParagraphIndex,
    message: str,
    *,
    documents: frozenset[int] | None,
    source_cues: Sequence[str],
    focus: dict[tuple[int, str], float] | None = None,
) -> Retrieved:
    query = index.query(message)
    if query.is_empty:
        return Retrieved(query, (), 0.0)
    hits = index.search(
        query,
        k=12,
        documents=documents,
        kind_boost=kind_boosts(message, source_cues),
        focus=focus,
    )
    confidence = confidence_of(hits[0] if hits else None)
    if all(t.surface.isdigit() for t in query.terms):
        confidence = min(confidence, NUMBER_ONLY_CONFIDENCE)  # "1" alone is not a topic
    return Retrieved(query, tuple(hits), confidence)


def absent_verbs(index: ParagraphIndex, query: Query, verb_stems: frozenset[str]) -> list[str]:
    """Operative verbs the question uses ("condemn") that no loaded document uses at all:
    the honest answer is that the resolution does not do that."""
    absent = []
    for term in query.terms:
        stems = term.alternatives[0].stems
        if len(stems) == 1 and stems[0] in verb_stems and stems[0] not in index.idf:
            absent.append(term.surface)
    return absent


def companions(retrieved: Retrieved, kinds: Sequence[str] = ("pp", "op", "ax")) -> list[Hit]:
    """Further paragraphs of the best hit's document, of the parts asked about, that answer
    nearly as well."""
    if not retrieved.hits:
        return []
    top = retrieved.hits[0]
    found = []
    for hit in retrieved.hits[1:]:
        if hit.entry.document != top.entry.document or hit.paragraph.kind not in kinds:
            continue
        if hit.score >= SECONDARY_RATIO * top.score and hit.coverage >= 0.6:
            found.append(hit)
        if len(found) == 1:
            break
    return found


def clause_selection(index: ParagraphIndex, entry: Entry, query: Query) -> Selection:
    """Quote the clauses of the paragraph that carry the query's terms."""
    paragraph = entry.paragraph
    if paragraph.kind == "fn":
        return whole(paragraph)
    clauses = index.clauses(entry)
    weights = [index.term_weight(t) for t in query.terms]
    scores = []
    for _, stems in clauses:
        score = 0.0
        for term, weight in zip(query.terms, weights, strict=True):
            if any(all(s in stems for s in alt.stems) for alt in term.alternatives):
                score += weight
        scores.append(score)
    return select_clauses(paragraph, scores, [span for span, _ in clauses])
