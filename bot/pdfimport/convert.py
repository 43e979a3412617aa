"""One PDF -> one knowledge text: read the pages, interpret them, lay them out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.pdfimport.layout import layout_text, output_name
from bot.pdfimport.resolution import read_resolution

# bot.pdfimport.reader (pdfplumber, pdfminer: a fifth of a second to import) is imported when a
# PDF is read, not by every command that merely could import one.


@dataclass(frozen=True, slots=True)
class Conversion:
    symbol: str  # "A/RES/73/8"
    filename: str  # "A_RES_73_8.txt"
    text: str  # the knowledge layout


def convert_bytes(path: Path, data: bytes) -> Conversion:
    """Convert PDF `data` read from `path` (named in errors); raises PdfImportError."""
    from bot.pdfimport.reader import read_pages

    resolution = read_resolution(path, read_pages(path, data))
    return Conversion(resolution.header.symbol, output_name(resolution), layout_text(resolution))


def convert_pdf(path: Path) -> Conversion:
    from bot.pdfimport.reader import read_bytes

    return convert_bytes(path, read_bytes(path))


def pdf_to_layout(path: Path) -> str:
    """The knowledge-layout text of the General Assembly resolution PDF at `path`.

    Raises PdfImportError(path, message) when the file is not a readable resolution PDF.
    """
    return convert_pdf(path).text
