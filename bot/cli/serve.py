"""resbot serve: the HTTP server (bot.server.run)."""

from __future__ import annotations

import argparse
import sys

from bot.server.settings import Settings, SettingsError


def run_serve(args: argparse.Namespace) -> int:
    from bot.server.run import serve_command

    try:
        settings = Settings.from_env(
            knowledge_dir=args.knowledge,
            intents_dir=args.intents,
            host=args.host,
            port=args.port,
            workers=args.workers,
        )
    except SettingsError as error:
        print(f"resbot serve: {error}", file=sys.stderr)
        return 2
    return serve_command(settings)
