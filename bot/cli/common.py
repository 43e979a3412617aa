"""What several commands share: loading the engine and reporting invalid files."""

from __future__ import annotations

import argparse
import sys

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine
from bot.loading.errors import LoadError


def engine_or_exit(args: argparse.Namespace) -> AnswerEngine | None:
    """The engine, or None after printing every problem (file:line: message) to stderr."""
    try:
        return load_engine(args.knowledge, args.intents)
    except LoadError as error:
        print("resbot: cannot start, invalid files:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return None
