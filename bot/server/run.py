"""`resbot serve`: load the engine, build the app, serve until SIGTERM or SIGINT, then stop
accepting, finish in-flight requests and background replies, and close the shared state.
SIGHUP reloads knowledge and intents. With `--workers N` a supervisor (bot/server/workers.py)
forks N such processes listening on the same port."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass

from aiohttp import web

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine, prepare_to_serve, warm_semantic
from bot.loading.errors import LoadError
from bot.server import keys as appkeys
from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.logs import configure_logging
from bot.server.settings import Settings, SettingsError
from bot.server.shared_state import check_sessions_setting, open_shared_state

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
LINGER_SECONDS = 2.0
HANDLED_SIGNALS = frozenset({*STOP_SIGNALS, signal.SIGHUP})


@dataclass(frozen=True, slots=True)
class Listening:
    """How a worker tells its supervisor it is ready: a byte on this descriptor."""

    ready_fd: int | None = None
    reuse_port: bool = False
    announce: bool = True


def serve_command(settings: Settings) -> int:
    """Exit status: 0 after a clean shutdown, 2 when knowledge, intents or settings are
    invalid, 1 when the address cannot be bound."""
    configure_logging(settings)
    try:
        check_sessions_setting(settings.sessions)
        if settings.workers < 1:
            raise SettingsError(f"--workers must be at least 1, not {settings.workers}")
    except SettingsError as error:
        print(f"resbot serve: {error}", file=sys.stderr)
        return 2
    try:
        engine = load_engine(
            settings.knowledge_dir, settings.intents_dir, cache_size=settings.answer_cache
        )
    except LoadError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 2
    prepare_to_serve(engine)  # before workers fork: they inherit it
    if settings.workers > 1:
        from bot.server.workers import supervise

        return supervise(settings, engine)
    return run_worker(settings, engine, Listening())


def warm_vectors(engine: AnswerEngine) -> threading.Thread | None:
    """Make the model's session and what a semantic search reads in the background
    (bot.loading.engine.warm_semantic), so the first question that needs them does not wait.
    The caller joins the thread before the process exits: a session still being made at
    exit aborts the process."""
    if not engine.semantic_on or engine.semantic is None:
        return None
    thread = threading.Thread(target=warm_semantic, args=(engine,), name="warm-vectors")
    thread.start()
    return thread


def run_worker(settings: Settings, engine: AnswerEngine, listening: Listening) -> int:
    warming = warm_vectors(engine)
    try:
        asyncio.run(serve(settings, engine, listening))
    except OSError as error:
        print(
            f"resbot serve: cannot listen on {settings.host}:{settings.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 1
    finally:
        if warming is not None:
            warming.join()
    return 0


def make_runner(app: web.Application, settings: Settings) -> web.AppRunner:
    """The keep-alive timeout also bounds how long a connection may take to send its first
    request's headers (aiohttp arms it on connect); after an early answer (408, 413) the rest
    of a body is read for LINGER_SECONDS at most: slow clients cannot hold sockets."""
    return web.AppRunner(
        app,
        access_log=None,
        shutdown_timeout=settings.shutdown_timeout_seconds,
        keepalive_timeout=settings.keepalive_timeout_seconds,
        lingering_time=LINGER_SECONDS,
    )


async def drain(runner: web.AppRunner, app: web.Application, timeout: float) -> None:
    """Stop listening, then let the requests in flight finish (their bodies included) before
    runner.cleanup() closes every connection (and drops what they still send)."""
    for site in list(runner.sites):
        await site.stop()
    in_flight = app[appkeys.IN_FLIGHT]
    if not await in_flight.drain(timeout):
        log.warning("%d request(s) still in flight after %gs", len(in_flight), timeout)


async def serve(settings: Settings, engine: AnswerEngine, listening: Listening) -> None:
    shared = open_shared_state(settings)
    service = ConversationService(engine, shared.sessions)
    app = create_app(settings, service, shared=shared)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    tasks = app[appkeys.TASKS]
    reloader = app[appkeys.RELOADER]
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(
        signal.SIGHUP, lambda: tasks.spawn(reloader.reload_logged(), name="reload-sighup")
    )
    # A supervisor blocks these signals before forking; they are handled from here on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED_SIGNALS)
    runner = make_runner(app, settings)
    await runner.setup()
    try:
        site = web.TCPSite(
            runner, settings.host, settings.port, reuse_port=listening.reuse_port or None
        )
        await site.start()
        for host, port in (address[:2] for address in runner.addresses):
            if listening.announce:
                print(f"resbot serving on http://{host}:{port}", flush=True)
            log.info("listening", extra={"fields": {"host": host, "port": port}})
        if listening.ready_fd is not None:
            os.write(listening.ready_fd, b"1")
            os.close(listening.ready_fd)
        await stop.wait()
        log.info("shutting down")
        await drain(runner, app, settings.shutdown_timeout_seconds)
    finally:
        await runner.cleanup()
        for signum in HANDLED_SIGNALS:
            loop.remove_signal_handler(signum)
            # A repeated stop signal (a process group's and a supervisor's) must not kill
            # the process while it exits cleanly.
            signal.signal(signum, signal.SIG_IGN)
