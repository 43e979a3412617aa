"""Official General Assembly resolution PDFs -> the knowledge text layout.

- ``pdf_to_layout(path)``: the layout text of one PDF (raises PdfImportError)
- ``load_pdf_cached(path, cache_dir)``: the same, converted once per content (SHA-256)
- ``import_command(args)``: ``resbot import FILE.pdf ... [--out DIR]``
"""

from __future__ import annotations

from bot.pdfimport.cache import load_pdf_cached
from bot.pdfimport.cli import add_arguments, import_command
from bot.pdfimport.convert import Conversion, convert_pdf, pdf_to_layout
from bot.pdfimport.errors import PdfImportError

__all__ = [
    "Conversion",
    "PdfImportError",
    "add_arguments",
    "convert_pdf",
    "import_command",
    "load_pdf_cached",
    "pdf_to_layout",
]
