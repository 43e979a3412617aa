"""List questions: every paragraph with a lead verb ("what does it urge?"), every paragraph
with lead words ("all the Recalling paragraphs"), every paragraph on a topic, and every
document the resolution cites. Each listed paragraph is cited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.analysis import Query
from bot.core.answers.compose import Selection, quoted_answer, short_label, whole
from bot.core.answers.topics import clause_selection
from bot.core.index import Hit, ParagraphIndex
from bot.core.kinds import ALL_PARTS, LEAD_ADVERBS
from bot.core.models import Answer, Document, Paragraph, ParagraphKind
from bot.core.text import Stemmer, words

MAX_LISTED = 40


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


LIST_CUE = re.compile(r"\b(all|every|each|everything|list|enumerate)\b")


def lead_verb_in(text: str, document: Document, stemmer: Stemmer, ignored: frozenset[str]) -> str:
    """A word of a message asking for a list ("all", "every", "list"...) that names the lead
    verb of some paragraph of the document ("all the encouragements in the text" ->
    "encouragements"), or ""."""
    if not LIST_CUE.search(text.lower()):
        return ""
    adverbs = {stemmer.stem(w) for w in LEAD_ADVERBS}
    leads = set()
    for paragraph in document.paragraphs:
        if paragraph.kind != "fn" and paragraph.lead:
            core = [s for s in verb_stem(stemmer, paragraph.lead) if s not in adverbs]
            if core:
                leads.add(core[0])
    for word in words(text):
        if word in ignored or len(word) < 4:
            continue
        if stemmer.stem(word) in leads:
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
) -> Answer | None:
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
        return None
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
) -> Answer | None:
    """Every paragraph of the asked parts that carries the topic's main terms (all of the rarer
    ones); a document symbol in the topic ("resolution 72/4") must be there. With `exclude`,
    the others ("is it mentioned anywhere else?")."""
    query = index.query(topic)
    if query.is_empty:
        return None
    hits = index.search(
        query, k=MAX_LISTED, documents=frozenset({document_index}), kind_boost={"fn": 0.0}
    )
    if not hits:
        return None
    symbols = [t for t in query.terms if "/" in t.surface]
    if symbols:
        hits = [h for h in hits if all(s.surface in h.paragraph.text.lower() for s in symbols)]
        if not hits:
            return None
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
