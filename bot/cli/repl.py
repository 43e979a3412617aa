"""resbot repl: a conversation on the terminal, with line editing and history; /help, /reset,
/debug, /json. Piped input works too (one message a line, no prompt)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.cli.common import engine_or_exit
from bot.core.engine import AnswerEngine
from bot.core.models import Answer, ConversationState, Turn

HISTORY_FILE = Path.home() / ".resbot_history"
HELP = """Commands:
  /help    this help
  /reset   forget the conversation (last document and paragraph)
  /debug   how the last answer was found: intent, top candidates, terms, typo corrections
  /json    toggle printing answers as JSON
  /quit    leave (Ctrl-D works too)
Anything else is a question about the loaded resolutions."""


def run_repl(args: argparse.Namespace) -> int:
    engine = engine_or_exit(args)
    if engine is None:
        return 2
    interactive = sys.stdin.isatty()
    if interactive:
        _enable_history()
        symbols = ", ".join(d.symbol for d in engine.documents)
        print(f"resbot: ask about {symbols}. /help for commands, Ctrl-D to leave.")
    session = ReplSession(engine)
    for line in _lines(interactive, sys.stdin):
        output = session.handle(line)
        if output is None:
            break
        if output:
            print(output, flush=True)
    if interactive:
        _save_history()
    return 0


class ReplSession:
    """The REPL's state and commands, separate from the terminal for testing."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.state = ConversationState()
        self.as_json = False
        self.last: Answer | None = None
        self.last_debug = ""

    def handle(self, line: str) -> str | None:
        """The text to print for one input line; None to quit."""
        text = line.strip()
        if not text:
            return ""
        if text.startswith("/"):
            return self._command(text)
        turn = self.engine.reply(text, self.state)
        self.state = turn.state
        self.last = turn.answer
        self.last_debug = self._describe_debug(turn)
        if self.as_json:
            return json.dumps(turn.answer.to_dict(), ensure_ascii=False, indent=2)
        from bot.render.plain import render_plain

        return render_plain(turn.answer)

    def _command(self, text: str) -> str | None:
        command = text.split()[0].lower()
        if command in {"/quit", "/exit", "/q"}:
            return None
        if command == "/help":
            return HELP
        if command == "/reset":
            self.state = ConversationState()
            return "(conversation reset)"
        if command == "/json":
            self.as_json = not self.as_json
            return f"(JSON output {'on' if self.as_json else 'off'})"
        if command == "/debug":
            return self.last_debug or "(no answer yet)"
        return f"unknown command {command}; /help lists them"

    def _describe_debug(self, turn: Turn) -> str:
        answer = turn.answer
        lines = [
            f"intent: {answer.intent}  confidence: {answer.confidence:.3f}  "
            f"fallback: {answer.fallback}"
        ]
        debug = turn.debug
        if debug is not None:
            lines.append("top candidates (score, coverage):")
            lines += [f"  {name}  {score:.3f}  {cov:.2f}" for name, score, cov in debug.candidates]
            lines.append("terms: " + (", ".join(debug.terms) or "(none)"))
            matched = debug.matched(self.engine.index)
            lines.append("matched by the best: " + (", ".join(matched) or "(none)"))
            lines.append("typo corrections: " + (", ".join(debug.corrections) or "(none)"))
        else:
            lines.append("matched by intent patterns or examples; closest intents:")
            lines += [
                f"  {n}  {s:.1f}"
                for n, s in self.engine.classifier.candidates(self.state.last_question or "")
            ]
        if self.state.document:
            lines.append(f"context: {self.state.document} {self.state.paragraph}")
        return "\n".join(lines)


def _lines(interactive: bool, stream: TextIO) -> Iterator[str]:
    if not interactive:
        yield from stream
        return
    while True:
        try:
            yield input("you> ")
        except EOFError:
            print()
            return


def _enable_history() -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - platforms without readline
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(HISTORY_FILE)
    readline.set_history_length(1000)


def _save_history() -> None:
    try:
        import readline

        readline.write_history_file(HISTORY_FILE)
    except (ImportError, OSError):
        pass
