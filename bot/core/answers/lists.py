"""List questions: every paragraph with a lead verb ("what does it urge?"), every paragraph
with lead words ("all the Recalling paragraphs"), every paragraph on a topic, and every
document the resolution cites. Each listed paragraph is cited."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.core.analysis import Query
from bot.core.answers.compose import Selection, quoted_answer, short_label, whole
from bot.core.answers.topics import clause_selection
from bot.core.index import Hit, ParagraphIndex
from bot.core.kinds import ALL_PARTS, LEAD_ADVERBS, LEAD_INTENSIFIERS
from bot.core.models import Answer, Document, Paragraph, ParagraphKind
from bot.core.text import Stemmer, fold, words

MAX_LISTED = 40

# Texts -> unit vectors (the engine's semantic encoder, passed in: this module does no I/O).
Encode = Callable[[Sequence[str]], npt.NDArray[np.float32] | None]

# The cosine, between the asked word and a word of the document's lead phrases, from which the
# document's word is taken for the asked one ("worried" -> "Concerned"). Calibrated on general
# pairs of lay and drafting words (tests/unit/test_lead_meaning.py): with the shipped model,
# 0.5 takes about 4 lay words in 10 to a right lead and 1 in 10 to a wrong one, and leaves
# 31 of 34 words that name no stance (topics, question verbs) below it; 0.55 takes 3 in 10.
WORD_MEANING_THRESHOLD = 0.5
# Which candidate must beat the next one whose root differs by this much.
WORD_MEANING_MARGIN = 0.03
# A word of a topic that the document never uses, against the words the document has in its
# place ("up-and-coming" / "emerging" before "space nations"): fewer and surer candidates than
# for a lead verb, so a lower cosine, with a clear lead over the next candidate.
MODIFIER_MEANING_THRESHOLD = 0.35
MODIFIER_MEANING_MARGIN = 0.05


def verb_stem(stemmer: Stemmer, verb: str) -> tuple[str, ...]:
    """'calls upon' -> ('call', 'upon'); 'recalling' and 'recalls' share 'recal'."""
    return tuple(stemmer.stem(w) for w in words(verb) if w not in {"its", "the"})


def lead_matches(stemmer: Stemmer, paragraph: Paragraph, wanted: tuple[str, ...]) -> bool:
    """Whether the lead words (ignoring also/further/again) contain the wanted verb stems."""
    lead = [stemmer.stem(w) for w in words(paragraph.lead)]
    adverb_stems = {stemmer.stem(w) for w in LEAD_ADVERBS}
    core = [s for s in lead if s not in adverb_stems]
    if not wanted or not core:
        return False
    if len(wanted) == 1:
        return core[0] == wanted[0] or (len(core) > 1 and wanted[0] in core[:2])
    return all(s in core for s in wanted)


def secondary_verb(
    stemmer: Stemmer, paragraph: Paragraph, wanted: tuple[str, ...], operative_verbs: Sequence[str]
) -> int:
    """Offset of a later operative verb in the paragraph ("..., and encourages NGOs"), or -1."""
    if paragraph.kind != "op" or not wanted:
        return -1
    text = paragraph.text
    position = 0
    lowered = text.lower()
    while True:
        found = lowered.find(" and ", position)
        if found < 0:
            return -1
        after = words(text[found + 5 : found + 40])
        skip = 1 if after and after[0] in LEAD_ADVERBS else 0
        if after[skip:] and stemmer.stem(after[skip]) == wanted[0]:
            surface = after[skip]
            if any(v.split()[0] == surface for v in operative_verbs):
                return found + 5
        position = found + 5


# Adjectives that qualify a stance ("serious concern", "deep appreciation").
_STANCE_ADJECTIVES = (
    "deep",
    "serious",
    "grave",
    "great",
    "particular",
    "profound",
    "sincere",
    "utmost",
)
# Words that qualify a lead without being what it does ("Seriously concerned", "Express serious
# concern", "Note with deep concern", "Expresses its appreciation").
_QUALIFIERS = (
    LEAD_INTENSIFIERS
    | frozenset(_STANCE_ADJECTIVES)
    | {"with", "its", "their", "our", "in", "of", "upon", "on"}
)
_QUALIFIER = f"(?:{'|'.join(_STANCE_ADJECTIVES)})"
# What completes a lead the parser leaves bare: "Note with concern", "Recall with deep concern",
# "Express serious concern", "Expressing its support" (the emotion or stance is the point).
_WITH_COMPLETION = re.compile(rf"^,?\s+(with(?:\s+{_QUALIFIER})?\s+[a-z]+)\b")
_NOTE_COMPLETION = re.compile(rf"^\s+(note(?:\s+with(?:\s+{_QUALIFIER})?\s+[a-z]+)?)\b")
_EXPRESS_COMPLETION = re.compile(
    rf"^\s+((?:its\s+|their\s+|our\s+)?(?:{_QUALIFIER}\s+)?[a-z]+)\b(?=\s+(?:that|at|for|to|about|over|with|in|on|regarding)\b|,)"
)


def lead_phrase(paragraph: Paragraph) -> str:
    """The lead words with what completes them: "Note" -> "Note with concern", "Express" ->
    "Express serious concern"; the lead as parsed otherwise."""
    lead = paragraph.lead
    if not lead or not paragraph.text.startswith(lead):
        return lead
    rest = paragraph.text[len(lead) :]
    lowered = [w.lower() for w in lead.split()]
    core = [w for w in lowered if w not in LEAD_ADVERBS]
    if "with" not in lowered:
        found = _WITH_COMPLETION.match(rest)
        if found:
            return f"{lead} {found.group(1)}"
    if len(core) == 1 and core[0] in {"take", "takes", "taking"}:
        found = _NOTE_COMPLETION.match(rest)  # "Take note with appreciation"
        if found:
            return f"{lead} {found.group(1)}"
    if len(core) == 1 and core[0].startswith("express"):
        found = _EXPRESS_COMPLETION.match(rest)
        if found:
            return f"{lead} {found.group(1)}"
    return lead


def phrase_words(paragraph: Paragraph) -> list[str]:
    """The words of a lead phrase that say what the Assembly does or feels ("Seriously
    concerned" -> ["concerned"], "Takes note with appreciation" -> ["takes", "note",
    "appreciation"])."""
    return [
        w for w in words(lead_phrase(paragraph)) if w not in LEAD_ADVERBS and w not in _QUALIFIERS
    ]


def same_root(a: str, b: str) -> bool:
    """Whether two Snowball stems are forms of one word: a noun and its verb ("recognit" /
    "recogn", "emphasi" / "emphas", "decis" / "decid"); the stemmer already joins most
    ("concern"/"concerned", "encouragement"/"encourages", "commitment"/"commits")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 5 and long.startswith(short) and long[len(short) :] in {"i", "it", "is"}:
        return True
    return (
        len(a) == len(b) >= 5 and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"d", "s"}
    )  # decide / decision, conclude / conclusion


def root_matches(stemmer: Stemmer, paragraph: Paragraph, root: str) -> bool:
    """Whether a word of the paragraph's lead phrase is a form of the wanted stem."""
    return any(same_root(stemmer.stem(w), root) for w in phrase_words(paragraph))


@dataclass(frozen=True, slots=True)
class LeadWord:
    """A word of the document's lead phrases picked for the asked one, and how: "form" (a
    noun or adjective of it: "recognition" for "Recognize") or "meaning" (the encoder:
    "worried" for "Concerned", with the cosine)."""

    word: str
    how: str
    score: float = 1.0


def closest_lead_word(
    asked: str,
    paragraphs: Sequence[Paragraph],
    stemmer: Stemmer,
    encode: Encode | None,
) -> LeadWord | None:
    """The word of these paragraphs' lead phrases that the asked word names: a form of it,
    else (with an encoder) the closest in meaning at or above WORD_MEANING_THRESHOLD and ahead
    of any word of another root by WORD_MEANING_MARGIN; None when nothing is close."""
    asked = asked.lower()
    stem = stemmer.stem(asked)
    vocabulary = list(dict.fromkeys(w for p in paragraphs for w in phrase_words(p) if len(w) > 2))
    for word in vocabulary:
        if same_root(stemmer.stem(word), stem):
            return LeadWord(word, "form")
    if encode is None or not vocabulary or len(asked) < 3:
        return None
    vectors = encode([asked, *vocabulary])
    if vectors is None or len(vectors) != len(vocabulary) + 1:
        return None
    cosines = np.asarray(vectors[1:] @ vectors[0], dtype=np.float64)
    order = np.argsort(-cosines)
    best = int(order[0])
    score = float(cosines[best])
    if score < WORD_MEANING_THRESHOLD:
        return None
    best_root = stemmer.stem(vocabulary[best])
    for other in order[1:]:
        if not same_root(stemmer.stem(vocabulary[int(other)]), best_root):
            if score - float(cosines[int(other)]) < WORD_MEANING_MARGIN:
                return None
            break
    return LeadWord(vocabulary[best], "meaning", score)


LIST_CUE = re.compile(r"\b(all|every|each|everything|list|enumerate)\b")


def lead_verb_in(text: str, document: Document, stemmer: Stemmer, ignored: frozenset[str]) -> str:
    """A word of a message asking for a list ("all", "every", "list"...) that names the lead
    verb of some paragraph of the document, or a form of a word of its lead phrase ("all the
    encouragements in the text" -> "encouragements", "every recognition" -> "recognition"),
    or ""."""
    if not LIST_CUE.search(text.lower()):
        return ""
    adverbs = {stemmer.stem(w) for w in LEAD_ADVERBS}
    leads = set()
    phrased: set[str] = set()
    for paragraph in document.paragraphs:
        if paragraph.kind != "fn" and paragraph.lead:
            core = [s for s in verb_stem(stemmer, paragraph.lead) if s not in adverbs]
            if core:
                leads.add(core[0])
            phrased.update(stemmer.stem(w) for w in phrase_words(paragraph))
    for word in words(text):
        if word in ignored or len(word) < 4:
            continue
        stem = stemmer.stem(word)
        if stem in leads or any(same_root(stem, s) for s in phrased):
            return word
    return ""


def list_by_verb(
    intent: str,
    document: Document,
    verb: str,
    kinds: Sequence[ParagraphKind],
    stemmer: Stemmer,
    operative_verbs: Sequence[str],
    suggestions: Sequence[str],
    encode: Encode | None = None,
) -> Answer | None:
    """Every paragraph of the asked parts whose lead is the asked verb ("Recalling also",
    "Further emphasizes"), and later clauses of an operative paragraph that use it; when none
    does, every paragraph whose lead phrase has a form of it ("recognition" -> "Recognize",
    "concern" -> "Note with concern") or, with an encoder, the document's own word closest in
    meaning to it ("worried" -> "Concerned", "Seriously concerned", "Express serious concern")."""
    wanted = verb_stem(stemmer, verb)
    chosen: list[Selection] = []
    for paragraph in document.paragraphs:
        if paragraph.kind not in kinds:
            continue
        if lead_matches(stemmer, paragraph, wanted):
            chosen.append(whole(paragraph))
    for paragraph in document.paragraphs:
        if paragraph.kind in kinds and all(s.paragraph.id != paragraph.id for s in chosen):
            offset = secondary_verb(stemmer, paragraph, wanted, operative_verbs)
            if offset >= 0:
                chosen.append(Selection(paragraph, ((offset, len(paragraph.text)),)))
    if not chosen:
        return _list_by_lead_word(intent, document, verb, kinds, stemmer, suggestions, encode)
    where = _where(kinds)
    count = len(chosen)
    named = next(
        (s.paragraph.lead for s in chosen if lead_matches(stemmer, s.paragraph, wanted)), ""
    )
    shown = named.split()[-1] if named and named.split()[0].lower() in LEAD_ADVERBS else named
    lead = (
        f"{document.symbol} uses “{shown or verb}” in {count} {where}"
        f"{'s' if count != 1 else ''}: " + ", ".join(short_label(s.paragraph) for s in chosen) + "."
    )
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=lead,
        document=document,
        selections=chosen[:MAX_LISTED],
        suggestions=suggestions,
    )


def _list_by_lead_word(
    intent: str,
    document: Document,
    verb: str,
    kinds: Sequence[ParagraphKind],
    stemmer: Stemmer,
    suggestions: Sequence[str],
    encode: Encode | None,
) -> Answer | None:
    """Every paragraph whose lead phrase has the document's word for the asked one."""
    asked = words(verb)
    if not asked:
        return None
    led = [p for p in document.paragraphs if p.kind in kinds and p.kind != "fn" and p.lead]
    found = closest_lead_word(asked[0], led, stemmer, encode)
    if found is None:
        return None
    root = stemmer.stem(found.word)
    chosen = [p for p in led if root_matches(stemmer, p, root)]
    if not chosen:
        return None
    phrases = list(dict.fromkeys(_shown_phrase(p) for p in chosen))
    shown = ", ".join(f"“{p}”" for p in phrases[:3]) + (", …" if len(phrases) > 3 else "")
    count = len(chosen)
    where = _where(kinds) + ("s" if count != 1 else "")
    labels = ", ".join(short_label(p) for p in chosen)
    if found.how == "meaning":
        lead = (
            f"{document.symbol} does not say “{verb}”; its nearest wording is {shown}, "
            f"in {count} {where}: {labels}."
        )
    else:
        lead = f"{document.symbol} uses {shown} in {count} {where}: {labels}."
    return quoted_answer(
        intent=intent,
        confidence=round(found.score, 3) if found.how == "meaning" else 0.9,
        lead=lead,
        document=document,
        selections=[whole(p) for p in chosen[:MAX_LISTED]],
        suggestions=suggestions,
    )


def _shown_phrase(paragraph: Paragraph) -> str:
    """A lead phrase as a reply names it: without "Also", "Further" ahead of the verb."""
    phrase = lead_phrase(paragraph).split()
    while len(phrase) > 1 and phrase[0].lower() in LEAD_ADVERBS:
        phrase = phrase[1:]
    while len(phrase) > 1 and phrase[-1].lower() in {"of", "upon", "on"}:
        phrase = phrase[:-1]
    text = " ".join(phrase)
    return text[:1].upper() + text[1:]


def bridged_topic(
    topic: str,
    document_index: int,
    index: ParagraphIndex,
    encode: Encode,
    ignored: frozenset[str] = frozenset(),
) -> str:
    """The topic with the one word the document never uses replaced by the document's own word
    in its place, when that is close in meaning: "up-and-coming space nations" -> "emerging
    space nations" (the document has "emerging space nations": the words that follow the
    asked word stand after its word). The topic unchanged otherwise."""
    query = index.query(topic)
    if len(query.terms) < 2:
        return topic
    hits = index.search(query, k=MAX_LISTED, documents=frozenset({document_index}))
    found = {surface for hit in hits for surface in index.matched(hit, query)}
    missing = [t for t in query.terms if not any(a.surface in found for a in t.alternatives)]
    if len(missing) != 1 or len(missing) == len(query.terms):
        return topic
    tokens = re.findall(r"\w[\w'-]*", topic)
    folded = [fold(t) for t in tokens]
    position = next((i for i, t in enumerate(folded) if missing[0].surface in words(t)), -1)
    following = folded[position + 1 : position + 3] if position >= 0 else []
    if len(following) < 2 or any(w in ignored for w in following):
        return topic
    place = re.compile(r"\b([a-z][a-z-]{2,}) " + " ".join(map(re.escape, following)) + r"\b")
    candidates = list(
        dict.fromkeys(
            found.group(1)
            for entry in index.document_entries(document_index)
            if entry.paragraph.kind != "fn"
            for found in place.finditer(fold(entry.paragraph.text))
            if found.group(1) not in ignored
        )
    )
    if not candidates:
        return topic
    vectors = encode([folded[position], *candidates])
    if vectors is None or len(vectors) != len(candidates) + 1:
        return topic
    cosines = sorted(
        ((float(c), w) for c, w in zip(vectors[1:] @ vectors[0], candidates, strict=True)),
        reverse=True,
    )
    best, word = cosines[0]
    runner_up = cosines[1][0] if len(cosines) > 1 else 0.0
    if best < MODIFIER_MEANING_THRESHOLD or best - runner_up < MODIFIER_MEANING_MARGIN:
        return topic
    return re.sub(rf"(?<![\w-]){re.escape(tokens[position])}(?![\w-])", word, topic, count=1)


def list_by_topic(
    intent: str,
    document: Document,
    document_index: int,
    topic: str,
    index: ParagraphIndex,
    suggestions: Sequence[str],
    *,
    kinds: Sequence[ParagraphKind] = ALL_PARTS,
    exclude: frozenset[str] = frozenset(),
    encode: Encode | None = None,
    ignored: frozenset[str] = frozenset(),
) -> Answer | None:
    """Every paragraph of the asked parts that carries the topic's main terms (all of the rarer
    ones); a document symbol in the topic ("resolution 72/4") must be there. With `exclude`,
    the others ("is it mentioned anywhere else?"). With an encoder, a word of the topic the
    document never uses stands for the document's word in its place (`bridged_topic`)."""
    if encode is not None:
        topic = bridged_topic(topic, document_index, index, encode, ignored)
    query = index.query(topic)
    kept, best = topic_hits(document_index, query, index, kinds=kinds, exclude=exclude)
    if not kept:
        return None  # nothing to cite: retrieval (or its fallback) answers instead
    kept.sort(key=lambda h: _reading_order(document, h.paragraph))
    selections = [clause_selection(index, h.entry, query) for h in kept]
    labels = ", ".join(short_label(h.paragraph) for h in kept)
    lead = (
        f"{len(kept)} {'other ' if exclude else ''}paragraph{'s' if len(kept) != 1 else ''} of "
        f"{document.symbol} deal{'s' if len(kept) == 1 else ''} with "
        f"“{matched_words(index, kept, query)}”: {labels}."
    )
    return quoted_answer(
        intent=intent,
        confidence=min(1.0, best),
        lead=lead,
        document=document,
        selections=selections,
        suggestions=suggestions,
    )


def topic_hits(
    document_index: int,
    query: Query,
    index: ParagraphIndex,
    *,
    kinds: Sequence[ParagraphKind] = ALL_PARTS,
    exclude: frozenset[str] = frozenset(),
) -> tuple[list[Hit], float]:
    """The paragraphs `list_by_topic` lists, in the order of their scores (none: empty), and
    the best coverage of the topic in the document (its confidence)."""
    if query.is_empty:
        return [], 0.0
    hits = index.search(
        query, k=MAX_LISTED, documents=frozenset({document_index}), kind_boost={"fn": 0.0}
    )
    if not hits:
        return [], 0.0
    symbols = [t for t in query.terms if "/" in t.surface]
    if symbols:
        hits = [h for h in hits if all(s.surface in h.paragraph.text.lower() for s in symbols)]
        if not hits:
            return [], 0.0
    best = hits[0].coverage
    floor = 0.0 if symbols else max(0.5, best * 0.75)
    kept = [
        h
        for h in hits
        if h.coverage >= floor
        and h.score > 0
        and h.paragraph.id not in exclude
        and h.paragraph.kind in kinds
    ]
    return kept, best


def matched_words(index: ParagraphIndex, hits: Sequence[Hit], query: Query) -> str:
    """The question's words that the listed paragraphs carry (spelling corrected): what the
    reply may say the list is about, never the rest of what was typed."""
    found = {surface for hit in hits for surface in index.matched(hit, query)}
    words = [
        term.corrected or term.surface
        for term in query.terms
        if any(alternative.surface in found for alternative in term.alternatives)
    ]
    return " ".join(words).replace("“", "").replace("”", "")


def list_references(intent: str, document: Document, suggestions: Sequence[str]) -> Answer | None:
    """Every UN document the resolution refers to, with the paragraphs that cite it."""
    cited: dict[str, list[Paragraph]] = {}
    for paragraph in document.paragraphs:
        for reference in paragraph.references:
            cited.setdefault(reference.symbol, []).append(paragraph)
    if not cited:
        return None
    lines = [
        f"- {symbol} (https://undocs.org/{symbol}): cited in "
        + ", ".join(short_label(p) for p in paragraphs)
        for symbol, paragraphs in cited.items()
    ]
    citing = list(dict.fromkeys(p.id for ps in cited.values() for p in ps))
    order = {p.id: i for i, p in enumerate(document.paragraphs)}
    citing.sort(key=lambda pid: order[pid])
    selections = [whole(p) for p in document.paragraphs if p.id in citing]
    noun = "document" if len(cited) == 1 else "documents"
    lead = f"{document.symbol} refers to {len(cited)} {noun}:\n" + "\n".join(lines)
    answer = quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=lead,
        document=document,
        selections=selections[:MAX_LISTED],
        suggestions=suggestions,
    )
    return answer


def _where(kinds: Sequence[ParagraphKind]) -> str:
    if list(kinds) == ["pp"]:
        return "preambular paragraph"
    if list(kinds) == ["op"]:
        return "operative paragraph"
    return "paragraph"


def _reading_order(document: Document, paragraph: Paragraph) -> int:
    for position, item in enumerate(document.paragraphs):
        if item.id == paragraph.id:
            return position
    return len(document.paragraphs)
