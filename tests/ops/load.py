"""A small load generator for the operations tests: `concurrency` clients on one aiohttp
session (one connection each) send a fixed number of realistic requests and tally outcomes."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

QUESTIONS = (
    "What does operative paragraph {n} say?",
    "and the next paragraph?",
    "When was it adopted?",
    "What does the resolution say about climate change?",
    "Which paragraphs mention dialogue?",
    "hello",
    "what about the weather in Geneva?",
)


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    answered: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def request_for(i: int) -> tuple[str, str, dict[str, str] | None]:
    """(method, path, JSON body) of the i-th request: mostly questions, some REST, probes."""
    if i % 20 == 19:
        return "GET", "/healthz", None
    question = QUESTIONS[i % len(QUESTIONS)].format(n=i % 15 + 1)
    body = {"sender": f"user-{i % 500}", "message": question}
    return "POST", ("/webhooks/rest/webhook" if i % 10 == 3 else "/api/ask"), body


async def hammer(
    url: str, *, total: int, concurrency: int, stop: asyncio.Event | None = None
) -> Tally:
    """Send `total` requests (fewer once `stop` is set, or a client's connection fails)."""
    tally = Tally()
    numbers = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)

    async def client(session: aiohttp.ClientSession) -> None:
        while (i := next(numbers)) < total and not (stop and stop.is_set()):
            method, path, body = request_for(i)
            try:
                async with session.request(method, url + path, json=body) as response:
                    await response.read()
                    tally.statuses[response.status] += 1
                    tally.answered += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                tally.errors[type(error).__name__] += 1
                if stop is not None:
                    return

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return tally


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for {pid}")
