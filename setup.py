"""Build step pyproject.toml cannot express: ship copies of the top-level knowledge/ and
intents/ folders (the source of truth, never duplicated in git) inside the wheel as
bot/_defaults/, so an installed `resbot` works from any directory (bot/loading/defaults.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("knowledge", "intents")


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree's folders directly
        for name in SHIPPED:
            target = Path(self.build_lib) / "bot" / "_defaults" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns(".*", "__pycache__")
            )


setup(cmdclass={"build_py": BuildWithDefaults})
