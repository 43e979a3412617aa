"""Topic questions: retrieve the best paragraphs, choose the clauses that answer, and decide
whether the text grounds an answer at all (the confidence the fallback threshold is set on).

Lexical evidence (BM25 over stems, thesaurus phrases, typo corrections) and, when the engine has
a semantic index, semantic evidence (the question's cosine with each paragraph and its best
clause) are fused into one ranking and one calibrated confidence (see `fuse`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.analysis import lost_words
from bot.core.answers.asked import Asked, fact_spans
from bot.core.answers.compose import Selection, select_clauses, whole
from bot.core.index import Entry, Hit, ParagraphIndex, Query
from bot.core.names import GENERIC
from bot.core.semantic import Floats, SemanticScores
from bot.core.text import fold

FALLBACK_THRESHOLD = 0.3
# At or above: the quote is given as the answer; between the two: as the closest passage.
HIGH_CONFIDENCE = 0.8
# Lexical evidence this strong is decisive: the question is not encoded (no model run, no
# fusion), so exact words, typos and thesaurus phrases answer as they do lexically, in the
# time they take lexically. Below it, the meaning of the question is weighed too.
DECISIVE = HIGH_CONFIDENCE
SECONDARY_RATIO = 0.7
COMPANION_FUSED_RATIO = 0.9
NUMBER_ONLY_CONFIDENCE = 0.2
LEXICAL_K = 30
SEMANTIC_K = 12
# Fusion: a cosine below COSINE_FLOOR says nothing; at COSINE_FULL and above it is as strong as
# a question whose every term is matched. The stronger of the two kinds of evidence counts for
# STRONGER_SHARE, the weaker for the rest (0.5: an even mean; more lets one kind alone answer
# more often, and measured on the public sets it also answered more out-of-scope questions).
COSINE_FLOOR = 0.15
COSINE_FULL = 0.7
STRONGER_SHARE = 0.5
# Confidence of a fused ranking: the first paragraph's score, plus MARGIN_WEIGHT times its lead
# over the second, less MARGIN_OFFSET (a lead under MARGIN_OFFSET / MARGIN_WEIGHT = 0.067 lowers
# it). Two paragraphs that score alike are a guess between them, however high both score.
# Fitted once on every set's fused answers together (paraphrase and three held-out sets,
# 3 parameters), so that answers at 0.8 and above are right nine times in ten.
MARGIN_WEIGHT = 1.5
MARGIN_OFFSET = 0.1


@dataclass(frozen=True, slots=True)
class Retrieved:
    """The ranked paragraphs, with the evidence for each (`fused` and `cosines` run parallel
    to `hits` when semantic matching took part) and the confidence of the first."""

    query: Query
    hits: tuple[Hit, ...]
    confidence: float
    fused: tuple[float, ...] = ()
    cosines: tuple[float, ...] = ()
    question_vector: Floats | None = None
    lexical_confidence: float = 0.0


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


# The question's vector and cosines; given the documents a question is scoped to (None: all).
SemanticLookup = Callable[[frozenset[int] | None], tuple[Floats, SemanticScores] | None]


def retrieve(
    index: ParagraphIndex,
    message: str,
    *,
    documents: frozenset[int] | None,
    source_cues: Sequence[str],
    focus: dict[tuple[int, str], float] | None = None,
    semantic: SemanticLookup | None = None,
) -> Retrieved:
    """The paragraphs that answer best. `semantic`, when given, encodes the question (once,
    and only when called: not when the lexical evidence is decisive) and scores it against
    the semantic index."""
    query = index.query(message)
    lexical: list[Hit] = []
    if not query.is_empty:
        lexical = index.search(
            query,
            k=LEXICAL_K,
            documents=documents,
            kind_boost=kind_boosts(message, source_cues),
            focus=focus,
        )
    numbers_only = bool(query.terms) and all(t.surface.isdigit() for t in query.terms)
    confidence = confidence_of(lexical[0] if lexical else None)
    if numbers_only:
        confidence = min(confidence, NUMBER_ONLY_CONFIDENCE)  # "1" alone is not a topic
    # A question that lost more of its words to typo corrections than it kept ("TB in small
    # kids" keeps only "TB") may be about the words lost: those left are not decisive, however
    # well they match. (One word lost among several, "how many" -> "how may", is no doubt.)
    decisive = confidence >= DECISIVE
    if decisive and semantic is not None and len(query.lost) > len(query.terms):
        decisive = len(lost_words(query)) <= len(query.terms)
    found = semantic(documents) if semantic is not None and not (numbers_only or decisive) else None
    if found is None:
        return Retrieved(query, tuple(lexical[:12]), confidence, lexical_confidence=confidence)
    vector, scores = found
    return fuse(index, query, lexical, vector, scores, documents, confidence)


def cosine_strength(cosine: float) -> float:
    """A cosine as evidence in [0, 1]."""
    return min(1.0, unbounded_strength(cosine))


def unbounded_strength(cosine: float) -> float:
    """A cosine as evidence from 0, past 1 above COSINE_FULL (what the ranking reads)."""
    return max(0.0, (cosine - COSINE_FLOOR) / (COSINE_FULL - COSINE_FLOOR))


def blended(own: float, strength: float) -> float:
    """Lexical and semantic evidence together: the stronger counts for STRONGER_SHARE."""
    return STRONGER_SHARE * max(own, strength) + (1 - STRONGER_SHARE) * min(own, strength)


def fuse(
    index: ParagraphIndex,
    query: Query,
    lexical: Sequence[Hit],
    vector: Floats,
    scores: SemanticScores,
    documents: frozenset[int] | None,
    lexical_confidence: float,
) -> Retrieved:
    """One ranking from both kinds of evidence: each candidate (the lexical hits and the
    paragraphs closest in meaning) scores a weighted mean of its own lexical confidence and
    its cosine strength (STRONGER_SHARE for the stronger); a footnote, which has no vector,
    takes the cosine of the paragraphs that cite it."""
    cosines = scores.entry
    allowed = index.entry_mask(documents)
    candidates: dict[int, Hit] = {index.entry_id(h.entry): h for h in lexical}
    lexical_rank = {entry_id: rank for rank, entry_id in enumerate(candidates)}
    ranked = np.flatnonzero(allowed & (cosines > COSINE_FLOOR))
    if len(ranked) > SEMANTIC_K:
        ranked = ranked[np.argpartition(-cosines[ranked], SEMANTIC_K)[:SEMANTIC_K]]
    for closest in ranked.tolist():
        candidates.setdefault(closest, Hit(index.entries[closest], 0.0, 0.0))
    if not candidates:
        return Retrieved(query, (), 0.0, question_vector=vector)
    embedded = index.embedded_mask()
    rows: list[tuple[float, float, int, Hit]] = []
    ranking: dict[int, float] = {}
    for entry_id, hit in candidates.items():
        own = confidence_of(hit) if hit.score > 0 else 0.0
        if own and lexical:
            # A paragraph's lexical evidence is as strong as its BM25 score beside the best
            # one's: confidence_of saturates, so a paragraph with half the best score but as
            # many of the question's words would otherwise count as much.
            own *= hit.score / max(lexical[0].score, 1e-9)
        cosine = scores.cosine(entry_id)
        if not embedded[entry_id]:  # a footnote: as close in meaning as what cites it
            cosine = max((scores.cosine(i) for i in index.citing(hit.entry)), default=0.0)
        # Ranked on the cosine's strength without its ceiling: in a resolution whose every
        # paragraph is on one subject, the closest several pass COSINE_FULL, and the model's
        # order among them would be lost (the confidence still reads the bounded value).
        above = unbounded_strength(cosine)
        value = blended(own, min(1.0, above))
        rows.append((value, cosine, entry_id, hit))
        ranking[entry_id] = blended(own, above)
    # Ties (lexical confidence saturates at 1) go to the lexical ranking, then to text order.
    rows.sort(key=lambda r: (-ranking[r[2]], -r[0], lexical_rank.get(r[2], len(lexical)), r[2]))
    hits = tuple(Hit(hit.entry, value, hit.coverage) for value, _, _, hit in rows[:12])
    fused = tuple(value for value, _, _, _ in rows[:12])
    cos = tuple(cosine for _, cosine, _, _ in rows[:12])
    confidence = calibrated(rows)
    return Retrieved(
        query,
        hits,
        confidence,
        fused=fused,
        cosines=cos,
        question_vector=vector,
        lexical_confidence=lexical_confidence,
    )


def calibrated(rows: Sequence[tuple[float, float, int, Hit]]) -> float:
    """How likely the first paragraph is the answer: its fused score and how far it stands
    above the next (whether both kinds of evidence put it first added nothing measurable)."""
    top = rows[0][0]
    runner = rows[1][0] if len(rows) > 1 else 0.0
    value = top + MARGIN_WEIGHT * (top - runner) - MARGIN_OFFSET
    return round(min(1.0, max(0.0, value)), 4)


def absent_verbs(
    index: ParagraphIndex,
    query: Query,
    verb_stems: frozenset[str],
    documents: frozenset[int] | None = None,
) -> list[str]:
    """Operative verbs the question uses ("condemn") that the documents asked about (all loaded
    when None) do not use at all: the honest answer is that the resolution does not do that,
    not the passage closest in meaning."""
    absent = []
    for term in query.terms:
        stems = term.alternatives[0].stems
        if len(stems) != 1 or stems[0] not in verb_stems or _as_noun(query.text, term.surface):
            continue
        if not used_by(index, stems[0], documents):
            absent.append(term.surface)
    return absent


def used_by(index: ParagraphIndex, stem: str, documents: frozenset[int] | None) -> bool:
    """Whether the documents (all loaded when None) use the stem anywhere."""
    return stem in index.idf and (documents is None or index.held_in(stem, documents))


# A run of capitalised words inside a sentence (not its first word): a name the question uses.
_NAME = re.compile(r"(?<![.?!:;\"“(]\s)(?<=\s)[A-Z][\w'’-]*\w(?:\s+[A-Z][\w'’-]*\w)*")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")


def absent_names(
    index: ParagraphIndex, query: Query, documents: frozenset[int] | None = None
) -> list[str]:
    """Names the question's last sentence uses ("Ruritania", "the BCG vaccine") none of whose
    words the documents asked about (all loaded when None) use, nor any word a typo
    correction or the thesaurus takes them to: whatever a passage says, it does not say it of
    that. A name with one word the text knows ("New York" beside "New") is not foreign to it."""
    asking = _SENTENCE_END.split(query.text.strip())[-1]
    names = [m.group() for m in _NAME.finditer(asking)]
    if not names:
        return []
    terms = {fold(t.surface): t for t in query.terms}

    def foreign(word: str) -> bool:
        term = terms.get(fold(word))
        if term is None or term.corrected or fold(word) in GENERIC:
            return False  # a word the query drops, a slip for a word the text has, or "GA"
        return not any(
            all(used_by(index, s, documents) for s in a.stems) for a in term.alternatives
        )

    return [name for name in names if all(foreign(word) for word in name.split())]


# Words before which a verb's form is a noun: "the resolution's appeal", "its request".
_DETERMINER = re.compile(
    r"(?:\b(?:the|a|an|its|their|this|that|these|those|his|her|our|your|my|any|no|every|each)"
    r"|'s|s')\s+$"
)


def _as_noun(text: str, surface: str) -> bool:
    """Whether every use of `surface` in the question follows a determiner or a possessive
    (then it names a thing: "is the appeal aimed at every country?" asks about an appeal, not
    whether the resolution appeals)."""
    folded = fold(text)
    uses = list(re.finditer(rf"\b{re.escape(fold(surface))}\b", folded))
    return bool(uses) and all(_DETERMINER.search(folded[: m.start()]) for m in uses)


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
        if retrieved.fused:
            close = hit.score >= COMPANION_FUSED_RATIO * top.score and hit.coverage >= 0.6
        else:
            close = hit.score >= SECONDARY_RATIO * top.score and hit.coverage >= 0.6
        if close:
            found.append(hit)
        if len(found) == 1:
            break
    return found


# A question whose words one resolution holds clearly more of than any other is about that one:
# "ICC cooperation non-member countries" is about the ICC resolution even where a paragraph on
# cooperation in another answers about as well. A word counts as much as it tells the loaded
# resolutions apart (log N/n for a word n of the N hold; nothing for a word all of them hold).
DOMINANT_RATIO = 1.2


def document_weights(index: ParagraphIndex, query: Query) -> npt.NDArray[np.float64]:
    """For each loaded document, how much of the question it holds, each term weighted by how
    few of the documents hold it: a mask of the documents holding each term (from each stem's
    documents, kept by the index), never a loop over documents; the terms added in order."""
    count = len(index.documents)
    weights = np.zeros(count, dtype=np.float64)
    for term in query.terms:
        holders = np.zeros(count, dtype=bool)
        for alternative in term.alternatives:
            holders |= index.document_mask(alternative.stems)
        held = int(np.count_nonzero(holders))
        if held:
            weights[holders] += math.log(count / held)
    return weights


def dominant_document(index: ParagraphIndex, query: Query, rivals: Sequence[int]) -> int | None:
    """The one of several documents that holds clearly more of the question than the others
    (DOMINANT_RATIO times the next one's weight), or None."""
    if len(rivals) < 2 or not query.terms:
        return None
    candidates = np.asarray(rivals, dtype=np.int64)
    weights = document_weights(index, query)[candidates]
    first = int(np.argmax(weights))
    best = float(weights[first])
    rest = np.delete(weights, first)
    second = float(rest.max())
    # A tie for the first place is no dominant document (best > second is then false).
    return int(candidates[first]) if best > 0 and best >= DOMINANT_RATIO * second else None


def broad_share(index: ParagraphIndex, query: Query, document: int) -> tuple[int, float]:
    """How many of a document's (non-footnote) paragraphs hold every term of the query, and
    what share of them that is."""
    paragraphs = index.embedded_in(document)
    if not paragraphs.any():
        return 0, 0.0
    every = paragraphs.copy()
    for term in query.terms:
        any_of = np.zeros(len(paragraphs), dtype=bool)
        for alternative in term.alternatives:
            any_of |= index.holding(alternative.stems, document)
        every &= any_of
    return int(every.sum()), float(every.sum() / paragraphs.sum())


# A clause's semantic evidence counts as much as this share of the question's words.
CLAUSE_COSINE_WEIGHT = 0.8


def clause_selection(
    index: ParagraphIndex,
    entry: Entry,
    query: Query,
    cosines: dict[tuple[int, int], float] | None = None,
    asked: Asked | None = None,
) -> Selection:
    """Quote the clauses of the paragraph that carry the query's terms or its meaning, and
    always the clause that holds the kind of fact asked for (the date, the number)."""
    paragraph = entry.paragraph
    if paragraph.kind == "fn":
        return whole(paragraph)
    clauses = index.clauses(entry)
    weights = [index.term_weight(t) for t in query.terms]
    total = sum(weights) or 1.0
    scores = []
    for span, stems in clauses:
        score = 0.0
        for term, weight in zip(query.terms, weights, strict=True):
            if any(all(s in stems for s in alt.stems) for alt in term.alternatives):
                score += weight
        score /= total
        if cosines:
            score += CLAUSE_COSINE_WEIGHT * cosine_strength(cosines.get(span, 0.0))
        scores.append(score)
    spans = [span for span, _ in clauses]
    required: list[int] = []
    if asked is not None and asked.kind:
        facts = fact_spans(asked, paragraph.text)
        holding = [i for i, (a, b) in enumerate(spans) if any(a <= f < b for f, _ in facts)]
        if holding:
            required.append(max(holding, key=lambda i: (scores[i], -i)))
    return select_clauses(paragraph, scores, spans, required=required)
