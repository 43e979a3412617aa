"""Resolutions in the knowledge folder (text in the layout, or official PDFs) -> Documents.
A malformed file is reported with its line; the others still load."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from bot.core.models import Document
from bot.loading.aliases import load_aliases

DOCUMENT_SUFFIXES = {".txt", ".pdf"}


def document_files(knowledge_dir: Path) -> list[Path]:
    return [knowledge_dir / name for name in document_names(knowledge_dir)]


def document_names(knowledge_dir: Path) -> list[str]:
    """The names of the folder's resolution files, sorted (one directory read: 10,000 files
    cost milliseconds)."""
    with os.scandir(knowledge_dir) as found:
        return sorted(
            entry.name
            for entry in found
            if not entry.name.startswith(".")
            and os.path.splitext(entry.name)[1].lower() in DOCUMENT_SUFFIXES
            and entry.is_file()
        )


def load_documents(knowledge_dir: Path) -> tuple[list[Document], list[str]]:
    """Parse every resolution in the folder; a malformed one is reported, the rest load."""
    documents, _, problems = load_documents_and_aliases(knowledge_dir)
    return documents, problems


def load_documents_and_aliases(
    knowledge_dir: Path,
) -> tuple[list[Document], dict[str, tuple[str, ...]], list[str]]:
    """The documents, the aliases declared beside them (by symbol), and every problem."""
    aliases: dict[str, tuple[str, ...]] = {}
    if not knowledge_dir.is_dir():
        return [], aliases, folder_problems(knowledge_dir, [])
    files = document_files(knowledge_dir)
    problems = folder_problems(knowledge_dir, files)
    documents: list[Document] = []
    seen: dict[str, Path] = {}
    for path in files:
        document, problem = parse_file(path, knowledge_dir)
        if document is None:
            problems.append(problem)
            continue
        if document.symbol in seen:
            problems.append(duplicate(path, document.symbol, seen[document.symbol]))
            continue
        seen[document.symbol] = path
        documents.append(document)
        names, alias_problems = load_aliases(path)
        problems += alias_problems
        if names:
            aliases[document.symbol] = names
    return documents, aliases, problems


def folder_problems(knowledge_dir: Path, files: Sequence[object]) -> list[str]:
    """A missing folder, or one without resolutions (`files`: its document_files)."""
    if not knowledge_dir.is_dir():
        return [f"{knowledge_dir}: the knowledge folder does not exist"]
    if not files:
        return [f"{knowledge_dir}: no resolution files (*.txt, *.pdf) found"]
    return []


def parse_file(path: Path, knowledge_dir: Path) -> tuple[Document | None, str]:
    """The document in one file, or None and what is wrong with it (file:line: ...)."""
    # Imported when a file is parsed: a start from the saved engine parses none, and the
    # parser's import (its regular expressions compiled) is a tenth of such a start's imports.
    from bot.core.parse import DocumentError, parse_document

    try:
        return parse_document(read_document_text(path, knowledge_dir), str(path)), ""
    except DocumentError as error:
        return None, str(error)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, f"{path}:1: {error}"


def duplicate(path: Path, symbol: str, first: Path) -> str:
    return f"{path}:1: {symbol} is also in {first}"


def read_document_text(path: Path, knowledge_dir: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from bot.pdfimport import load_pdf_cached  # only when a PDF is there

        text: str = load_pdf_cached(path, knowledge_dir / ".cache")
        return text
    return path.read_text(encoding="utf-8")
