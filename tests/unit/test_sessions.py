"""The in-memory session store: time to live and a size bound."""

from __future__ import annotations

from bot.core.models import ConversationState
from bot.server.sessions import MemorySessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_sessions_expire_after_their_ttl():
    clock = Clock()
    store = MemorySessionStore(ttl_seconds=60, clock=clock)
    await store.save("ann", ConversationState(document="A/RES/71/194", paragraph="op3"))
    clock.now += 59
    assert (await store.load("ann")).paragraph == "op3"
    clock.now += 61  # the load above renewed nothing: only saves set the expiry
    assert await store.load("ann") is None


async def test_the_least_recently_used_session_goes_first():
    store = MemorySessionStore(max_sessions=2)
    for sender in ("a", "b"):
        await store.save(sender, ConversationState(paragraph=sender))
    await store.load("a")
    await store.save("c", ConversationState(paragraph="c"))
    assert await store.load("b") is None
    assert (await store.load("a")).paragraph == "a"
    assert store.status()["sessions"] == 2


async def test_delete_and_close():
    store = MemorySessionStore()
    await store.save("a", ConversationState())
    await store.delete("a")
    assert await store.load("a") is None
    await store.save("b", ConversationState())
    await store.close()
    assert store.status()["sessions"] == 0
