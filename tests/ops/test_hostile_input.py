"""Any text at all gives a valid Answer whose quotes are verbatim: control characters,
right-to-left marks, emoji, 10,000-character strings, nothing but punctuation, and such noise
around real questions (so that answers with quotes are exercised too), alone or as a
follow-up to an earlier turn."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core.models import Answer, ConversationState
from bot.core.verify import quote_problems

QUESTIONS = [
    "What does operative paragraph 3 say?",
    "What does the resolution say about climate change?",
    "Which paragraphs mention dialogue?",
    "When was it adopted?",
    "footnote 1",
    "and the next paragraph?",
    "quote it in full",
]

control = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"])
right_to_left = st.characters(min_codepoint=0x0590, max_codepoint=0x08FF) | st.sampled_from(
    ["\u200f", "\u202e", "\u2067", "\u061c"]
)
emoji = st.characters(min_codepoint=0x1F1E6, max_codepoint=0x1FAFF) | st.sampled_from(
    ["\u200d", "\ufe0f"]
)
punctuation = st.text(st.characters(categories=["P", "S"]), min_size=1, max_size=200)
noise = st.text(control | right_to_left | emoji | st.characters(codec="utf-8"), max_size=60)


def repeated(piece: str) -> str:
    return (piece * (10_000 // max(1, len(piece)) + 1))[:10_000]


messages = st.one_of(
    st.text(max_size=300),
    st.text(control | right_to_left | emoji, min_size=1, max_size=200),
    punctuation,
    st.text(min_size=1, max_size=40).map(repeated),
    st.tuples(noise, st.sampled_from(QUESTIONS), noise).map("".join),
    st.tuples(st.sampled_from(QUESTIONS), st.sampled_from(["\u202e", "\x00", "🤖", "…"])).map(
        lambda parts: parts[1].join(parts[0].split(" "))
    ),
)


def check(answer: Answer, engine: Any) -> None:
    assert isinstance(answer, Answer) and isinstance(answer.text, str)
    assert 0.0 <= answer.confidence <= 1.0
    if answer.fallback:
        assert answer.citations == ()
    small_talk = {intent.name for intent in engine.intents if intent.action == "template"}
    if not answer.citations and answer.intent not in small_talk | {"clarify"}:
        assert answer.fallback  # an answer about the text that cites nothing is a fallback
    assert list(quote_problems(answer, engine.documents)) == []
    json.dumps(answer.to_dict(), ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=messages, second=messages)
@example(first="\u202eWhat does operative paragraph 3 say?\x00🤖", second="and the next one?\u200f")
@example(first="?!…—“”«»" * 40, second="x" * 10_000)
@example(first="climate change " * 700, second="\x00\x1b[2J\r\n\t")
def test_any_text_gives_a_valid_answer_with_verbatim_quotes(
    engine: Any, first: str, second: str
) -> None:
    turn = engine.reply(first, ConversationState())
    check(turn.answer, engine)
    follow_up = engine.reply(second, turn.state)
    check(follow_up.answer, engine)
    assert isinstance(ConversationState.from_dict(follow_up.state.to_dict()), ConversationState)
