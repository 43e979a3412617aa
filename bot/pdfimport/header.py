"""The facts at the head of a resolution (page 1, above "The General Assembly,")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.pdfimport.errors import PdfImportError

DATE = r"\d{1,2} [A-Z][a-z]+ \d{4}"

_DISTR = re.compile(rf"(Distr\.?:?\s*[A-Za-z]+)(?:\s+({DATE}))?$")
_DATE_LINE = re.compile(rf"^{DATE}$")
_SESSION = re.compile(r"^(.+\bsession)$", re.IGNORECASE)
_AGENDA = re.compile(r"^Agenda items?\b.*$")
_ADOPTED = re.compile(rf"^Resolution adopted by the General Assembly on ({DATE})$")
_TITLE = re.compile(r"^(\d{1,3})/(\d{1,4})\.\s+\S")
_COMMITTEE = re.compile(r"^\[(?:on the reports? of|without reference to)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Header:
    number: str  # "73/8"
    title: str  # "73/8. Necessity of ending ..."
    distribution: str = ""  # "Distr.: General"
    distribution_date: str = ""
    session: str = ""
    agenda: str = ""
    adoption_date: str = ""
    committee: str = ""  # "[without reference to a Main Committee ([A/73/L.3](#))]"

    @property
    def symbol(self) -> str:
        return f"A/RES/{self.number}"


def parse_header(path: Path, texts: Sequence[str], title: str) -> Header:
    """Header facts from the rendered header lines; `title` is the joined title block."""
    number = _TITLE.match(title)
    if number is None:
        raise PdfImportError(
            path,
            'not a General Assembly resolution: no numbered title such as "73/8. Title" '
            'before "The General Assembly,"',
        )
    distribution, distribution_date = _distribution(texts)
    adoption = _ADOPTED.match(" ".join(_from(texts, "Resolution adopted by")))
    if adoption is None:
        raise PdfImportError(
            path,
            'not a General Assembly resolution: no "Resolution adopted by the General '
            'Assembly on <date>" heading',
        )
    return Header(
        number=f"{number.group(1)}/{number.group(2)}",
        title=title,
        distribution=distribution,
        distribution_date=distribution_date,
        session=next((t for t in texts if _SESSION.match(t)), ""),
        agenda=next((t for t in texts if _AGENDA.match(t)), ""),
        adoption_date=adoption.group(1),
        committee=_committee(texts),
    )


def _distribution(texts: Sequence[str]) -> tuple[str, str]:
    for index, text in enumerate(texts):
        match = _DISTR.search(text)
        if match is None:
            continue
        date = match.group(2) or ""
        if not date and index + 1 < len(texts) and _DATE_LINE.match(texts[index + 1]):
            date = texts[index + 1]
        return match.group(1), date
    return "", ""


def _from(texts: Sequence[str], prefix: str) -> list[str]:
    """The line starting with `prefix` and the two after it (a heading may wrap)."""
    for index, text in enumerate(texts):
        if text.startswith(prefix):
            lines = [text]
            for following in texts[index + 1 : index + 3]:
                if _ADOPTED.match(" ".join(lines)):
                    break
                lines.append(following)
            return lines
    return []


def _committee(texts: Sequence[str]) -> str:
    for index, text in enumerate(texts):
        if _COMMITTEE.match(text):
            lines = [text]
            for following in texts[index + 1 :]:
                if lines[-1].endswith("]"):
                    break
                lines.append(following)
            return " ".join(lines)
    return ""
