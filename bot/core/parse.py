"""Resolution text in the knowledge layout -> Document. Pure parsing: the loader hands it strings.

The layout (see knowledge/A_RES_71_194.txt): blank-line separated blocks; header blocks; the
title line "71/194. Title"; "The General Assembly,"; preambular paragraphs; operative
paragraphs "1. *Verb* ..."; footnote blocks "¹ text" wherever a page broke; the footer
"65th plenary meeting" and its date; optionally "Annex", a title and numbered paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.kinds import LEAD_ADVERBS
from bot.core.models import Document, Paragraph, ParagraphKind, Reference, undocs_url
from bot.core.text import SUPERSCRIPT_DIGITS, clean, strip_markup, superscript_value


class DocumentError(ValueError):
    """A malformed document; str() names the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Block:
    text: str  # lines joined with single spaces
    line: int  # 1-based line of the block's first line


def split_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append(Block(" ".join(current), start))
            current = []
    if current:
        blocks.append(Block(" ".join(current), start))
    return blocks


# "71/194. Title"; emergency and special sessions ("ES-10/19.", "S-27/2."); lettered parts
# of one number ("72/262 A. Title").
_TITLE = re.compile(r"^((?:ES-|S-)?\d{1,3})/(\d{1,4}(?: [A-Z])?)\s*\.\s+(.+)$")
_ASSEMBLY = re.compile(r"^The General Assembly\s*,?$", re.IGNORECASE)
_DISTR = re.compile(r"^Distr\.?:?\s*\w+\s+(.+)$", re.IGNORECASE)
_SESSION = re.compile(r"^([\w-]+(?:-[\w]+)?) session\b(?:\s+(.*))?$", re.IGNORECASE)
_AGENDA = re.compile(r"Agenda items?\s+(.+)$", re.IGNORECASE)
_ADOPTED = re.compile(r"^Resolution adopted by the General Assembly on (.+)$", re.IGNORECASE)
_REPORT = re.compile(
    r"^\[on the reports? of the (.+?Committee(?: \([^()]*Committee\))?)\s*\((.*)\)\s*\]$", re.I
)
_NO_COMMITTEE = re.compile(r"^\[without reference to a Main Committee\s*\((.*)\)\s*\]$", re.I)
_PLENARY = re.compile(r"^(\d+(?:st|nd|rd|th)) plenary meeting(?:\s+(.+))?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")
_OPERATIVE = re.compile(r"^(\d{1,3})\s*\.\s+(.*)$")
_SUBITEM = re.compile(r"^\(([a-z]{1,4}|[ivx]{1,6})\)\s+")
_FOOTNOTE = re.compile(rf"^([{SUPERSCRIPT_DIGITS}]+)\s*(.*)$")
_ANNEX = re.compile(r"^Annex(?:\s+[IVX]+)?$", re.IGNORECASE)
_LEADING_EMPHASIS = re.compile(r"^\*+([^*]+?)\*+")
_SYMBOL_IN_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^)]*\)")
_SYMBOL = re.compile(r"(?<![\w/])(?:[A-Z]{1,5}(?:\.\d+)?)(?:/[A-Za-z0-9.()]*[A-Za-z0-9])+")
_RESOLUTION_NUMBER = re.compile(r"^(\d{1,2})/(\d{1,4})$")
_MENTIONED_RESOLUTION = re.compile(
    r"(Human Rights Council |Security Council |Economic and Social Council |Commission "
    r"on Human Rights |Subcommission[\w ]* |General Assembly |its |\b)resolutions? "
    r"((?:\[?\d{1,4}/\d{1,4}\]?(?:\([^)]*\))?(?:, | and )?)+)"
)

# Adverbs and phrases that belong to the lead words of a paragraph ("Recalling also",
# "Noting with satisfaction", "Seriously concerned", "Once again urges").
_LEAD_PREFIXES = LEAD_ADVERBS | {
    "deeply",
    "seriously",
    "gravely",
    "firmly",
    "fully",
    "profoundly",
    "reaffirming",
    "noting",
}
_LEAD_SUFFIXES = (
    "also",
    "further",
    "again",
    "with satisfaction",
    "with appreciation",
    "with concern",
    "with deep concern",
    "with grave concern",
    "with serious concern",
    "with regret",
    "with interest",
    "with gratitude",
    "in mind",
    "note of",
    "note",
    "its call upon",
    "its conviction",
    "its appreciation",
    "its concern",
    "its deep concern",
    "upon",
    "its support",
    "its gratitude",
)


_HEADS_WITH_PHRASES = frozenset(
    {
        "bearing",
        "taking",
        "calls",
        "reiterates",
        "reiterating",
        "expresses",
        "expressing",
        "notes",
        "noting",
        "recalling",
        "recalls",
        "reaffirming",
        "reaffirms",
        "recognizing",
        "welcoming",
        "welcomes",
        "takes",
        "encourages",
        "emphasizing",
    }
)


def lead_words(text: str) -> str:
    """The lead words of a preambular or unemphasised operative paragraph: the first word,
    an adverb that qualifies it ("Deeply concerned"), and a fixed phrase that completes it
    ("Noting with satisfaction", "Bearing in mind", "Recalling also")."""
    words = text.split()
    if not words:
        return ""
    lead = [words[0].strip(",")]
    rest = words[1:]
    while (
        lead[-1].lower() in _LEAD_PREFIXES - {"reaffirming", "noting"}
        and rest
        and rest[0][:1].isalpha()
        and len(lead) < 3
    ):
        lead.append(rest.pop(0).strip(","))
    tail = " ".join(rest).lower()
    for suffix in _LEAD_SUFFIXES:
        opens = tail.startswith(suffix + " ") or tail.startswith(suffix + ",")
        fits = lead[0].lower() in _HEADS_WITH_PHRASES or suffix in LEAD_ADVERBS
        if opens and fits:
            lead.extend(words[len(lead) : len(lead) + len(suffix.split())])
            break
    return " ".join(lead).rstrip(",")


def references_in(raw: str) -> tuple[Reference, ...]:
    """The UN documents a raw paragraph mentions, in order, without repeats."""
    if "/" not in raw:  # every symbol and resolution number has one
        return ()
    found: list[str] = []
    for match in _SYMBOL_IN_LINK.finditer(raw):
        symbol = symbol_of(match.group(1).strip())
        if symbol:
            found.append(symbol)
    plain = strip_markup(raw)
    for match in _MENTIONED_RESOLUTION.finditer(plain):
        body = match.group(1).strip().lower()
        for number in re.findall(r"\d{1,4}/\d{1,4}", match.group(2)):
            if body.startswith("human rights council"):
                found.append(f"A/HRC/RES/{number}")
            elif body in {"", "its", "general assembly"}:
                symbol = symbol_of(number)
                if symbol:
                    found.append(symbol)
    for match in _SYMBOL.finditer(plain):
        symbol = match.group(0).rstrip(".")
        if "/" in symbol and not symbol.endswith("/"):
            found.append(symbol)
    unique = list(dict.fromkeys(found))
    return tuple(Reference(symbol, undocs_url(symbol)) for symbol in unique)


def symbol_of(text: str) -> str:
    """'70/1' -> 'A/RES/70/1'; 'A/73/85' -> itself; anything else -> ''."""
    number = _RESOLUTION_NUMBER.match(text)
    if number:
        return f"A/RES/{number.group(1)}/{number.group(2)}"
    if _SYMBOL.fullmatch(text):
        return text
    return ""


@dataclass
class _Draft:
    """A paragraph being assembled from one or more blocks."""

    kind: ParagraphKind
    number: int
    raw: str
    line: int
    lead: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class _Header:
    number: str = ""
    title: str = ""
    session: str = ""
    agenda_item: str = ""
    committee: str = ""
    reports: tuple[str, ...] = ()
    adoption_date: str = ""
    distribution_date: str = ""
    plenary: str = ""
    annex_title: str = ""
    annex_preamble: tuple[str, ...] = ()


def parse_document(text: str, source: str = "<text>") -> Document:
    """Parse one resolution. Raises DocumentError naming source and line."""
    blocks = split_blocks(text)
    if not blocks:
        raise DocumentError(source, 1, "the document is empty")
    header = _Header()
    body_start = _parse_header(blocks, header, source)
    drafts, footnotes = _parse_body(blocks[body_start:], header, source)
    return _assemble(header, drafts, footnotes, source)


def _parse_header(blocks: list[Block], header: _Header, source: str) -> int:
    title_index = -1
    for index, block in enumerate(blocks):
        if _ASSEMBLY.match(block.text):
            if title_index < 0:
                raise DocumentError(
                    source, block.line, 'no title line like "71/194. Title" before it'
                )
            return index + 1
        if title_index >= 0 and index > title_index:
            header.title += " " + block.text  # a title that wrapped onto another block
            continue
        title = _TITLE.match(block.text)
        if title and not _DATE.match(block.text):
            header.number = f"{title.group(1)}/{title.group(2)}"
            header.title = title.group(3).strip()
            title_index = index
            continue
        _header_fact(block, header, blocks, index)
    line = blocks[-1].line if blocks else 1
    if title_index < 0:
        raise DocumentError(source, 1, 'no title line like "71/194. Title" was found')
    raise DocumentError(source, line, 'no "The General Assembly," line after the title')


def _header_fact(block: Block, header: _Header, blocks: list[Block], index: int) -> None:
    text = block.text
    for part in _split_header_lines(text):
        distr = _DISTR.match(part)
        if distr:
            header.distribution_date = distr.group(1).strip()
            continue
        session = _SESSION.match(part)
        if session:
            header.session = f"{session.group(1)} session"
            rest = session.group(2) or ""
            agenda = _AGENDA.search(rest)
            if agenda:
                header.agenda_item = agenda.group(1).strip()
            continue
        agenda = _AGENDA.match(part)
        if agenda:
            header.agenda_item = agenda.group(1).strip()
            continue
        adopted = _ADOPTED.match(part)
        if adopted:
            header.adoption_date = adopted.group(1).strip()
            continue
        plain = strip_markup(part)
        report = _REPORT.match(plain)
        if report:
            header.committee = report.group(1).strip()
            header.reports = tuple(_symbols_listed(report.group(2)))
            continue
        draft = _NO_COMMITTEE.match(plain)
        if draft:
            header.committee = ""
            header.reports = tuple(_symbols_listed(draft.group(1)))


def _split_header_lines(text: str) -> list[str]:
    """Header blocks hold several facts ("Distr.: General 20 January 2017"): keep them whole,
    but separate "Seventy-first session Agenda item 68 (b)" at the agenda words."""
    return [text]


def _symbols_listed(text: str) -> list[str]:
    return [s.strip() for s in re.split(r",\s*|\s+and\s+", text) if s.strip()]


def _parse_body(
    blocks: list[Block], header: _Header, source: str
) -> tuple[list[_Draft], dict[int, _Draft]]:
    drafts: list[_Draft] = []
    footnotes: dict[int, _Draft] = {}
    last_footnote: _Draft | None = None
    previous_was_footnote = False
    section = "pp"  # pp -> op -> footer -> annex
    expected_op = 1
    pp_count = 0
    index = 0
    while index < len(blocks):
        block = blocks[index]
        text = block.text
        index += 1
        footnote = _FOOTNOTE.match(text)
        if footnote:
            number = superscript_value(footnote.group(1))
            if number in footnotes:
                raise DocumentError(source, block.line, f"footnote {number} is defined twice")
            last_footnote = _Draft("fn", number, footnote.group(2), block.line)
            footnotes[number] = last_footnote
            previous_was_footnote = True
            continue
        plenary = _PLENARY.match(text)
        if plenary and section in {"pp", "op"}:
            header.plenary = plenary.group(1)
            if plenary.group(2) and not header.adoption_date:
                header.adoption_date = plenary.group(2).strip()
            if index < len(blocks) and _DATE.match(blocks[index].text):
                if not header.adoption_date:
                    header.adoption_date = blocks[index].text
                index += 1
            section = "footer"
            previous_was_footnote = False
            continue
        if section == "footer":
            if _ANNEX.match(text):
                section = "annex"
                expected_op = 1
                continue
            if _DATE.match(text):
                continue
            raise DocumentError(
                source, block.line, f"unexpected text after the footer: {text[:60]!r}"
            )
        numbered = _OPERATIVE.match(text)
        if section == "annex":
            if numbered and int(numbered.group(1)) == expected_op:
                body = numbered.group(2)
                lead = _emphasised_lead(body)
                drafts.append(_Draft("ax", expected_op, body, block.line, lead=lead))
                expected_op += 1
            elif _is_footnote_continuation(text, previous_was_footnote, last_footnote, "annex"):
                assert last_footnote is not None
                last_footnote.raw += " " + text
            elif expected_op == 1 and not header.annex_title:
                header.annex_title = strip_markup(text)
            elif expected_op == 1:
                header.annex_preamble += (strip_markup(text),)
            elif _SUBITEM.match(text) or text[:1].islower():
                drafts[-1].raw += " " + text
                drafts[-1].items.append(text)
            else:
                drafts[-1].raw += " " + text
            previous_was_footnote = False
            continue
        if numbered and (section == "op" or int(numbered.group(1)) == 1):
            number = int(numbered.group(1))
            if number != expected_op:
                raise DocumentError(
                    source,
                    block.line,
                    f"operative paragraph {number} where {expected_op} was expected",
                )
            section = "op"
            lead = _emphasised_lead(numbered.group(2))
            drafts.append(_Draft("op", number, numbered.group(2), block.line, lead=lead))
            expected_op += 1
            previous_was_footnote = False
            continue
        if _is_footnote_continuation(text, previous_was_footnote, last_footnote, section):
            assert last_footnote is not None
            last_footnote.raw += " " + text
            continue
        if section == "pp" and expected_op == 1 and _LEADING_EMPHASIS.match(text):
            # A resolution with a single operative paragraph prints it unnumbered; its verb
            # is italic, which preambular lead words never are.
            section = "op"
            lead = _emphasised_lead(text)
            drafts.append(_Draft("op", 1, text, block.line, lead=lead))
            expected_op += 1
            previous_was_footnote = False
            continue
        if section == "op":
            if not drafts or drafts[-1].kind != "op":
                raise DocumentError(source, block.line, "text before the first operative paragraph")
            drafts[-1].raw += " " + text
            if _SUBITEM.match(text):
                drafts[-1].items.append(text)
            previous_was_footnote = False
            continue
        if text[:1].islower() and drafts:  # a preambular paragraph continued
            drafts[-1].raw += " " + text
            continue
        pp_count += 1
        plain = strip_markup(text)
        drafts.append(_Draft("pp", pp_count, text, block.line, lead=lead_words(plain)))
        previous_was_footnote = False
    if not any(d.kind == "op" for d in drafts):
        raise DocumentError(source, blocks[-1].line if blocks else 1, "no operative paragraphs")
    return drafts, footnotes


def _is_footnote_continuation(
    text: str, previous_was_footnote: bool, last: _Draft | None, section: str
) -> bool:
    """A block without a marker that carries on the previous footnote over a page break.

    It follows a footnote block or stands where a paragraph cannot: in the preamble a block
    that does not end as a preambular paragraph does (","), in the operative part a block
    that is neither numbered nor a sub-item nor ends like an operative paragraph.
    """
    if last is None:
        return False
    plain = strip_markup(text).rstrip()
    if previous_was_footnote and (plain[:1].islower() or not plain[:1].isalpha()):
        return True
    if section == "pp":
        return plain.endswith(".") and not plain.endswith("..")
    if section == "op":
        return (
            not _SUBITEM.match(plain)
            and plain.endswith(".")
            and (plain[:1].islower() or previous_was_footnote)
        )
    return False


def _emphasised_lead(raw: str) -> str:
    match = _LEADING_EMPHASIS.match(raw.strip())
    if match:
        return " ".join(match.group(1).split()).rstrip(",")
    return lead_words(strip_markup(raw))


def _assemble(
    header: _Header, drafts: list[_Draft], footnotes: dict[int, _Draft], source: str
) -> Document:
    paragraphs: list[Paragraph] = []
    cited_by: dict[int, list[str]] = {}
    for draft in drafts:
        cleaned = clean(draft.raw)
        ident = f"{draft.kind}{draft.number}"
        fn_numbers = list(dict.fromkeys(number for number, _ in cleaned.markers))
        for number in fn_numbers:
            cited_by.setdefault(number, []).append(ident)
        paragraphs.append(
            Paragraph(
                id=ident,
                kind=draft.kind,
                number=draft.number,
                text=cleaned.text,
                lead=_lead_in(cleaned.text, draft.lead),
                footnotes=tuple(f"fn{n}" for n in fn_numbers if n in footnotes),
                markers=tuple((f"fn{n}", offset) for n, offset in cleaned.markers),
                references=references_in(draft.raw),
                items=_item_spans(cleaned.text, draft.items),
                line=draft.line,
            )
        )
    for number in sorted(footnotes):
        draft = footnotes[number]
        cleaned = clean(draft.raw)
        paragraphs.append(
            Paragraph(
                id=f"fn{number}",
                kind="fn",
                number=number,
                text=cleaned.text,
                references=references_in(draft.raw),
                cited_by=tuple(cited_by.get(number, ())),
                line=draft.line,
            )
        )
    symbol = f"A/RES/{header.number}"
    return Document(
        symbol=symbol,
        number=header.number,
        title=" ".join(header.title.split()),
        session=header.session,
        agenda_item=header.agenda_item,
        committee=header.committee,
        report_symbols=header.reports,
        adoption_date=header.adoption_date,
        plenary_meeting=header.plenary,
        distribution_date=header.distribution_date,
        annex_title=header.annex_title,
        annex_preamble=header.annex_preamble,
        paragraphs=tuple(paragraphs),
        source=source,
    )


def _lead_in(text: str, lead: str) -> str:
    """The lead as it stands at the start of the clean text, or '' when it does not."""
    if lead and text.startswith(lead):
        return lead
    return ""


def _item_spans(text: str, items: list[str]) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for item in items:
        cleaned = clean(item).text
        start = text.find(cleaned, cursor)
        if start >= 0:
            spans.append((start, start + len(cleaned)))
            cursor = start + len(cleaned)
    return tuple(spans)
