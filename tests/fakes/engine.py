"""A stand-in for AnswerEngine that answers what a test chose (long, hostile, failing)."""

from __future__ import annotations

from bot.core.models import Answer, ConversationState, Turn


class ScriptedEngine:
    documents = ()
    intent_names = ("scripted",)

    def __init__(self, answer: Answer | None = None, *, error: Exception | None = None) -> None:
        self.answer = answer or Answer(text="Scripted.", intent="scripted", confidence=1.0)
        self.error = error
        self.messages: list[str] = []

    def prepare(self) -> None:
        """Nothing to prepare: the answer is scripted."""

    def reply(self, message: str, state: ConversationState, *, context_lost: bool = False) -> Turn:
        self.messages.append(message)
        if self.error is not None:
            raise self.error
        return Turn(self.answer, state)
