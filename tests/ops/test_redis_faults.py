"""Conversations around Redis faults, on a real redis-server (append-only file, fsync always):
a turn answered while Redis was frozen or down is never followed by a continuation from the
older stored paragraph (the follow-up says the context is lost); a restart that kept the data
keeps the conversations, even on pooled connections that the restart broke; a Redis that lost
writes is noticed; one sender's simultaneous events never overwrite each other; the outage log
does not flap. Two services on two links stand for two `resbot serve` processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.models import Answer
from bot.server.conversation import ConversationService
from bot.server.sessions.redis import RedisLink, RedisSessionStore, StoreUnavailable
from tests.ops.processes import RedisServer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

OP3, OP12 = "What does operative paragraph 3 say?", "operative paragraph 12"
NEXT = "and the next paragraph?"


@pytest.fixture
async def services(
    redis_server: RedisServer, engine: Any
) -> AsyncIterator[tuple[ConversationService, ConversationService]]:
    links = [RedisLink(redis_server.url, timeout=0.3, retry_interval=0.05) for _ in range(2)]
    yield (
        ConversationService(engine, RedisSessionStore(links[0], ttl_seconds=600)),
        ConversationService(engine, RedisSessionStore(links[1], ttl_seconds=600)),
    )
    for link in links:
        await link.close()


def cited(answer: Answer) -> str:
    return answer.citations[0].paragraph if answer.citations else ""


def lost(answer: Answer) -> bool:
    return answer.fallback and not answer.citations and "lost track" in answer.text


async def test_a_turn_answered_while_redis_was_down_is_never_continued_from_older_context(
    services: tuple[ConversationService, ConversationService], redis_server: RedisServer
) -> None:
    a, _ = services
    assert cited(await a.ask("ann", OP3)) == "op3"
    redis_server.kill()
    assert cited(await a.ask("ann", OP12)) == "op12"  # answered; nothing records it
    redis_server.start()  # with its data: ann's session still says op3
    await asyncio.sleep(0.1)
    answer = await a.ask("ann", NEXT)
    assert cited(answer) != "op4"
    assert lost(answer)
    assert cited(await a.ask("ann", OP12)) == "op12"
    assert cited(await a.ask("ann", NEXT)) == "op13"


async def test_a_frozen_redis_and_its_late_writes_never_give_older_context_elsewhere(
    services: tuple[ConversationService, ConversationService], redis_server: RedisServer
) -> None:
    a, b = services
    assert cited(await a.ask("ann", OP3)) == "op3"
    assert cited(await b.ask("bob", OP3)) == "op3"
    redis_server.freeze()
    try:
        assert cited(await a.ask("ann", OP12)) == "op12"  # its write times out (and queues)
    finally:
        redis_server.thaw()
    await asyncio.sleep(0.1)
    assert cited(await a.ask("carl", OP3)) == "op3"  # a's first call after the outage
    answer = await b.ask("ann", NEXT)  # on the other process
    assert cited(answer) != "op4"
    assert lost(answer)


async def test_a_restart_that_kept_the_data_keeps_the_conversations(
    services: tuple[ConversationService, ConversationService], redis_server: RedisServer
) -> None:
    """Every pooled connection is broken by the restart; the first request on each is
    retried on a fresh connection instead of losing its context."""
    a, _ = services
    first = await asyncio.gather(*(a.ask(f"s{n}", OP3) for n in range(4)))  # four connections
    assert [cited(answer) for answer in first] == ["op3"] * 4
    redis_server.stop()
    redis_server.start()
    answers = await asyncio.gather(*(a.ask(f"s{n}", NEXT) for n in range(4)))
    assert [cited(answer) for answer in answers] == ["op4"] * 4


async def test_a_redis_that_lost_writes_loses_the_conversations_it_rolled_back(
    services: tuple[ConversationService, ConversationService], redis_server: RedisServer
) -> None:
    a, _ = services
    assert cited(await a.ask("ann", OP3)) == "op3"
    redis_server.stop()
    snapshot = redis_server.directory.parent / "snapshot"
    shutil.copytree(redis_server.directory, snapshot)
    redis_server.start()
    assert cited(await a.ask("ann", NEXT)) == "op4"
    redis_server.stop()
    redis_server.wipe()
    shutil.copytree(snapshot, redis_server.directory, dirs_exist_ok=True)
    redis_server.start()  # back to when ann's session said op3
    answer = await a.ask("ann", NEXT)
    assert cited(answer) != "op4"
    assert lost(answer)


async def test_one_senders_simultaneous_events_on_two_processes_both_count(
    services: tuple[ConversationService, ConversationService],
) -> None:
    a, b = services
    assert cited(await a.ask("ann", OP3)) == "op3"
    for _ in range(5):
        answers = await asyncio.gather(a.ask("ann", NEXT), b.ask("ann", NEXT))
        last = max(int(cited(answer)[2:]) for answer in answers)
        assert sorted(cited(answer) for answer in answers) == [f"op{last - 1}", f"op{last}"]
        assert cited(await a.ask("ann", OP3)) == "op3"


async def test_the_outage_log_does_not_flap(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.server.sessions.redis")
    now = [1000.0]
    link = RedisLink("redis://127.0.0.1:9/0", retry_interval=0.05, clock=lambda: now[0])

    def flaky(calls: list[int]) -> Callable[[Any], Awaitable[str]]:
        async def operation(client: Any) -> str:
            calls.append(1)
            if len(calls) % 2:
                raise RedisConnectionError("flap")
            return "ok"

        return operation

    calls: list[int] = []
    try:
        for _ in range(26):  # 13 outages and recoveries within one second
            now[0] += 0.05
            with contextlib.suppress(StoreUnavailable):
                await link.call(flaky(calls))
        messages = [record.getMessage() for record in caplog.records]
        assert sum("unavailable" in m for m in messages) == 1
        assert sum("available again" in m for m in messages) == 1
        now[0] += 61
        with pytest.raises(StoreUnavailable):
            await link.call(flaky(calls))
        assert "(12 more outage(s) since the last report)" in caplog.records[-1].getMessage()
    finally:
        await link.close()


class Proxy:
    """A TCP proxy to Redis on 127.0.0.1 that a test can cut: one process's partition."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.open = True
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self._writers += [writer, upstream_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    def cut(self) -> None:
        self.open = False
        for writer in self._writers:
            writer.close()
        self._writers = []

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@dataclass
class Partitioned:
    """Two services with leases, a reaching Redis through a proxy that can cut it off."""

    proxy: Proxy
    stores: list[RedisSessionStore]
    a: ConversationService
    b: ConversationService

    async def reconnect_a(self) -> None:
        """Open a's way back and wait until it has marked what it owes and renewed."""
        self.proxy.open = True
        deadline = time.monotonic() + 5
        while not await self.stores[0].renew():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def partitioned(redis_server: RedisServer, engine: Any) -> AsyncIterator[Partitioned]:
    proxy = Proxy(redis_server.port)
    links = [RedisLink(await proxy.start(), timeout=0.3, retry_interval=0.05)]
    links.append(RedisLink(redis_server.url, timeout=0.3, retry_interval=0.05))
    stores = [RedisSessionStore(link, ttl_seconds=600, lease_seconds=0.5) for link in links]
    a, b = (ConversationService(engine, store) for store in stores)
    try:
        for store in stores:
            await store.start()  # b's first renewal learns a
        yield Partitioned(proxy, stores, a, b)
    finally:
        for store in stores:
            await store.close()
        for link in links:
            await link.close()
        await proxy.close()


async def test_a_partitioned_process_lets_its_lease_run_out_before_answering_unrecorded(
    redis_server: RedisServer, engine: Any
) -> None:
    """Only process a loses Redis: b can still read ann's older session, so a waits until its
    lease has run out before it answers, and b trusts no session while it is out; once a is
    back, it marks ann's session stale before renewing its lease."""
    async with partitioned(redis_server, engine) as net:
        a, b = net.a, net.b
        for sender in ("ann", "bob", "carl"):
            assert cited(await b.ask(sender, OP3)) == "op3"
        net.proxy.cut()
        started = time.monotonic()
        assert cited(await a.ask("ann", OP12)) == "op12"  # unrecorded
        assert time.monotonic() - started > 0.3  # its lease ran out first
        answer = await b.ask("ann", NEXT)
        assert cited(answer) != "op4" and lost(answer)
        assert lost(await b.ask("carl", NEXT))  # nobody's context while a is out
        await net.reconnect_a()
        assert lost(await b.ask("ann", NEXT))
        assert cited(await b.ask("bob", NEXT)) == "op4"


async def test_an_empty_restart_forgets_no_partitioned_process(
    redis_server: RedisServer, engine: Any
) -> None:
    """Redis comes back empty while a is still cut off: the leases went with the data, so b
    must not trust the session it writes next, since a may answer that sender meanwhile
    without recording it (the chaos run's last wrong answer: op9 continued after op5 was
    shown)."""
    async with partitioned(redis_server, engine) as net:
        a, b = net.a, net.b
        assert cited(await b.ask("bob", OP3)) == "op3"
        net.proxy.cut()
        redis_server.stop()
        redis_server.wipe()
        redis_server.start()
        assert cited(await b.ask("ann", OP3)) == "op3"  # in the empty Redis
        assert cited(await a.ask("ann", OP12)) == "op12"  # unrecorded
        answer = await b.ask("ann", NEXT)
        assert cited(answer) != "op4" and lost(answer)
        await net.reconnect_a()  # marks ann stale, then renews
        assert lost(await b.ask("ann", NEXT))
        assert cited(await b.ask("ann", OP3)) == "op3"
        assert cited(await b.ask("ann", NEXT)) == "op4"  # trusted again


async def test_closing_never_waits_on_a_keeper_that_lost_its_cancellation(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renewal can swallow the cancellation (a Redis call timing out at the same moment):
    close() must still return, and the keeper must stop (a full make test once hung here)."""
    link = RedisLink(redis_server.url, timeout=0.3, retry_interval=0.05)
    store = RedisSessionStore(link, ttl_seconds=600, lease_seconds=0.2)
    renew = store.renew

    async def swallowing() -> bool:
        try:
            await asyncio.sleep(0.5)  # the keeper is nearly always inside a renewal
            return await renew()
        except asyncio.CancelledError:
            return False

    monkeypatch.setattr(store, "renew", swallowing)
    await store.start()
    keeper = asyncio.all_tasks() - {asyncio.current_task()}
    try:
        closing = asyncio.create_task(store.close())
        done, _ = await asyncio.wait([closing], timeout=2)
        assert closing in done, "close() is still waiting for the keeper"
        await asyncio.sleep(0.3)
        assert all(task.done() for task in keeper if task.get_name() == "redis-lease")
    finally:
        await link.close()
