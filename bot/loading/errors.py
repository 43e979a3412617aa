"""The one error every loader raises: each problem names its file and line."""

from __future__ import annotations


class LoadError(Exception):
    """Raised when knowledge or intents are invalid; `.problems` holds 'file:line: message'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
