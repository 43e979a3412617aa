"""Where the CLI finds knowledge and intents when no folder is given: `./knowledge` and
`./intents` when they exist, else the copies shipped in the wheel (`bot/_defaults/`, copied
from the top-level folders at build time by setup.py), else the top-level folders of a source
checkout (an editable install)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGED = "_defaults"


def default_knowledge_dir() -> Path:
    return _default_dir("knowledge")


def default_intents_dir() -> Path:
    return _default_dir("intents")


def _default_dir(name: str) -> Path:
    local = Path(name)
    if local.is_dir():
        return local
    for candidate in (packaged_dir(name), source_dir(name)):
        if candidate.is_dir():
            return candidate
    return local  # the loader then reports that the folder does not exist


def packaged_dir(name: str) -> Path:
    return Path(str(resources.files("bot").joinpath(PACKAGED, name)))


def source_dir(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / name
