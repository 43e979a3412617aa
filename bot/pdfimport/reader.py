"""Open a PDF with pdfplumber and read every page into `Page` records.

The only module that touches the file; every failure becomes a `PdfImportError` that says
what is wrong (not a PDF, encrypted, damaged, no text layer).

Speed: pdfplumber's ``page.chars`` turns each character into a dictionary of some twenty
resolved attributes (colours, graphic state ...), which costs about 0.18 s a page here, as
much as parsing the page. We take pdfplumber's parsed layout (``page.layout``) and keep the
attributes the importer reads (text, box, font name, size, upright), in pdfplumber's own
coordinates and key names, then let pdfplumber group them into words
(``pdfplumber.utils.extract_words``). Hyperlinks come from ``page.hyperlinks``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.layout import LTChar, LTComponent, LTContainer, LTCurve, LTImage
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import extract_words

from bot.pdfimport.errors import PdfImportError
from bot.pdfimport.lines import SPACE_RATIO, page_lines
from bot.pdfimport.model import Page, Rule

PDF_MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024  # readers accept a little junk before the header; so do we
RULE_MAX_HEIGHT = 2.0
WORD_SETTINGS: dict[str, Any] = {
    "x_tolerance_ratio": SPACE_RATIO,
    "y_tolerance": 3,
    "keep_blank_chars": True,  # spaces stay in the words: they decide where words break
    "use_text_flow": False,
    "extra_attrs": ["fontname", "size"],
}


@dataclass(frozen=True, slots=True)
class _RawPage:
    """What pdfplumber gives for one page, before any interpretation."""

    number: int
    width: float
    height: float
    chars: list[dict[str, Any]]
    links: list[dict[str, Any]]
    rules: tuple[Rule, ...]
    images: int


def read_bytes(path: Path) -> bytes:
    """The file's content; raises PdfImportError when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise PdfImportError(path, f"cannot read the file ({error.strerror or error})") from error


def read_pages(path: Path, data: bytes) -> tuple[Page, ...]:
    """All pages of the PDF `data` read from `path`; raises PdfImportError naming the file."""
    _check_header(path, data)
    raw = _read_raw(path, data)
    if not raw:
        raise PdfImportError(path, "the PDF has no pages")
    pages = tuple(_page(page) for page in raw)
    if not any(page.lines for page in pages):
        images = sum(page.images for page in pages)
        what = f"{images} image(s) and no text" if images else "no text at all"
        raise PdfImportError(
            path, f"the PDF has no text layer ({what}); a scan must be OCRed before import"
        )
    return pages


def _read_raw(path: Path, data: bytes) -> list[_RawPage]:
    """Parse the file; any failure of the PDF libraries means the file is unreadable."""
    try:
        with pdfplumber.open(BytesIO(data)) as pdf:
            return [_raw_page(page) for page in pdf.pages]
    except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise PdfImportError(path, _describe(error)) from error
    except Exception as error:  # pdfminer raises many kinds of error on broken files
        raise PdfImportError(path, f"the PDF is damaged and cannot be read ({error!r})") from error


def _page(raw: _RawPage) -> Page:
    words = extract_words(raw.chars, return_chars=True, **WORD_SETTINGS) if raw.chars else []
    return Page(
        number=raw.number,
        width=raw.width,
        height=raw.height,
        lines=page_lines(words, raw.links, raw.number),
        rules=raw.rules,
        images=raw.images,
    )


def _check_header(path: Path, data: bytes) -> None:
    if not data:
        raise PdfImportError(path, "the file is empty")
    if PDF_MAGIC not in data[:MAGIC_WINDOW]:
        raise PdfImportError(path, "not a PDF file (no %PDF- header)")


def _describe(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, PDFPasswordIncorrect):
            return "the PDF is encrypted and needs a password"
        if isinstance(cause, PDFEncryptionError):
            return f"the PDF is encrypted in a way that cannot be read ({cause})"
        inner = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = inner or cause.__cause__
    return f"the PDF is damaged and cannot be read ({error})"


def _raw_page(page: Any) -> _RawPage:
    chars: list[dict[str, Any]] = []
    rules: list[Rule] = []
    images = 0
    x_shift, y_shift = float(page.mediabox[0]), float(page.mediabox[1])
    height = float(page.height)
    for item in _leaves(page.layout):
        top = height - float(item.y1) + y_shift
        bottom = height - float(item.y0) + y_shift
        if isinstance(item, LTChar):
            chars.append(
                {
                    "text": item.get_text(),
                    "x0": float(item.x0) + x_shift,
                    "x1": float(item.x1) + x_shift,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "upright": item.upright,
                    "fontname": _font_name(item.fontname),
                    "size": float(item.size),
                }
            )
        elif isinstance(item, LTCurve) and bottom - top <= RULE_MAX_HEIGHT:
            rules.append(Rule(float(item.x0) + x_shift, float(item.x1) + x_shift, top, bottom))
        elif isinstance(item, LTImage):
            images += 1
    raw = _RawPage(
        number=int(page.page_number),
        width=float(page.width),
        height=height,
        chars=chars,
        links=list(page.hyperlinks),
        rules=tuple(rules),
        images=images,
    )
    page.close()
    return raw


def _leaves(item: LTComponent) -> Iterator[LTComponent]:
    if isinstance(item, LTContainer):
        for child in item:
            if isinstance(child, LTComponent):
                yield from _leaves(child)
    else:
        yield item


def _font_name(name: object) -> str:
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return str(name)
