"""The bare aiohttp baseline for the HTTP part: parses the same JSON request as /api/ask and
returns a fixed small reply, so the ratio shows what the bot adds on top of aiohttp.

`python -m bot.bench.baseline --port P [--workers N] [--spend-ms T]`: N processes share the
port (SO_REUSEPORT), like `resbot serve --workers N`. With --spend-ms each /api/ask first
spends T ms of its thread's CPU time, a stand-in for the engine's work: the requests per
second of aiohttp alone around an engine of that cost, the most any server on it could give.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

REPLY = {
    "text": "A fixed reply.",
    "intent": "baseline",
    "confidence": 1.0,
    "fallback": False,
    "citations": [],
    "quotes": [],
    "suggestions": [],
}


Handler = Callable[[web.Request], Awaitable[web.Response]]


def spend_cpu(seconds: float) -> None:
    """Busy for `seconds` of this thread's CPU time (time off the CPU does not count)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def spending(handler: Handler, seconds: float) -> Handler:
    async def spend_then_handle(request: web.Request) -> web.Response:
        spend_cpu(seconds)
        return await handler(request)

    return spend_then_handle


async def ask(request: web.Request) -> web.Response:
    try:
        data = json.loads(await request.read())
    except ValueError:
        return web.json_response({"error": "the body is not JSON"}, status=400)
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return web.json_response({"error": '"message" must be a string'}, status=400)
    return web.json_response(REPLY)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(spend_seconds: float = 0.0) -> web.Application:
    app = web.Application()
    app.router.add_post("/api/ask", spending(ask, spend_seconds) if spend_seconds else ask)
    app.router.add_get("/healthz", healthz)
    return app


def serve(host: str, port: int, *, reuse_port: bool, spend_seconds: float = 0.0) -> None:
    web.run_app(
        create_app(spend_seconds),
        host=host,
        port=port,
        reuse_port=reuse_port,
        access_log=None,
        print=None,
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--spend-ms", type=float, default=0.0, help="CPU ms per /api/ask")
    args = parser.parse_args(argv)
    shared = args.workers > 1
    spend = args.spend_ms / 1000.0
    children = []
    for _ in range(args.workers - 1):
        pid = os.fork()  # before any event loop exists
        if pid == 0:
            serve(args.host, args.port, reuse_port=True, spend_seconds=spend)
            os._exit(0)
        children.append(pid)
    try:
        serve(args.host, args.port, reuse_port=shared, spend_seconds=spend)
    finally:
        for pid in children:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
