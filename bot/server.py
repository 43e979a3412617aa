"""`resbot serve`: load the engine, build the app, serve until SIGTERM or SIGINT, then stop
accepting, finish in-flight requests and background replies, and close the session store."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from bot.loaders import LoadError, load_engine
from bot.observability import configure_logging
from bot.service import ConversationService
from bot.sessions import MemorySessionStore

log = logging.getLogger("bot.server")

SHUTDOWN_TIMEOUT_SECONDS = 10.0


def serve_command(settings: Settings) -> int:
    """Exit status: 0 after a clean shutdown, 2 when knowledge, intents or settings are
    invalid, 1 when the address cannot be bound."""
    configure_logging(settings)
    if settings.sessions != "memory":
        print(f"resbot serve: unsupported RESBOT_SESSIONS {settings.sessions!r}", file=sys.stderr)
        return 2
    try:
        engine = load_engine(settings.knowledge_dir, settings.intents_dir)
    except LoadError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    store = MemorySessionStore(
        ttl_seconds=settings.session_ttl_seconds, max_sessions=settings.max_sessions
    )
    service = ConversationService(engine, store)
    try:
        asyncio.run(serve(settings, service))
    except OSError as error:
        print(
            f"resbot serve: cannot listen on {settings.host}:{settings.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 1
    return 0


async def serve(settings: Settings, service: ConversationService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(
        create_app(settings, service), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        for host, port in (address[:2] for address in runner.addresses):
            print(f"resbot serving on http://{host}:{port}", flush=True)
            log.info("listening", extra={"fields": {"host": host, "port": port}})
        await stop.wait()
        log.info("shutting down")
    finally:
        await runner.cleanup()
        await service.store.close()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
