"""Part 4: `resbot serve` under wrk, beside the bare aiohttp baseline (baseline.py) with the
same settings: requests/s, p50/p99 latency, errors; answer cache off and on; one worker and
one per core. Requests rotate through many bodies (distinct senders and questions), so no
single cached answer is measured. Beside them, the engine alone on the same bodies in the
same run (a fresh process replaying them in turn, each sender's state kept as the server
keeps it): the answers per second the server could give if HTTP cost nothing.

This machine's speed drifts (the engine alone gave 574 answers/s, then 434-455 half an hour
later), so one server's figure against one engine figure taken minutes apart says little: the
one-worker, cache-off server is measured in paired rounds, each the engine alone and the
server one right after the other (in turn first), then the ceiling, and judged by the median
of the rounds' shares.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from bot.bench.coldstart import resbot_script
from bot.bench.procs import free_port, process_tree, start_server, stop, wait_ready

BODIES = 1000
READY_SECONDS = 60.0
WARMUP_SECONDS = 2.0
WRK_THREADS = 2
ROUNDS = 5  # paired rounds of the engine alone, the ceiling and the server (cache off)
# wrk comes from one address with few senders: rate limits that never refuse, so the limiter's
# cost is measured but not its 429s (defaults: 300/min per client, 30/min per sender).
UNLIMITED = "1000000000"
SERVER_ENV = {
    "RESBOT_CLIENT_RATE": UNLIMITED,
    "RESBOT_CLIENT_BURST": UNLIMITED,
    "RESBOT_SENDER_RATE": UNLIMITED,
    "RESBOT_SENDER_BURST": UNLIMITED,
}
# RESBOT_ANSWER_CACHE is the cache's size in answers (0: off); more than the bodies' keys
CACHE_ON = "4096"
_RESULT = re.compile(r"^BENCH_JSON (\{.*\})$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class HttpResult:
    server: str  # "resbot" or "bare"
    workers: int
    cache: str  # "off", "on", or "-" for the baseline
    status: str = "ok"  # else why it was not measured ("not available: ...")
    processes: int = 0
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    non_2xx: int = 0  # wrk counts statuses >= 400
    socket_errors: int = 0
    spend_ms: float = 0.0  # bare only: CPU spent in each /api/ask, the engine's time per answer
    round: int = 0  # k >= 1: measured in the k-th paired round; 0: measured once

    @property
    def label(self) -> str:
        cache = f", cache {self.cache}" if self.cache != "-" else ""
        spend = f", {self.spend_ms:.2f} ms of CPU a request" if self.spend_ms else ""
        paired = f"round {self.round}: " if self.round else ""
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        return f"{paired}{self.server}, {workers}{cache}{spend}"


@dataclass(frozen=True, slots=True)
class Load:
    """wrk's load; `bodies` are sent once, in turn, before it (as the engine alone answers
    each once before it is timed): a question's first sight (the model's run, the caches'
    first fill) is not the steady state either figure measures."""

    duration: float
    connections: int
    script: Path
    bodies: tuple[str, ...] = ()


def request_bodies(questions: Sequence[str], count: int = BODIES) -> list[str]:
    """JSON bodies of /api/ask, each with its own sender, cycling through the questions."""
    return [
        json.dumps({"sender": f"bench-{n}", "message": questions[n % len(questions)]})
        for n in range(count)
    ]


def lua_script(bodies: Sequence[str]) -> str:
    """A wrk script that sends the bodies in turn (each thread from its own offset) and
    prints its figures as one JSON line."""
    quoted = ",\n".join(_lua_string(b) for b in bodies)
    return LUA_TEMPLATE.replace("__BODIES__", quoted)


def _lua_string(text: str) -> str:
    level = "="
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


LUA_TEMPLATE = """
local bodies = {
__BODIES__
}
local prepared = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  for i, body in ipairs(bodies) do
    prepared[i] = wrk.format("POST", "/api/ask", headers, body)
  end
  counter = tonumber(offset) or 0
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "status": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50.0), latency:percentile(99.0)))
end
"""


def run_http(
    knowledge: Path,
    intents: Path,
    questions: Sequence[str],
    *,
    duration: float,
    connections: int,
    many: int,
    rounds: int = ROUNDS,
) -> list[HttpResult]:
    """The paired rounds (engine alone, ceiling, resbot with one worker and the cache off),
    then each other configuration once: the engine alone with its cache, bare and resbot
    (cache off, on) at 1 and `many` workers."""
    plans = [
        (w, server, cache)
        for w in dict.fromkeys((1, many))
        for server, cache in PLANS
        if (w, server, cache) != PAIRED
    ]
    if shutil.which("wrk") is None:
        return [
            HttpResult(s, w, c, status="not available: wrk is not installed (make bench-deps)")
            for w, s, c in [PAIRED, *plans]
        ]
    with tempfile.TemporaryDirectory(prefix="resbot-bench-http-") as folder:
        script = Path(folder) / "bodies.lua"
        bodies = request_bodies(questions)
        script.write_text(lua_script(bodies), encoding="utf-8")
        load = Load(duration, connections, script, tuple(bodies))
        paired = [
            result
            for k in range(1, rounds + 1)
            for result in paired_round(k, knowledge, intents, questions, load, Path(folder))
        ]
        return [
            *paired,
            engine_alone(knowledge, intents, questions, duration, "on"),
            *(
                measure_server(
                    server_command(server, knowledge, intents, workers),
                    HttpResult(server, workers, cache),
                    env=server_env(cache),
                    load=load,
                    log_path=Path(folder) / f"{server}-{workers}-{cache}.log",
                )
                for workers, server, cache in plans
            ),
        ]


def server_env(cache: str) -> dict[str, str]:
    return {**SERVER_ENV, "RESBOT_ANSWER_CACHE": CACHE_ON if cache == "on" else "0"}


def paired_round(
    k: int, knowledge: Path, intents: Path, questions: Sequence[str], load: Load, folder: Path
) -> list[HttpResult]:
    """Round k: the engine alone and `resbot serve` (one worker, cache off) one right after
    the other, the engine first in odd rounds and second in even ones (a machine speeding up
    or slowing down through the rounds favours neither), then the ceiling at the engine's
    time per answer."""

    def alone() -> HttpResult:
        return replace(engine_alone(knowledge, intents, questions, load.duration, "off"), round=k)

    def server() -> HttpResult:
        return measure_server(
            server_command("resbot", knowledge, intents, 1),
            HttpResult("resbot", 1, "off", round=k),
            env=server_env("off"),
            load=load,
            log_path=folder / f"resbot-1-off-{k}.log",
        )

    if k % 2:
        engine, served = alone(), server()
    else:
        served = server()
        engine = alone()
    return [engine, *(replace(c, round=k) for c in ceiling(engine, load, folder)), served]


PLANS = (("bare", "-"), ("resbot", "off"), ("resbot", "on"))
PAIRED = (1, "resbot", "off")  # measured in the paired rounds


def ceiling(alone: HttpResult, load: Load, folder: Path) -> list[HttpResult]:
    """The bare baseline spending the engine's CPU time per answer in each request: the
    answers per second of aiohttp alone around an engine of that cost (an upper bound for
    `resbot serve` against the engine alone, whatever the bot adds)."""
    if alone.status != "ok" or not alone.rps:
        return []
    spend_ms = 1000.0 / alone.rps
    return [
        measure_server(
            server_command("bare", Path(), Path(), 1, spend_ms=spend_ms),
            HttpResult("bare", 1, "-", spend_ms=spend_ms),
            env={},
            load=load,
            log_path=folder / "bare-spending.log",
        )
    ]


def engine_alone(
    knowledge: Path, intents: Path, questions: Sequence[str], seconds: float, cache: str
) -> HttpResult:
    """The engine replaying the request bodies in a fresh process, without HTTP."""
    from bot.bench.procs import Limits, run_worker

    params = {
        "knowledge": str(knowledge),
        "intents": str(intents),
        "questions": list(questions),
        "seconds": seconds,
        "cache": int(CACHE_ON) if cache == "on" else 0,
    }
    run = run_worker("engine-alone", params, Limits(seconds + 120.0, 8 * 2**30))
    done = run.last("replayed")
    if done is None:
        return HttpResult("engine alone", 1, cache, status=f"failed: {run.stderr[-120:]}")
    return HttpResult(
        "engine alone",
        1,
        cache,
        processes=1,
        requests=int(done["answers"]),
        seconds=float(done["seconds"]),
        rps=int(done["answers"]) / float(done["seconds"]),
    )


def replay(params: Mapping[str, object], emit: Callable[..., None]) -> None:
    """In the worker: the bodies in turn, as the server would take them, for `seconds`
    after one unmeasured pass."""
    from bot.core.models import ConversationState
    from bot.loading.engine import load_engine

    engine = load_engine(
        Path(str(params["knowledge"])),
        Path(str(params["intents"])),
        cache_size=int(str(params["cache"])),
    )
    questions = params["questions"]
    assert isinstance(questions, list)
    bodies = [json.loads(b) for b in request_bodies([str(q) for q in questions])]
    states: dict[str, ConversationState] = {}

    def ask(body: dict[str, str]) -> None:
        sender = "web:" + body["sender"]
        turn = engine.reply(body["message"], states.get(sender) or ConversationState())
        states[sender] = turn.state

    for body in bodies:
        ask(body)
    answers, started = 0, time.perf_counter()
    deadline = started + float(str(params["seconds"]))
    while time.perf_counter() < deadline:
        ask(bodies[answers % len(bodies)])
        answers += 1
    emit("replayed", answers=answers, seconds=time.perf_counter() - started)


def server_command(
    server: str, knowledge: Path, intents: Path, workers: int, *, spend_ms: float = 0.0
) -> list[str]:
    """The command without its port (appended when started). `spend_ms`: the bare server's
    CPU time spent in each /api/ask (the ceiling's run)."""
    if server == "bare":
        spend = ["--spend-ms", f"{spend_ms:.3f}"] if spend_ms else []
        return [
            sys.executable,
            "-m",
            "bot.bench.baseline",
            "--workers",
            str(workers),
            *spend,
            "--port",
        ]
    command = [resbot_script(), "--knowledge", str(knowledge), "--intents", str(intents), "serve"]
    if workers > 1:
        command += ["--workers", str(workers)]
    return [*command, "--host", "127.0.0.1", "--port"]


def measure_server(
    command: Sequence[str],
    planned: HttpResult,
    *,
    env: Mapping[str, str],
    load: Load,
    log_path: Path,
) -> HttpResult:
    port = free_port()
    with log_path.open("w+", encoding="utf-8") as log:
        process = start_server([*command, str(port)], env, log)
        try:
            base = f"http://127.0.0.1:{port}"
            if not wait_ready(f"{base}/healthz", process, READY_SECONDS):
                return _unavailable(planned, "did not start", log)
            time.sleep(0.5)  # let every worker bind before counting them
            processes = len(process_tree(process.pid))
            if planned.workers > 1 and processes < planned.workers:
                why = f"--workers {planned.workers} gave {processes} process"
                return _unavailable(planned, why, log, processes=processes)
            send_once(port, load.bodies)
            wrk(base, load, min(WARMUP_SECONDS, load.duration))
            figures = wrk(base, load, load.duration)
        finally:
            stop(process)
    if figures is None:
        return _unavailable(planned, "wrk gave no figures", None, processes=processes)
    return _with_figures(planned, figures, processes)


def _unavailable(
    planned: HttpResult, why: str, log: IO[str] | None, *, processes: int = 0
) -> HttpResult:
    detail = ""
    if log is not None:
        log.flush()
        log.seek(0)
        lines = [line.strip() for line in log.read().splitlines() if line.strip()]
        detail = f" ({lines[-1][:100]})" if lines else ""
    return replace(planned, status=f"not available: {why}{detail}", processes=processes)


def send_once(port: int, bodies: Sequence[str]) -> None:
    """Each body to /api/ask once, in turn, on one kept-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=READY_SECONDS)
    try:
        for body in bodies:
            connection.request(
                "POST", "/api/ask", body.encode(), {"Content-Type": "application/json"}
            )
            connection.getresponse().read()
    finally:
        connection.close()


def wrk(base: str, load: Load, seconds: float) -> dict[str, int] | None:
    """Run wrk for `seconds`; the figures its script printed, or None."""
    command = [
        "wrk",
        f"-t{min(WRK_THREADS, load.connections)}",
        f"-c{load.connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(load.script),
        f"{base}/api/ask",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"}
    )
    found = _RESULT.search(done.stdout)
    if done.returncode != 0 or found is None:
        return None
    figures: dict[str, int] = json.loads(found.group(1))
    return figures


def _with_figures(planned: HttpResult, figures: Mapping[str, int], processes: int) -> HttpResult:
    seconds = figures["duration_us"] / 1e6
    return replace(
        planned,
        processes=processes,
        requests=figures["requests"],
        seconds=seconds,
        rps=figures["requests"] / seconds if seconds else 0.0,
        p50_ms=figures["p50_us"] / 1000.0,
        p99_ms=figures["p99_us"] / 1000.0,
        non_2xx=figures["status"],
        socket_errors=sum(figures[k] for k in ("connect", "read", "write", "timeout")),
    )
