"""Child processes of a run: measurement workers that report JSON lines, servers on free
ports. Each is started in its own session so that stopping it stops its workers too."""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.bench.measure import process_memory

Event = dict[str, Any]
STOP_SECONDS = 15.0


@dataclass
class WorkerRun:
    events: list[Event] = field(default_factory=list)
    returncode: int | None = None
    stopped: str = ""  # why the run was stopped early: "" when it ended by itself
    peak_rss: int = 0  # as seen from outside, sampled
    stderr: str = ""

    def last(self, name: str) -> Event | None:
        return next((e for e in reversed(self.events) if e.get("event") == name), None)


@dataclass(frozen=True, slots=True)
class Limits:
    seconds: float
    rss_bytes: int
    # events that reset the clock: a phase that finished gets a fresh allowance
    phases: Mapping[str, float] = field(default_factory=dict)


def as_installed(package: Path) -> None:
    """Start every child process as an installed program starts: the package's bytecode
    compiled once, and PYTHONDONTWRITEBYTECODE dropped (a shell that sets it would otherwise
    make each measured process compile every module again, about 80 ms of a cold start)."""
    compileall.compile_dir(package, quiet=1)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def run_worker(
    mode: str,
    params: Mapping[str, Any],
    limits: Limits,
    *,
    on_event: Callable[[Event], None] = lambda e: None,
) -> WorkerRun:
    """Run `python -m bot.bench.worker MODE PARAMS`, collecting its JSON-line events, and stop
    it when it runs longer or grows larger than `limits` allow."""
    command = [sys.executable, "-m", "bot.bench.worker", mode, json.dumps(params)]
    show = sys.stderr.isatty()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=None if show else errors,
            text=True,
            start_new_session=True,
        )
        run = _watch(process, limits, on_event)
        if not show:
            errors.seek(0)
            run.stderr = errors.read()[-4000:]
    return run


def _watch(
    process: subprocess.Popen[str], limits: Limits, on_event: Callable[[Event], None]
) -> WorkerRun:
    run = WorkerRun()
    lines: queue.Queue[str | None] = queue.Queue()
    if process.stdout is None:
        raise RuntimeError("the worker's standard output is not a pipe")
    reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    reader.start()
    deadline = time.monotonic() + limits.seconds
    while True:
        try:
            line = lines.get(timeout=0.25)
        except queue.Empty:
            line = ""
        if line is None:
            break
        if line.strip():
            event: Event = json.loads(line)
            run.events.append(event)
            on_event(event)
            extra = limits.phases.get(str(event.get("event")))
            if extra is not None:
                deadline = time.monotonic() + extra
        rss, _ = process_memory(process.pid)
        run.peak_rss = max(run.peak_rss, rss)
        if rss > limits.rss_bytes:
            run.stopped = f"stopped at {rss / 2**30:.1f} GB RSS"
        elif time.monotonic() > deadline:
            run.stopped = "stopped after its time limit"
        if run.stopped:
            stop(process)
            break
    reader.join(timeout=STOP_SECONDS)
    run.returncode = process.wait()
    process.stdout.close()
    return run


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process's own session (it and its workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)  # the group we created with start_new_session


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_ready(url: str, process: subprocess.Popen[Any], timeout: float) -> bool:
    """Poll `url` until it answers 200; False when the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def start_server(
    command: Sequence[str], env: Mapping[str, str], log: IO[str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(command),
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **env},
        start_new_session=True,
    )
