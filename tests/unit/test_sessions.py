"""The in-memory session store: time to live, a size bound, versioned compare-and-set writes;
and the conversation service on top: one sender's turns one at a time, never a lost write."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.models import ConversationState
from bot.server.conversation import ConversationService, SenderLocks
from bot.server.sessions import MemorySessionStore, Stored, Written


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def save(store: MemorySessionStore, sender: str, state: ConversationState) -> None:
    current = await store.read(sender)
    assert current.version is not None
    assert await store.write(sender, state, version=current.version) is Written.DONE


async def test_sessions_expire_after_their_ttl():
    clock = Clock()
    store = MemorySessionStore(ttl_seconds=60, clock=clock)
    await save(store, "ann", ConversationState(document="A/RES/71/194", paragraph="op3"))
    clock.now += 59
    assert (await store.read("ann")).state.paragraph == "op3"
    clock.now += 61  # the read above renewed nothing: only writes set the expiry
    assert await store.read("ann") == Stored(None)


async def test_the_least_recently_used_session_goes_first():
    store = MemorySessionStore(max_sessions=2)
    for sender in ("a", "b"):
        await save(store, sender, ConversationState(paragraph=sender))
    await store.read("a")
    await save(store, "c", ConversationState(paragraph="c"))
    assert (await store.read("b")).state is None
    assert (await store.read("a")).state.paragraph == "a"
    assert store.status()["sessions"] == 2


async def test_delete_and_close():
    store = MemorySessionStore()
    await save(store, "a", ConversationState())
    await store.delete("a")
    assert (await store.read("a")).state is None
    await save(store, "b", ConversationState())
    await store.close()
    assert store.status()["sessions"] == 0


async def test_writes_are_compare_and_set_on_the_version():
    store = MemorySessionStore()
    assert await store.read("a") == Stored(None, version=0)
    assert await store.write("a", ConversationState(paragraph="op3"), version=0) is Written.DONE
    stale = ConversationState(paragraph="op9")
    assert await store.write("a", stale, version=0) is Written.CONFLICT
    assert await store.read("a") == Stored(ConversationState(paragraph="op3"), version=1)


async def test_two_messages_from_one_sender_at_once_both_count(engine):
    """Today's bug: both read op3, both answer op4, the last write wins. Now the second
    turn runs on the first one's state."""

    class SlowStore(MemorySessionStore):
        async def read(self, sender: str) -> Stored:
            stored = await super().read(sender)
            await asyncio.sleep(0.01)  # both turns in flight at once
            return stored

    service = ConversationService(engine, SlowStore())
    first = await service.ask("ann", "What does operative paragraph 3 say?")
    assert first.citations[0].paragraph == "op3"
    answers = await asyncio.gather(service.ask("ann", "next"), service.ask("ann", "next"))
    assert sorted(a.citations[0].paragraph for a in answers) == ["op4", "op5"]
    assert (await service.store.read("ann")).state.paragraph == "op5"
    assert len(service._locks) == 0


async def test_a_sender_lock_is_forgotten_when_its_waiter_is_cancelled():
    locks = SenderLocks()
    held = locks.hold("ann")
    await held.__aenter__()
    waiting = asyncio.create_task(locks.hold("ann").__aenter__())
    await asyncio.sleep(0)
    assert len(locks) == 1 and not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await held.__aexit__(None, None, None)
    assert len(locks) == 0
    async with locks.hold("ann"):  # free again
        assert len(locks) == 1
    assert len(locks) == 0


async def test_a_conflicting_write_from_elsewhere_is_answered_again_on_the_newer_state(engine):
    """Another process wrote between this turn's read and write: the turn is recomputed."""

    class Racing(MemorySessionStore):
        raced = True

        async def write(self, sender, state, *, version):
            if not self.raced:
                self.raced = True
                other = ConversationState(document="A/RES/71/194", paragraph="op9")
                assert await super().write(sender, other, version=version) is Written.DONE
            return await super().write(sender, state, version=version)

    store = Racing()
    service = ConversationService(engine, store)
    await save(store, "ann", ConversationState(document="A/RES/71/194", paragraph="op3"))
    store.raced = False
    answer = await service.ask("ann", "next")
    assert answer.citations[0].paragraph == "op10"


async def test_a_lost_conversation_is_said_to_be_lost(engine):
    class Lost(MemorySessionStore):
        async def read(self, sender: str) -> Stored:
            return Stored(None, version=None, lost=True)

    answer = await ConversationService(engine, Lost()).ask("ann", "and the next paragraph?")
    assert answer.fallback and not answer.citations
    assert "lost track of our conversation" in answer.text
    fresh = await ConversationService(engine, MemorySessionStore()).ask("bob", "next")
    assert "We have not looked at a paragraph yet" in fresh.text
