"""ReplyBatch: the replies asked for in one turn of the loop run together, in order, each
with its own engine, state and errors."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.models import ConversationState
from bot.server.batching import ReplyBatch
from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore


class Recording:
    """An engine that records when its replies run, around a real one."""

    def __init__(self, engine, ran: list[str]) -> None:
        self._engine = engine
        self._ran = ran

    def reply(self, message, state=None, *, context_lost=False):
        self._ran.append(message)
        if message == "boom":
            raise RuntimeError("the engine failed")
        return self._engine.reply(message, state, context_lost=context_lost)


@pytest.fixture
def ran() -> list[str]:
    return []


@pytest.fixture
def recording(engine, ran: list[str]) -> Recording:
    return Recording(engine, ran)


async def test_replies_asked_in_one_turn_run_together_after_it(recording, ran):
    batch = ReplyBatch()
    first = batch.reply(recording, "What does operative paragraph 3 say?", ConversationState())
    second = batch.reply(recording, "hello", ConversationState())
    assert ran == [] and len(batch) == 2  # nothing runs before this turn ends
    turns = await asyncio.gather(first, second)
    assert ran == ["What does operative paragraph 3 say?", "hello"]
    assert turns[0].answer.citations[0].paragraph == "op3"
    assert turns[0].state.paragraph == "op3"
    assert len(batch) == 0
    third = await batch.reply(recording, "next", turns[0].state)  # a new batch of one
    assert third.answer.citations[0].paragraph == "op4"


async def test_an_engine_error_reaches_its_caller_only(recording, ran):
    batch = ReplyBatch()
    failing = batch.reply(recording, "boom", ConversationState())
    fine = batch.reply(recording, "hello", ConversationState())
    with pytest.raises(RuntimeError, match="the engine failed"):
        await failing
    assert (await fine).answer.text  # the next reply in the batch still ran
    assert ran == ["boom", "hello"]


async def test_a_cancelled_reply_is_not_computed(recording, ran):
    batch = ReplyBatch()
    cancelled = batch.reply(recording, "hello", ConversationState())
    kept = batch.reply(recording, "What does operative paragraph 2 say?", ConversationState())
    cancelled.cancel()
    turn = await kept
    assert ran == ["What does operative paragraph 2 say?"]
    assert turn.answer.citations[0].paragraph == "op2"


async def test_concurrent_senders_are_answered_each_on_its_own_state(recording, ran):
    service = ConversationService(recording, MemorySessionStore())
    await service.ask("ann", "What does operative paragraph 3 say?")
    await service.ask("bob", "What does operative paragraph 7 say?")
    ran.clear()
    answers = await asyncio.gather(*(service.ask(s, "next") for s in ("ann", "bob", "cy")))
    assert ran == ["next"] * 3
    assert [a.citations[0].paragraph if a.citations else None for a in answers] == [
        "op4",
        "op8",
        None,  # cy has looked at no paragraph yet
    ]


async def test_an_interrupt_leaves_no_reply_waiting(recording, ran):
    class Interrupted:
        def reply(self, message, state=None, *, context_lost=False):
            raise KeyboardInterrupt

    batch = ReplyBatch()
    first = batch.reply(Interrupted(), "hello", ConversationState())
    second = batch.reply(recording, "hello", ConversationState())
    with pytest.raises(KeyboardInterrupt):
        batch._run()  # as the loop's callback would, the interrupt goes on up
    assert first.cancelled() and second.cancelled()
    assert ran == []  # the rest of the batch is not answered by a stopping process
