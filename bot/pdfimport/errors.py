"""The one error the importer raises: it names the file and says what is wrong with it."""

from __future__ import annotations

from pathlib import Path


class PdfImportError(ValueError):
    """A PDF that cannot be converted; ``str()`` reads "FILE: what is wrong".

    A ValueError, like bot.core.parse.DocumentError, so loaders treat both as bad input."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
