"""resbot export-faq: the FAQ (knowledge/faq.yaml, else the one shipped with resbot, answered
by the engine) as HTML, JSON-LD or Markdown, for static sites."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import engine_or_exit
from bot.loading.errors import LoadError
from bot.web.export import render_faq
from bot.web.faq import FAQ_FILE, build_faq, faq_files, load_faq


def run_export_faq(args: argparse.Namespace) -> int:
    """0 when written; 2 when knowledge, intents or the FAQ file are invalid; 1 when the
    output cannot be written."""
    engine = engine_or_exit(args)
    if engine is None:
        return 2
    try:
        path = next((p for p in faq_files(Path(args.knowledge)) if p.is_file()), None)
        if path is None:
            raise LoadError([f"{Path(args.knowledge) / FAQ_FILE}: no FAQ file (faq.yaml)"])
        spec = load_faq(path)
    except LoadError as error:
        print("resbot export-faq: invalid FAQ file:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    faq = build_faq(engine, spec)
    for skipped in faq.skipped:
        print(
            f"resbot export-faq: left out (the text does not answer it): {skipped}", file=sys.stderr
        )
    text = render_faq(faq, args.format or "html")
    output = getattr(args, "output", None)
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"resbot export-faq: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 1
    return 0
