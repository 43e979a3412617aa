"""Real processes for the operations tests: `resbot serve` (one or several workers) and
`redis-server`, each on a free port of 127.0.0.1, logs to a file (a full pipe would stall)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
INTENTS = ROOT / "intents"

# Limits off: the tests that want them set them.
UNLIMITED = {"RESBOT_SENDER_RATE": "0", "RESBOT_CLIENT_RATE": "0", "RESBOT_AUTH_FAILURE_RATE": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESBOT_")}
    env.update(extra)
    return env


@dataclass
class ServerProcess:
    """`python -m bot serve` on 127.0.0.1; `url` once it says it is serving."""

    process: asyncio.subprocess.Process
    log_path: Path
    url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    async def stop(self, signum: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signum)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        finally:
            await self.kill()

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def start_server(
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    knowledge: Path = KNOWLEDGE,
    intents: Path = INTENTS,
    port: int = 0,
    cwd: Path = ROOT,
) -> ServerProcess:
    command = [
        sys.executable, "-m", "bot", "--knowledge", str(knowledge), "--intents", str(intents),
        "serve", "--host", "127.0.0.1", "--port", str(port), *args,
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            env=clean_env({**UNLIMITED, **(env or {})}),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    server = ServerProcess(process, log_path)
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
    except TimeoutError:
        await server.kill()
        raise
    if not line.startswith("resbot serving on "):
        await server.kill()
        pytest.fail(f"resbot serve did not start: {line!r}\n{server.log()[-3000:]}")
    server.url = line.split(" on ", 1)[1].strip()
    return server


def redis_server_binary() -> str:
    """redis-server, installed by .ci/system-deps when missing. In CI a missing one fails."""
    found = shutil.which("redis-server")
    if found is None:
        subprocess.run(["bash", str(ROOT / ".ci" / "system-deps")], check=False, timeout=900)
        found = shutil.which("redis-server")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing and `bash .ci/system-deps` could not install it")
        pytest.skip("redis-server is not installed and `bash .ci/system-deps` could not install it")
    return found


class RedisServer:
    """A private redis-server; its data survive stop() and start() (append-only file)."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--appendonly", "yes",
            "--appendfsync", "always", "--protected-mode", "no",
        ]  # fmt: skip
        log = (self.directory / "redis.log").open("ab")
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)
        self._process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown save; what the append-only file holds survives."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)
        self._process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers (commands queue up)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def wipe(self) -> None:
        """Delete the data (while stopped): the next start is empty."""
        assert self._process is None
        for path in self.directory.iterdir():
            if path.name != "redis.log":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
