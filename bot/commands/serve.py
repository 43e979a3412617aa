"""resbot serve: the HTTP server (bot.server)."""

from __future__ import annotations

import argparse

from bot.config import Settings


def run_serve(args: argparse.Namespace) -> int:
    from bot.server import serve_command

    settings = Settings.from_env(
        knowledge_dir=args.knowledge,
        intents_dir=args.intents,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )
    return serve_command(settings)
