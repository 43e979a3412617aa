"""widget.js as shipped: one IIFE of plain ES2017, no dependencies, no HTML from strings."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from bot.web.routes import read_widget

SOURCE = read_widget().decode("utf-8")
CODE = re.sub(r"/\*.*?\*/|(?<![:\\])//[^\n]*", "", SOURCE, flags=re.S)


def test_it_is_one_iife_in_strict_mode() -> None:
    body = CODE.strip()
    assert body.startswith("(function () {\n  'use strict';")
    assert body.endswith("})();")
    assert body.count("})();") == 1


@pytest.mark.parametrize(
    "forbidden",
    [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "import ",
        "require(",
        "DOMParser",
    ],
)
def test_no_html_from_strings_and_no_dependencies(forbidden: str) -> None:
    assert forbidden not in CODE


@pytest.mark.parametrize("newer", [r"\?\.", r"\?\?", r"\.\.\.", r"catch\s*\{", r"\bclass\s"])
def test_no_syntax_newer_than_es2017(newer: str) -> None:
    assert not re.search(newer, CODE), newer


def test_it_parses() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the browser tests run the script anyway")
    subprocess.run([node, "--check", "-"], input=SOURCE, text=True, check=True, timeout=30)
