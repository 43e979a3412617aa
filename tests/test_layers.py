"""The layers stay apart: the core is pure (no web, YAML, Redis or schema libraries, no other
bot package), renderers and loaders build only on the core, and no chat channel imports another.
Every import counts, including those inside functions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bot"
CORE_FORBIDDEN = ("aiohttp", "yaml", "redis", "jsonschema", "prometheus_client", "pdfplumber")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> list[Path]:
    return sorted((PACKAGE.parent / package.replace(".", "/")).rglob("*.py"))


def imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:  # relative imports would hide the layer; the project uses none
                yield f"<relative>.{node.module}"
            elif node.module == "bot":
                yield from (f"bot.{alias.name}" for alias in node.names)
            else:
                yield node.module


def outside(path: Path, allowed: tuple[str, ...]) -> list[str]:
    """The bot modules `path` imports that are not under one of `allowed`."""
    return [
        name
        for name in imports(path)
        if (name.startswith("bot.") or name.startswith("<relative>"))
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    ]


def test_the_tree_shows_the_layers() -> None:
    for package in ("core", "loading", "render", "server", "channels", "web", "cli"):
        assert (PACKAGE / package / "__init__.py").is_file(), package
    top_level = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top_level == ["__init__.py", "__main__.py"]


@pytest.mark.parametrize("path", modules("bot.core"), ids=module_name)
def test_the_core_imports_no_io_library(path: Path) -> None:
    found = [n for n in imports(path) if n.split(".")[0] in CORE_FORBIDDEN]
    assert not found, f"{module_name(path)} imports {found}"


@pytest.mark.parametrize("path", modules("bot.core"), ids=module_name)
def test_the_core_imports_no_other_bot_package(path: Path) -> None:
    found = outside(path, ("bot.core",))
    assert not found, f"{module_name(path)} imports {found}"


@pytest.mark.parametrize("path", modules("bot.render"), ids=module_name)
def test_renderers_build_on_the_core_alone(path: Path) -> None:
    found = outside(path, ("bot.core", "bot.render"))
    assert not found, f"{module_name(path)} imports {found}"


@pytest.mark.parametrize("path", modules("bot.loading"), ids=module_name)
def test_loaders_know_nothing_of_servers_channels_or_commands(path: Path) -> None:
    found = outside(path, ("bot.core", "bot.loading", "bot.pdfimport", "bot.semantic_model"))
    assert not found, f"{module_name(path)} imports {found}"


@pytest.mark.parametrize("path", modules("bot.semantic_model"), ids=module_name)
def test_the_semantic_model_builds_on_the_core_alone(path: Path) -> None:
    found = outside(path, ("bot.core", "bot.semantic_model"))
    assert not found, f"{module_name(path)} imports {found}"


def platform(name: str) -> str:
    """`bot.channels.slack_api` belongs to the slack platform."""
    return name.rsplit(".", 1)[-1].split("_")[0]


CHANNEL_MODULES = [
    p for p in modules("bot.channels") if p.name not in {"__init__.py", "context.py"}
]


@pytest.mark.parametrize("path", CHANNEL_MODULES, ids=module_name)
def test_no_channel_imports_another(path: Path) -> None:
    own = platform(module_name(path))
    others = [
        n
        for n in imports(path)
        if n.startswith("bot.channels.") and n != "bot.channels.context" and platform(n) != own
    ]
    assert not others, f"{module_name(path)} imports {others}"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The walker sees imports inside functions and `from bot import x` forms."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import aiohttp\n    from bot import server\n")
    assert list(imports(sample)) == ["aiohttp", "bot.server"]
    assert platform("bot.channels.slack_api") == platform("bot.channels.slack") == "slack"
