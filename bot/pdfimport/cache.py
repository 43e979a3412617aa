"""Converted PDFs cached by content: a PDF is converted once until its bytes change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.pdfimport.convert import convert_bytes
from bot.pdfimport.files import write_atomically

CACHE_VERSION = 1  # raise when the converter's output changes, so old entries are not used


def cache_path(path: Path, data: bytes, cache_dir: Path) -> Path:
    """<cache_dir>/<pdf stem>.<sha256 of the bytes>.v<version>.txt"""
    digest = hashlib.sha256(data).hexdigest()
    return cache_dir / f"{path.stem}.{digest}.v{CACHE_VERSION}.txt"


def load_pdf_cached(path: Path, cache_dir: Path) -> str:
    """The layout text of the PDF at `path`, converted once and kept in `cache_dir`.

    The entry is keyed by the SHA-256 of the PDF's bytes: a changed PDF is converted again
    and its stale entries are removed. A failing PDF raises PdfImportError and caches nothing.
    A cache that cannot be written is not an error: the text is still returned.
    """
    from bot.pdfimport.reader import read_bytes  # pdfplumber: only when a PDF is read

    data = read_bytes(path)
    entry = cache_path(path, data, cache_dir)
    try:
        return entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    text = convert_bytes(path, data).text
    try:
        write_atomically(entry, text)
        _remove_stale(entry, path.stem)
    except OSError:
        pass
    return text


def _remove_stale(current: Path, stem: str) -> None:
    """Entries of earlier contents (or converter versions) of the same PDF."""
    for entry in current.parent.iterdir():
        name = entry.name
        if entry != current and name.startswith(stem + ".") and _is_entry(name[len(stem) :]):
            entry.unlink(missing_ok=True)


def _is_entry(suffix: str) -> bool:
    """'.<64 hex>.v<n>.txt'"""
    parts = suffix.split(".")
    return (
        len(parts) == 4
        and len(parts[1]) == 64
        and all(c in "0123456789abcdef" for c in parts[1])
        and parts[2].startswith("v")
        and parts[3] == "txt"
    )
