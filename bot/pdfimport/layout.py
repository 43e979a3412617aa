"""A `Resolution` -> the text of the knowledge layout (see knowledge/A_RES_71_194.txt)."""

from __future__ import annotations

from bot.pdfimport.resolution import Resolution

LEADING_BLANK_LINES = 4  # the knowledge texts open with four empty lines, as the seed does
ANNEX_HEADING = "Annex"


def layout_text(resolution: Resolution) -> str:
    header = resolution.header
    blocks = [
        "General Assembly",
        _lines(header.distribution, header.distribution_date),
        _lines(header.session, header.agenda),
        f"Resolution adopted by the General Assembly on {header.adoption_date}",
        header.committee,
        header.title,
        resolution.assembly,
        *resolution.body,
        _lines(resolution.plenary, resolution.plenary_date),
    ]
    if resolution.annex:
        blocks += [ANNEX_HEADING, *resolution.annex]
    return "\n" * LEADING_BLANK_LINES + "\n\n".join(block for block in blocks if block)


def output_name(resolution: Resolution) -> str:
    """The knowledge file name of the resolution: A/RES/73/8 -> A_RES_73_8.txt."""
    return resolution.header.symbol.replace("/", "_") + ".txt"


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)
