"""Resolutions in the knowledge folder (text in the layout, or official PDFs) -> Documents.
A malformed file is reported with its line; the others still load."""

from __future__ import annotations

from pathlib import Path

from bot.core.models import Document
from bot.core.parse import DocumentError, parse_document
from bot.loading.aliases import load_aliases

DOCUMENT_SUFFIXES = {".txt", ".pdf"}


def document_files(knowledge_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in knowledge_dir.iterdir()
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and not p.name.startswith(".")
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
        return [], aliases, [f"{knowledge_dir}: the knowledge folder does not exist"]
    documents: list[Document] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    files = document_files(knowledge_dir)
    if not files:
        problems.append(f"{knowledge_dir}: no resolution files (*.txt, *.pdf) found")
    for path in files:
        try:
            text = read_document_text(path, knowledge_dir)
            document = parse_document(text, str(path))
        except DocumentError as error:
            problems.append(str(error))
            continue
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problems.append(f"{path}:1: {error}")
            continue
        if document.symbol in seen:
            problems.append(f"{path}:1: {document.symbol} is also in {seen[document.symbol]}")
            continue
        seen[document.symbol] = path
        documents.append(document)
        names, alias_problems = load_aliases(path)
        problems += alias_problems
        if names:
            aliases[document.symbol] = names
    return documents, aliases, problems


def read_document_text(path: Path, knowledge_dir: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from bot.pdfimport import load_pdf_cached  # only when a PDF is there

        text: str = load_pdf_cached(path, knowledge_dir / ".cache")
        return text
    return path.read_text(encoding="utf-8")
