"""Synthetic corpora for the scale part: resolutions in the knowledge layout, made from the
real documents' structure and words, the same ones for the same seed.

Resolution number i is a function of (seed, i) alone, so the corpus of 100 is the first 100
of the corpus of 10,000. Each has a header, a title, 8-13 preambular and 12-17 operative
paragraphs built from clauses of real paragraphs under real lead words, a few "recalling its
resolution 48/112 of ..." references (numbers and dates vary, as in real texts), 1-6
footnotes with their markers and blocks where a page broke, and the plenary footer.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.parse import parse_document, split_blocks
from bot.core.text import SUPERSCRIPT_DIGITS, clause_spans

THESAURUS = "thesaurus.yaml"
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_TENS = {4: "Forty", 5: "Fifty", 6: "Sixty", 7: "Seventy"}
_REPORTS = (
    "[on the report of the Third Committee ([A/{s}/{r}/Add.{a}](#))]",
    "[on the report of the Second Committee ([A/{s}/{r}](#))]",
    "[without reference to a Main Committee ([A/{s}/L.{a}](#))]",
)


@dataclass(frozen=True, slots=True)
class Material:
    """What the generator draws from: lead words, clauses, footnotes and titles."""

    pp_leads: tuple[str, ...]
    op_leads: tuple[str, ...]
    clauses: tuple[str, ...]
    footnotes: tuple[str, ...]  # raw, with their links and emphasis
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    symbol: str
    filename: str
    text: str
    paragraph_ids: tuple[str, ...]  # in the order the parser gives them


def material_from(paths: Iterable[Path]) -> Material:
    """Read resolutions in the knowledge layout (*.txt) and keep their parts."""
    pp_leads: list[str] = []
    op_leads: list[str] = []
    clauses: list[str] = []
    footnotes: list[str] = []
    titles: list[str] = []
    for path in sorted(paths):
        raw = path.read_text(encoding="utf-8")
        document = parse_document(raw, str(path))
        titles.append(document.title)
        for paragraph in document.paragraphs:
            if paragraph.kind == "fn":
                continue
            if paragraph.lead and paragraph.kind in {"pp", "op"}:
                (pp_leads if paragraph.kind == "pp" else op_leads).append(paragraph.lead)
            body = paragraph.body
            clauses += [_clause(body[a:b]) for a, b in clause_spans(body, min_length=25)]
        for block in split_blocks(raw):
            if block.text[:1] in SUPERSCRIPT_DIGITS:
                footnotes.append(block.text.lstrip(SUPERSCRIPT_DIGITS).strip())
    return Material(
        pp_leads=_unique(pp_leads),
        op_leads=_unique(op_leads),
        clauses=_unique(c for c in clauses if len(c) >= 12),
        footnotes=_unique(footnotes),
        titles=_unique(titles),
    )


def _clause(text: str) -> str:
    return text.strip().rstrip(",;:.").strip()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def symbol_parts(index: int) -> tuple[int, int]:
    """(session, number) of resolution `index`: 1,000 numbers per session from the 40th."""
    return 40 + index // 1000, 1 + index % 1000


def resolution(material: Material, index: int, *, seed: int) -> Resolution:
    rng = random.Random(f"{seed}:{index}")
    session, number = symbol_parts(index)
    pp_count = rng.randint(8, 13)
    op_count = rng.randint(12, 17)
    footnote_count = rng.randint(1, 6)
    carriers = sorted(rng.sample(range(pp_count + op_count), footnote_count))
    blocks = _header(rng, session, number, material)
    for position in range(pp_count + op_count):
        marker = carriers.index(position) + 1 if position in carriers else 0
        if position < pp_count:
            blocks.append(_preambular(rng, material, session, marker))
        else:
            last = position == pp_count + op_count - 1
            blocks.append(_operative(rng, material, position - pp_count + 1, marker, last))
        if marker:
            blocks.append(superscript(marker) + " " + rng.choice(material.footnotes))
    meeting = rng.randint(40, 99)
    blocks += [f"{meeting}{ordinal_suffix(meeting)} plenary meeting", _date(rng, session)]
    ids = (
        *(f"pp{n}" for n in range(1, pp_count + 1)),
        *(f"op{n}" for n in range(1, op_count + 1)),
        *(f"fn{n}" for n in range(1, footnote_count + 1)),
    )
    return Resolution(
        symbol=f"A/RES/{session}/{number}",
        filename=f"A_RES_{session}_{number}.txt",
        text="\n\n\n\n" + "\n\n".join(blocks) + "\n",
        paragraph_ids=ids,
    )


def _header(rng: random.Random, session: int, number: int, material: Material) -> list[str]:
    report = rng.choice(_REPORTS).format(s=session, r=rng.randint(300, 700), a=rng.randint(1, 9))
    return [
        "General Assembly",
        f"Distr.: General\n{_date(rng, session)}",
        f"{session_words(session)} session\nAgenda item {rng.randint(3, 140)}",
        f"Resolution adopted by the General Assembly on {_date(rng, session)}",
        report,
        f"{session}/{number}. {rng.choice(material.titles)}",
        "The General Assembly,",
    ]


def _preambular(rng: random.Random, material: Material, session: int, marker: int) -> str:
    if rng.random() < 0.2:
        year = 1946 + session - rng.randint(1, 20)
        earlier = f"{year - 1945}/{rng.randint(1, 300)}"
        body = [f"its resolution [{earlier}](#) of {_day_month(rng)} {year}"]
    else:
        body = _clauses(rng, material, 1, 3)
    return _with_marker(f"{rng.choice(material.pp_leads)} {', '.join(body)}", marker) + ","


def _operative(rng: random.Random, material: Material, number: int, marker: int, last: bool) -> str:
    body = ", ".join(_clauses(rng, material, 1, 3))
    lead = rng.choice(material.op_leads)
    return f"{number}. *{lead}* {_with_marker(body, marker)}" + ("." if last else ";")


def _clauses(rng: random.Random, material: Material, low: int, high: int) -> list[str]:
    return [rng.choice(material.clauses) for _ in range(rng.randint(low, high))]


def _with_marker(text: str, marker: int) -> str:
    """The marker after the first comma (as in "adopted ... on 25 June 1993,¹ for"), or at
    the end."""
    if not marker:
        return text
    comma = text.find(", ")
    if comma < 0:
        return text + superscript(marker)
    return text[: comma + 1] + superscript(marker) + text[comma + 1 :]


def _date(rng: random.Random, session: int) -> str:
    return f"{_day_month(rng)} {1945 + session + rng.randint(0, 1)}"


def _day_month(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)}"


def superscript(number: int) -> str:
    return "".join(SUPERSCRIPT_DIGITS[int(d)] for d in str(number))


def ordinal_suffix(number: int) -> str:
    if number % 100 in {11, 12, 13}:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def session_words(session: int) -> str:
    """40 -> "Fortieth", 71 -> "Seventy-first" (sessions 40-79)."""
    tens, unit = divmod(session, 10)
    if unit == 0:
        return _TENS[tens][:-1] + "ieth"
    return f"{_TENS[tens]}-{_UNITS[unit - 1]}"


def write_corpus(
    material: Material,
    size: int,
    folder: Path,
    *,
    seed: int,
    thesaurus: Path | None = None,
    progress: Callable[[Sequence[int]], Iterable[int]] = lambda r: r,
) -> list[Resolution]:
    """Write `size` resolutions (and the thesaurus, for the loader) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    if thesaurus is not None:
        shutil.copyfile(thesaurus, folder / THESAURUS)
    written = []
    for index in progress(range(size)):
        item = resolution(material, index, seed=seed)
        (folder / item.filename).write_text(item.text, encoding="utf-8")
        written.append(item)
    return written
