"""Writing a file so that readers never see half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FILE_MODE = 0o644


def write_atomically(target: Path, text: str) -> None:
    """Write `text` to a temporary file beside `target`, then rename it over `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, FILE_MODE)  # mkstemp makes the file private to its owner
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
