"""Resolution text in the knowledge layout -> Document. Pure parsing: the loader hands it strings.

The layout (see knowledge/A_RES_71_194.txt): blank-line separated blocks; header blocks; the
title line "71/194. Title"; "The General Assembly,"; preambular paragraphs; operative
paragraphs "1. *Verb* ..."; footnote blocks "¹ text" wherever a page broke; the footer
"65th plenary meeting" and its date; optionally "Annex", a title and numbered paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.kinds import LEAD_ADVERBS, LEAD_INTENSIFIERS
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
_LEAD_PREFIXES = LEAD_ADVERBS | LEAD_INTENSIFIERS | {"reaffirming", "noting"}
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
    drafts, footnotes = _BodyParser(header, source).parse(blocks[body_start:])
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
        _header_fact(block, header)
    line = blocks[-1].line if blocks else 1
    if title_index < 0:
        raise DocumentError(source, 1, 'no title line like "71/194. Title" was found')
    raise DocumentError(source, line, 'no "The General Assembly," line after the title')


def _header_fact(block: Block, header: _Header) -> None:
    part = block.text
    distr = _DISTR.match(part)
    if distr:
        header.distribution_date = distr.group(1).strip()
        return
    session = _SESSION.match(part)
    if session:
        header.session = f"{session.group(1)} session"
        rest = session.group(2) or ""
        agenda = _AGENDA.search(rest)
        if agenda:
            header.agenda_item = agenda.group(1).strip()
        return
    agenda = _AGENDA.match(part)
    if agenda:
        header.agenda_item = agenda.group(1).strip()
        return
    adopted = _ADOPTED.match(part)
    if adopted:
        header.adoption_date = adopted.group(1).strip()
        return
    plain = strip_markup(part)
    report = _REPORT.match(plain)
    if report:
        header.committee = report.group(1).strip()
        header.reports = tuple(_symbols_listed(report.group(2)))
        return
    draft = _NO_COMMITTEE.match(plain)
    if draft:
        header.committee = ""
        header.reports = tuple(_symbols_listed(draft.group(1)))


def _symbols_listed(text: str) -> list[str]:
    return [s.strip() for s in re.split(r",\s*|\s+and\s+", text) if s.strip()]


class _BodyParser:
    """The body after "The General Assembly,": preamble, operative part, footer (plenary
    meeting and date), annex; footnotes wherever they stand. One method per section."""

    def __init__(self, header: _Header, source: str) -> None:
        self.header = header
        self.source = source
        self.drafts: list[_Draft] = []
        self.footnotes: dict[int, _Draft] = {}
        self.last_footnote: _Draft | None = None
        self.previous_was_footnote = False
        self.section = "pp"  # pp -> op -> footer -> annex
        self.expected = 1  # the next operative (or annex) paragraph number
        self.pp_count = 0

    def parse(self, blocks: list[Block]) -> tuple[list[_Draft], dict[int, _Draft]]:
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if self._footnote(block):
                continue
            if self.section in {"pp", "op"} and self._plenary(block, blocks, index):
                if index < len(blocks) and _DATE.match(blocks[index].text):
                    if not self.header.adoption_date:
                        self.header.adoption_date = blocks[index].text
                    index += 1
                continue
            {"footer": self._footer, "annex": self._annex}.get(self.section, self._resolution)(
                block
            )
        if not any(d.kind == "op" for d in self.drafts):
            line = blocks[-1].line if blocks else 1
            raise DocumentError(self.source, line, "no operative paragraphs")
        return self.drafts, self.footnotes

    def _footnote(self, block: Block) -> bool:
        footnote = _FOOTNOTE.match(block.text)
        if not footnote:
            return False
        number = superscript_value(footnote.group(1))
        if number in self.footnotes:
            raise DocumentError(self.source, block.line, f"footnote {number} is defined twice")
        self.last_footnote = _Draft("fn", number, footnote.group(2), block.line)
        self.footnotes[number] = self.last_footnote
        self.previous_was_footnote = True
        return True

    def _plenary(self, block: Block, blocks: list[Block], index: int) -> bool:
        plenary = _PLENARY.match(block.text)
        if not plenary:
            return False
        self.header.plenary = plenary.group(1)
        if plenary.group(2) and not self.header.adoption_date:
            self.header.adoption_date = plenary.group(2).strip()
        self.section = "footer"
        self.previous_was_footnote = False
        return True

    def _footer(self, block: Block) -> None:
        text = block.text
        if _ANNEX.match(text):
            self.section = "annex"
            self.expected = 1
        elif not _DATE.match(text):
            raise DocumentError(
                self.source, block.line, f"unexpected text after the footer: {text[:60]!r}"
            )

    def _annex(self, block: Block) -> None:
        text = block.text
        numbered = _OPERATIVE.match(text)
        header = self.header
        if numbered and int(numbered.group(1)) == self.expected:
            body = numbered.group(2)
            lead = _emphasised_lead(body)
            self.drafts.append(_Draft("ax", self.expected, body, block.line, lead=lead))
            self.expected += 1
        elif self._continues_footnote(text):
            pass
        elif self.expected == 1 and not header.annex_title:
            header.annex_title = strip_markup(text)
        elif self.expected == 1:
            header.annex_preamble += (strip_markup(text),)
        elif _SUBITEM.match(text) or text[:1].islower():
            self.drafts[-1].raw += " " + text
            self.drafts[-1].items.append(text)
        else:
            self.drafts[-1].raw += " " + text
        self.previous_was_footnote = False

    def _resolution(self, block: Block) -> None:
        """The preamble and the operative part."""
        text = block.text
        numbered = _OPERATIVE.match(text)
        if numbered and (self.section == "op" or int(numbered.group(1)) == 1):
            self._operative(block, int(numbered.group(1)), numbered.group(2))
        elif self._continues_footnote(text):
            return
        elif self.section == "pp" and self.expected == 1 and _LEADING_EMPHASIS.match(text):
            # A resolution with a single operative paragraph prints it unnumbered; its verb
            # is italic, which preambular lead words never are.
            self._operative(block, 1, text)
        elif self.section == "op":
            if not self.drafts or self.drafts[-1].kind != "op":
                raise DocumentError(
                    self.source, block.line, "text before the first operative paragraph"
                )
            self.drafts[-1].raw += " " + text
            if _SUBITEM.match(text):
                self.drafts[-1].items.append(text)
            self.previous_was_footnote = False
        elif text[:1].islower() and self.drafts:  # a preambular paragraph continued
            self.drafts[-1].raw += " " + text
        else:
            self.pp_count += 1
            lead = lead_words(strip_markup(text))
            self.drafts.append(_Draft("pp", self.pp_count, text, block.line, lead=lead))
            self.previous_was_footnote = False

    def _operative(self, block: Block, number: int, body: str) -> None:
        if number != self.expected:
            raise DocumentError(
                self.source,
                block.line,
                f"operative paragraph {number} where {self.expected} was expected",
            )
        self.section = "op"
        lead = _emphasised_lead(body)
        self.drafts.append(_Draft("op", number, body, block.line, lead=lead))
        self.expected += 1
        self.previous_was_footnote = False

    def _continues_footnote(self, text: str) -> bool:
        """Append a block that carries on the last footnote over a page break."""
        last = self.last_footnote
        if not _is_footnote_continuation(text, self.previous_was_footnote, last, self.section):
            return False
        assert last is not None
        last.raw += " " + text
        return True


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
