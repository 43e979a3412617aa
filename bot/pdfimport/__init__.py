"""Official General Assembly resolution PDFs -> the knowledge text layout.

- ``pdf_to_layout(path)``: the layout text of one PDF (raises PdfImportError)
- ``load_pdf_cached(path, cache_dir)``: the same, converted once per content (SHA-256)
- ``import_command(args)``: ``resbot import FILE.pdf ... [--out DIR]``
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.pdfimport.cache import load_pdf_cached
    from bot.pdfimport.cli import add_arguments, import_command
    from bot.pdfimport.convert import Conversion, convert_pdf, pdf_to_layout
    from bot.pdfimport.errors import PdfImportError

# Each name is imported from its module when first used: the command line builds its parser
# (which needs only `add_arguments`) at every start, and the converter is slow to import.
_MODULES = {
    "Conversion": "convert",
    "PdfImportError": "errors",
    "add_arguments": "cli",
    "convert_pdf": "convert",
    "import_command": "cli",
    "load_pdf_cached": "cache",
    "pdf_to_layout": "convert",
}

__all__ = [
    "Conversion",
    "PdfImportError",
    "add_arguments",
    "convert_pdf",
    "import_command",
    "load_pdf_cached",
    "pdf_to_layout",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
