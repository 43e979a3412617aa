"""`resbot serve --workers N`: a supervisor forks N worker processes after loading (and
validating) the engine once. Each worker opens its own listening socket on the same port with
SO_REUSEPORT, so the kernel spreads connections across them. The supervisor forwards SIGTERM,
SIGINT and SIGHUP to the workers, restarts a worker that dies unexpectedly, and exits 0 once
every worker has shut down cleanly.

Sessions are per worker with RESBOT_SESSIONS=memory (a conversation whose messages land on two
workers loses its context); use Redis to share them."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import sys
import time
import traceback
from types import FrameType

from bot.core.engine import AnswerEngine
from bot.server.run import HANDLED_SIGNALS, Listening, run_worker
from bot.server.settings import Settings

log = logging.getLogger(__name__)

RESTART_DELAY_SECONDS = 1.0


def reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """A bound (not listening) SO_REUSEPORT socket: resolves port 0 to one port all workers
    share. It never accepts: the kernel only balances across listening sockets."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock, sock.getsockname()[1]


class Supervisor:
    def __init__(self, settings: Settings, engine: AnswerEngine) -> None:
        self._settings = settings
        self._engine = engine
        self._workers: set[int] = set()
        self._stopping = False
        self._failed = False
        self._ready_read: int | None = None

    def run(self) -> int:
        try:
            reservation, port = reserve_port(self._settings.host, self._settings.port)
        except OSError as error:
            print(
                f"resbot serve: cannot listen on {self._settings.host}:{self._settings.port}: "
                f"{error.strerror}",
                file=sys.stderr,
            )
            return 1
        self._settings = dataclasses.replace(self._settings, port=port)
        with reservation:
            for signum in HANDLED_SIGNALS:
                signal.signal(signum, self._forward)
            ready_read, ready_write = os.pipe()
            self._ready_read = ready_read
            for _ in range(self._settings.workers):
                self._spawn(ready_write, reservation)
            os.close(ready_write)
            ready = self._await_ready(ready_read)
            self._ready_read = None
            if ready:
                print(f"resbot serving on http://{self._settings.host}:{port}", flush=True)
                log.info(
                    "workers ready",
                    extra={"fields": {"workers": len(self._workers), "port": port}},
                )
            elif not self._stopping:
                self._failed = True
                self._stop_all(signal.SIGTERM)
            self._reap(reservation)
        return 1 if self._failed else 0

    def _spawn(self, ready_fd: int | None, reservation: socket.socket) -> None:
        """Fork a worker with the handled signals blocked: it unblocks them once its event
        loop handles them (bot/server/run.py), so none is lost or fatal in between."""
        sys.stdout.flush()
        sys.stderr.flush()
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED_SIGNALS)
        pid = os.fork()
        if pid == 0:
            self._become_worker(ready_fd, reservation)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        self._workers.add(pid)

    def _become_worker(self, ready_fd: int | None, reservation: socket.socket) -> None:
        code = 1
        try:
            reservation.close()
            if self._ready_read is not None:
                os.close(self._ready_read)
            for signum in HANDLED_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            listening = Listening(ready_fd=ready_fd, reuse_port=True, announce=False)
            code = run_worker(self._settings, self._engine, listening)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _await_ready(self, ready_read: int) -> bool:
        """True once every worker has said so; False when one died first."""
        count = 0
        with os.fdopen(ready_read, "rb", buffering=0) as pipe:
            while count < self._settings.workers:
                chunk = pipe.read(self._settings.workers - count)
                if not chunk:  # every write end closed: a worker exited before listening
                    return False
                count += len(chunk)
        return True

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if signum != signal.SIGHUP:
            self._stopping = True
        self._stop_all(signum)

    def _stop_all(self, signum: int) -> None:
        for pid in list(self._workers):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                self._workers.discard(pid)

    def _reap(self, reservation: socket.socket) -> None:
        while self._workers:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return
            self._workers.discard(pid)
            code = os.waitstatus_to_exitcode(status)
            if self._stopping or self._failed:
                if code != 0:
                    log.error("worker %d exited with status %d", pid, code)
                    self._failed = True
                continue
            log.error("worker %d died (status %d); starting another", pid, code)
            time.sleep(RESTART_DELAY_SECONDS)
            if not self._stopping:
                self._spawn(None, reservation)


def supervise(settings: Settings, engine: AnswerEngine) -> int:
    return Supervisor(settings, engine).run()
