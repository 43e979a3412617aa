"""Command line: ask, repl, serve, check, eval, import. Imports only what a command needs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    from bot.loading.defaults import default_intents_dir, default_knowledge_dir

    default_k = argparse.SUPPRESS if suppress else default_knowledge_dir()
    default_i = argparse.SUPPRESS if suppress else default_intents_dir()
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=default_k,
        metavar="DIR",
        help="folder of resolutions and thesaurus.yaml (default: knowledge/)",
    )
    parser.add_argument(
        "--intents",
        type=Path,
        default=default_i,
        metavar="DIR",
        help="folder of intent YAML files (default: intents/)",
    )
    parser.add_argument(
        "--no-semantic",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="answer from the words alone, without semantic matching (RESBOT_SEMANTIC=off)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resbot",
        description="Answers questions about UN resolutions with verbatim, cited quotes.",
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question, or JSON lines from stdin")
    _add_common(ask, suppress=True)
    ask.add_argument("question", nargs="*", help="the question (omit with --jsonl)")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the Answer as JSON")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"sender","message"} lines from stdin, write Answers',
    )

    repl = sub.add_parser("repl", help="interactive conversation for testing")
    _add_common(repl, suppress=True)

    serve = sub.add_parser("serve", help="serve HTTP: API, chat webhooks, widget")
    _add_common(serve, suppress=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the port")

    check = sub.add_parser("check", help="validate knowledge/ and intents/")
    _add_common(check, suppress=True)

    evaluate = sub.add_parser("eval", help="measure answer quality on an eval YAML")
    _add_common(evaluate, suppress=True)
    evaluate.add_argument("file", type=Path, help="eval YAML (questions and dialogues)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument(
        "--failures", action="store_true", default=True, help="list every failure (default)"
    )

    importer = sub.add_parser("import", help="convert resolution PDFs into knowledge text")
    _add_common(importer, suppress=True)
    from bot.pdfimport.cli import add_arguments as add_import_arguments

    add_import_arguments(importer)
    bench = sub.add_parser("bench", help="measure latency, scale and HTTP throughput")
    _add_common(bench, suppress=True)
    bench.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="eval YAML whose questions are timed (default: the dev set)",
    )
    bench.add_argument(
        "--sizes",
        default="100,1000,10000",
        help="synthetic corpus sizes in resolutions (comma-separated)",
    )
    bench.add_argument(
        "--duration", type=float, default=10.0, help="seconds of load per HTTP measurement"
    )
    bench.add_argument("--connections", type=int, default=64)
    bench.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="paired rounds of the engine alone and the server (1 worker, cache off)",
    )
    bench.add_argument(
        "--skip", default="", help="comma-separated parts to skip: engine,cold,scale,http"
    )
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")

    export = sub.add_parser("export-faq", help="write the FAQ for a static site")
    _add_common(export, suppress=True)
    export.add_argument("--format", choices=["html", "jsonld", "markdown"], default="html")
    export.add_argument(
        "-o", "--output", type=Path, default=None, help="output file (default: standard output)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: str = args.command
    if args.no_semantic:
        # Through the environment, so that server workers and bench processes see it too.
        os.environ["RESBOT_SEMANTIC"] = "off"
    try:
        if command == "ask":
            from bot.cli.ask import run_ask

            return run_ask(args)
        if command == "repl":
            from bot.cli.repl import run_repl

            return run_repl(args)
        if command == "check":
            from bot.cli.check import run_check

            return run_check(args)
        if command == "eval":
            from bot.cli.evaluate import run_eval_file

            return run_eval_file(args)
        if command == "serve":
            from bot.cli.serve import run_serve

            return run_serve(args)
        if command == "bench":
            from bot.bench import run_bench

            return run_bench(args)
        if command == "export-faq":
            from bot.cli.export_faq import run_export_faq

            return run_export_faq(args)
        if command == "import":
            from bot.pdfimport import import_command

            return import_command(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    print(f"resbot: unknown command {command!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
