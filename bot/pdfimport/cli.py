"""`resbot import FILE.pdf ... [--out DIR] [--force]`: convert PDFs into knowledge texts. An
existing resolution file with other content is never replaced without --force."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from bot.pdfimport.errors import PdfImportError
from bot.pdfimport.files import write_atomically


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The import command's own arguments (`--knowledge` comes from the main parser)."""
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.pdf")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the knowledge folder)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace resolution files that already exist"
    )


def import_command(args: argparse.Namespace) -> int:
    """Convert each file; one progress line per file on stderr; 1 if any file failed.

    A file that fails writes nothing and does not stop the others.
    """
    out_dir = Path(args.out if getattr(args, "out", None) is not None else args.knowledge)
    files = [Path(name) for name in args.files]
    return run_import(files, out_dir, sys.stderr, force=bool(getattr(args, "force", False)))


def run_import(files: list[Path], out_dir: Path, log: TextIO, *, force: bool = False) -> int:
    written: dict[str, Path] = {}
    failed = 0
    total = len(files)
    for position, path in enumerate(files, start=1):
        started = time.perf_counter()
        try:
            target, note = _import_one(path, out_dir, written, force=force)
        except PdfImportError as error:
            failed += 1
            took = time.perf_counter() - started
            print(f"[{position}/{total}] FAILED {error} ({took:.2f} s)", file=log, flush=True)
            continue
        took = time.perf_counter() - started
        print(f"[{position}/{total}] {path} -> {target}{note} ({took:.2f} s)", file=log, flush=True)
    done = total - failed
    print(f"imported {done} of {total} file(s) into {out_dir}", file=log, flush=True)
    return 1 if failed else 0


def _import_one(
    path: Path, out_dir: Path, written: dict[str, Path], *, force: bool
) -> tuple[Path, str]:
    """The file written and a note on it ("" / " (unchanged)" / " (replaced)")."""
    from bot.pdfimport.convert import convert_pdf  # slow to import: only when converting

    conversion = convert_pdf(path)
    earlier = written.get(conversion.filename)
    if earlier is not None:
        raise PdfImportError(
            path, f"{conversion.symbol} was already imported from {earlier} in this batch"
        )
    target = out_dir / conversion.filename
    note = ""
    if target.exists():
        if _same_text(target, conversion.text):
            written[conversion.filename] = path
            return target, " (unchanged)"
        if not force:
            raise PdfImportError(
                path,
                f"{target} already exists with other content; it was left untouched "
                "(use --force to replace it)",
            )
        note = " (replaced)"
    try:
        write_atomically(target, conversion.text)
    except OSError as error:
        raise PdfImportError(path, f"cannot write {target} ({error.strerror or error})") from error
    written[conversion.filename] = path
    return target, note


def _same_text(target: Path, text: str) -> bool:
    try:
        return target.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False
