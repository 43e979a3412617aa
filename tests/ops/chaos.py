"""`make chaos`: Redis faults under load, measured. A private redis-server (append-only file,
fsync always) on a free port of 127.0.0.1, two `resbot serve` processes sharing it, and 40
senders each holding a conversation (a paragraph, then follow-ups: next, previous, which was
that), every request to either process at random. Meanwhile Redis is frozen (SIGSTOP), killed
(SIGKILL) and restarted with its data, then stopped and restarted empty.

Every follow-up's answer is judged against the paragraph that sender was shown last:
- failed: not a 200 with an Answer (an error status, a reset connection, a timeout);
- wrong-context: cites another paragraph than the follow-up asked for (continued from an
  older paragraph, or another sender's);
- lost-context: no citation, saying the conversation was lost (allowed; reported).
Exit status 1 when any request failed or any answer was wrong.

    .venv/bin/python -m tests.ops.chaos [--senders 40] [--scale 1.0] [--max-requests 60000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.ops.processes import RedisServer, ServerProcess, redis_server_binary, start_server

FIRST, LAST = 2, 14  # anchors and walks stay where "next" and "previous" both exist
REQUEST_TIMEOUT = 15.0


@dataclass
class Tally:
    phase: str = "start"
    requests: int = 0
    followups: int = 0
    failed: int = 0
    wrong: int = 0
    lost: int = 0
    by_phase: dict[str, Counter[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.by_phase.setdefault(self.phase, Counter())[outcome] += 1


@dataclass
class Sender:
    name: str
    rng: random.Random
    shown: int | None = None  # the operative paragraph this sender saw last
    # the last turns, each with the process that answered it, for a wrong answer's report
    history: deque[str] = field(default_factory=lambda: deque(maxlen=8))

    def next_message(self) -> tuple[str, int | None]:
        """The message, and the paragraph a correct answer cites (None: not a follow-up)."""
        if self.shown is None:
            target = self.rng.randint(FIRST, LAST)
            return f"What does operative paragraph {target} say?", None
        roll = self.rng.random()
        if roll < 0.1:
            return "which paragraph was that?", self.shown
        if (roll < 0.3 or self.shown == LAST) and self.shown > FIRST:
            return "and the one before?", self.shown - 1
        return "and the next paragraph?", self.shown + 1


def primary(answer: dict[str, Any]) -> str:
    citations = answer.get("citations") or []
    return str(citations[0].get("paragraph", "")) if citations else ""


async def converse(
    sender: Sender,
    urls: list[str],
    session: aiohttp.ClientSession,
    tally: Tally,
    stop: asyncio.Event,
    max_requests: int,
) -> None:
    while not stop.is_set() and tally.requests < max_requests:
        message, expected = sender.next_message()
        url = sender.rng.choice(urls)
        tally.requests += 1
        if expected is not None:
            tally.followups += 1
        try:
            async with session.post(
                f"{url}/api/ask", json={"sender": sender.name, "message": message}
            ) as response:
                answer = await response.json() if response.status == 200 else None
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            answer, status = None, type(error).__name__
        cited = primary(answer) if answer is not None else ""
        outcome = cited or ("none" if answer is not None else f"failed ({status})")
        sender.history.append(
            f"{tally.phase} @{time.monotonic():.3f} {url[-5:]} {message!r} -> {outcome}"
        )
        if answer is None:
            tally.failed += 1
            tally.count("failed")
            if len(tally.examples) < 10:
                tally.examples.append(f"failed ({status}) in {tally.phase}: {message}")
            sender.shown = None
            continue
        shown = int(cited[2:]) if cited.startswith("op") and cited[2:].isdigit() else None
        if expected is None:
            tally.count("anchor")
        elif not cited:
            tally.lost += 1
            tally.count("lost")
        elif shown != expected:
            tally.wrong += 1
            tally.count("wrong")
            if len(tally.examples) < 10:
                tally.examples.append(
                    f"wrong in {tally.phase}: {sender.name} saw op{sender.shown}, asked "
                    f"{message!r}, got {cited}; its last turns:\n    "
                    + "\n    ".join(sender.history)
                )
        else:
            tally.count("ok")
        sender.shown = shown if shown is not None and FIRST <= shown <= LAST else None


async def phase(tally: Tally, name: str, seconds: float, action: Callable[[], None]) -> None:
    tally.phase = name
    action()
    await asyncio.sleep(seconds)


async def faults(redis: RedisServer, scale: float, tally: Tally) -> None:
    """The fault sequence; each step followed by normal traffic."""
    steps: list[tuple[str, float, Callable[[], None]]] = [
        ("warm-up", 4, lambda: None),
        ("frozen", 3, redis.freeze),
        ("after freeze", 5, redis.thaw),
        ("killed", 3, redis.kill),
        ("after restart", 5, redis.start),
        ("after empty restart", 5, lambda: (redis.stop(), redis.wipe(), redis.start())),
    ]
    for name, seconds, action in steps:
        await phase(tally, name, seconds * scale, action)


async def wait_healthy(session: aiohttp.ClientSession, urls: list[str], deadline: float) -> None:
    for url in urls:
        while time.monotonic() < deadline:
            async with session.get(f"{url}/healthz") as response:
                if (await response.json()).get("status") == "ok":
                    break
            await asyncio.sleep(0.2)


async def run(
    *, senders: int, scale: float, max_requests: int, seed: int, workdir: Path
) -> dict[str, Any]:
    redis = RedisServer(redis_server_binary(), workdir / "redis")
    redis.directory.mkdir(parents=True, exist_ok=True)
    redis.start()
    env = {
        "RESBOT_SESSIONS": redis.url,
        "RESBOT_REDIS_TIMEOUT": "0.3",
        "RESBOT_LOG_LEVEL": "WARNING",
    }
    servers: list[ServerProcess] = []
    started = time.monotonic()
    tally = Tally()
    try:
        servers = list(
            await asyncio.gather(
                *(start_server(workdir / f"serve-{n}.log", env=env) for n in range(2))
            )
        )
        urls = [server.url for server in servers]
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        connector = aiohttp.TCPConnector(limit=senders * 2)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            await wait_healthy(session, urls, time.monotonic() + 10)
            stop = asyncio.Event()
            rng = random.Random(seed)
            people = [Sender(f"chaos-{n}", random.Random(rng.random())) for n in range(senders)]
            talks = [
                asyncio.create_task(converse(p, urls, session, tally, stop, max_requests))
                for p in people
            ]
            try:
                await faults(redis, scale, tally)
            finally:
                stop.set()
                await asyncio.gather(*talks)
        codes = await asyncio.gather(*(server.stop() for server in servers))
    finally:
        for server in servers:
            await server.kill()
        redis.stop()
    logs = [server.log() for server in servers]
    return {
        "requests": tally.requests,
        "followups": tally.followups,
        "failed": tally.failed,
        "wrong_context": tally.wrong,
        "lost_context": tally.lost,
        "seconds": round(time.monotonic() - started, 1),
        "exit_codes": list(codes),
        "outage_log_lines": [log.count("Redis unavailable") for log in logs],
        "tracebacks": sum(log.count("Traceback") for log in logs),
        "by_phase": {name: dict(counts) for name, counts in tally.by_phase.items()},
        "examples": tally.examples,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"requests        {result['requests']} ({result['followups']} follow-ups) "
        f"in {result['seconds']} s, 2 processes",
        f"failed          {result['failed']}",
        f"wrong-context   {result['wrong_context']}",
        f"lost-context    {result['lost_context']}",
        f"outage log lines per process {result['outage_log_lines']}, "
        f"tracebacks {result['tracebacks']}, exit codes {result['exit_codes']}",
        "",
        f"{'phase':<22}{'anchor':>8}{'ok':>8}{'lost':>8}{'wrong':>8}{'failed':>8}",
    ]
    for name, counts in result["by_phase"].items():
        cells = "".join(f"{counts.get(k, 0):>8}" for k in ("anchor", "ok", "lost", "wrong"))
        lines.append(f"{name:<22}{cells}{counts.get('failed', 0):>8}")
    lines += result["examples"]
    return "\n".join(lines)


def main(argv: list[str] | None = None, runner: Callable[..., Awaitable[Any]] = run) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ops.chaos", description=__doc__)
    parser.add_argument("--senders", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every phase")
    parser.add_argument("--max-requests", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="resbot-chaos-") as directory:
        result = asyncio.run(
            runner(
                senders=args.senders,
                scale=args.scale,
                max_requests=args.max_requests,
                seed=args.seed,
                workdir=Path(directory),
            )
        )
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 1 if result["failed"] or result["wrong_context"] else 0


if __name__ == "__main__":
    sys.exit(main())
