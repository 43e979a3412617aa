"""The bench's child processes start as an installed program does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.bench.procs import as_installed


def test_children_start_with_compiled_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    as_installed(package)
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    assert list((package / "__pycache__").glob("__init__.*.pyc"))
