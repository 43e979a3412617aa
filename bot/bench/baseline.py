"""The bare aiohttp baseline for the HTTP part: parses the same JSON request as /api/ask and
returns a fixed small reply, so the ratio shows what the bot adds on top of aiohttp.

`python -m bot.bench.baseline --port P [--workers N]`: N processes share the port
(SO_REUSEPORT), like `resbot serve --workers N`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence

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


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/api/ask", ask)
    app.router.add_get("/healthz", healthz)
    return app


def serve(host: str, port: int, *, reuse_port: bool) -> None:
    web.run_app(
        create_app(), host=host, port=port, reuse_port=reuse_port, access_log=None, print=None
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.baseline")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    shared = args.workers > 1
    children = []
    for _ in range(args.workers - 1):
        pid = os.fork()  # before any event loop exists
        if pid == 0:
            serve(args.host, args.port, reuse_port=True)
            os._exit(0)
        children.append(pid)
    try:
        serve(args.host, args.port, reuse_port=shared)
    finally:
        for pid in children:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
