"""resbot ask: one question for a person or as JSON; --jsonl for a stream of requests."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.core.engine import AnswerEngine
    from bot.core.models import ConversationState


def run_ask(args: argparse.Namespace) -> int:
    if not args.jsonl and not args.question:
        print(
            "resbot ask: give a question, or --jsonl to read requests from stdin", file=sys.stderr
        )
        return 2
    # The engine's modules and the engine itself live as long as this process: the cyclic
    # collector is off while they are imported and loaded, then they are frozen out of its
    # passes (a pass over a loaded engine of 10,000 resolutions took about 0.15 s, and the
    # one at exit again), as `resbot serve` freezes its engine.
    gc.disable()
    from bot.cli.common import engine_or_exit

    engine = engine_or_exit(args)
    gc.freeze()
    gc.enable()
    if engine is None:
        return 2
    if args.jsonl:
        return answer_stream(engine, sys.stdin, sys.stdout)
    answer = engine.reply(" ".join(args.question)).answer
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        from bot.render.plain import render_plain

        print(render_plain(answer))
    return 0


def answer_stream(engine: AnswerEngine, source: TextIO, sink: TextIO) -> int:
    """One Answer per request line, in order, flushed; conversations kept per sender."""
    states: dict[str, ConversationState] = {}
    status = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        request, error = parse_request(line)
        if error:
            status = 1
            sink.write(json.dumps({"error": f"line {number}: {error}"}) + "\n")
            sink.flush()
            continue
        sender, message = request
        turn = engine.reply(message, states.get(sender))
        states[sender] = turn.state
        sink.write(json.dumps(turn.answer.to_dict(), ensure_ascii=False) + "\n")
        sink.flush()
    return status


def parse_request(line: str) -> tuple[tuple[str, str], str]:
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as error:
        return ("", ""), f"not JSON ({error.msg})"
    if not isinstance(data, dict):
        return ("", ""), "expected a JSON object"
    message = data.get("message")
    sender = data.get("sender", "default")
    if not isinstance(message, str):
        return ("", ""), '"message" must be a string'
    if not isinstance(sender, str | int):
        return ("", ""), '"sender" must be a string'
    return (str(sender), message), ""
