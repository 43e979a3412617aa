"""A message as the engine routes it, and what a handler makes of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from bot.core.debug import Debug
from bot.core.dialogue import Scope
from bot.core.models import Answer, ConversationState


class Ask(NamedTuple):
    """One message as routed: its text (without a resolution's name when it picked one), the
    sender's state, and the resolution it is scoped to."""

    text: str
    state: ConversationState
    scope: Scope
    named: str = ""  # the words that named the resolution, taken out of `text`
    # The sender's conversation could not be recalled (the store lost or distrusted it): a
    # follow-up says so rather than that nothing was discussed yet.
    context_lost: bool = False
    # The message as written, before a resolution's name was taken out of it (a name may share
    # words with what is asked: "the Vienna Declaration on human rights").
    message: str = ""


@dataclass(frozen=True, slots=True)
class Composed:
    """A handler's result: the answer, how retrieval found it, and what it searched for."""

    answer: Answer
    debug: Debug | None = None
    topic: str = ""
