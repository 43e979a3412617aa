"""One conversation with the engine, turn by turn (one sender's state carried along)."""

from __future__ import annotations

from typing import Any

from bot.core.models import Answer, ConversationState


def talk(engine: Any, *messages: str) -> tuple[list[Answer], ConversationState]:
    state = ConversationState()
    answers = []
    for message in messages:
        turn = engine.reply(message, state)
        state = turn.state
        answers.append(turn.answer)
    return answers, state
