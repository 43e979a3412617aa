"""The answer cache keys on the parts of the conversation an answer read: a question that did
not read the conversation is answered once for every sender, one that did is not mixed up."""

from __future__ import annotations

import pytest

from bot.core.engine import AnswerEngine, WatchedState
from bot.core.models import ConversationState
from bot.loading.engine import load_engine

from .conftest import ROOT

QUESTIONS = (
    "What does the resolution say about climate change?",
    "hello",
    "When was it adopted?",
    "operative paragraph 3",
    "and the next one?",
    "What does it urge?",
)


@pytest.fixture(scope="module")
def engines() -> tuple[AnswerEngine, AnswerEngine]:
    cached = load_engine(ROOT / "knowledge", ROOT / "intents", cache_size=4096)
    plain = load_engine(ROOT / "knowledge", ROOT / "intents", cache_size=0)
    return cached, plain


def conversation(engine: AnswerEngine, opening: str) -> ConversationState:
    return engine.reply(opening, ConversationState()).state


def counted_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages the engine really answers from now on (not taken from the cache)."""
    answered: list[str] = []
    real = AnswerEngine._answer

    def counting(self: AnswerEngine, ask):  # the real method, counted
        answered.append(ask.text)
        return real(self, ask)

    monkeypatch.setattr(AnswerEngine, "_answer", counting)
    return answered


def test_a_watched_state_records_the_fields_read() -> None:
    watched = WatchedState.of(ConversationState(document="A/RES/71/194", paragraph="op3"))
    assert watched.fields_read() == ()
    assert watched.document == "A/RES/71/194"
    assert watched.fields_read() == ("document",)
    assert watched.paragraph == "op3"
    assert watched.fields_read() == ("document", "paragraph")


def test_cached_answers_are_those_of_an_engine_without_a_cache(engines) -> None:
    cached, plain = engines
    for opening in ("operative paragraph 8", "footnote 2", "hello", "What does it urge?"):
        for question in QUESTIONS:
            state = conversation(plain, opening)
            assert cached.reply(question, state).answer == plain.reply(question, state).answer


def test_a_question_is_answered_once_for_senders_whose_conversations_differ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cached = load_engine(ROOT / "knowledge", ROOT / "intents", cache_size=4096)
    answered = counted_answers(monkeypatch)
    ann = conversation(cached, "operative paragraph 8")
    bob = conversation(cached, "operative paragraph 2")
    assert ann.paragraph != bob.paragraph
    answered.clear()
    question = "When was the resolution adopted?"
    first = cached.reply(question, ann).answer
    second = cached.reply(question, bob).answer
    assert first == second and answered == [question]
    answered.clear()
    cached.reply("and the next one?", ann)
    cached.reply("and the next one?", bob)  # depends on the paragraph each is on
    assert answered == ["and the next one?", "and the next one?"]


def test_senders_in_different_states_asking_in_turn_share_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new sender's answer reads the resolution only; one on a paragraph also reads the
    paragraph. Asked in turn by senders of both kinds, each kind is answered once."""
    cached = load_engine(ROOT / "knowledge", ROOT / "intents", cache_size=4096)
    on_paragraph = conversation(cached, "operative paragraph 8")
    answered = counted_answers(monkeypatch)
    question = "What does the resolution say about climate change?"
    for _ in range(3):
        cached.reply(question, ConversationState())
        cached.reply(question, on_paragraph)
    assert answered == [question, question]
