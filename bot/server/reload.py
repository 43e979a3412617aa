"""Reloading knowledge and intents while serving: load and validate in a worker thread, then
swap the engine in one assignment. Requests in flight finish on the engine they started with;
invalid files leave the old engine serving and raise LoadError naming file and line."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine
from bot.loading.errors import LoadError
from bot.server.conversation import ConversationService

log = logging.getLogger(__name__)

EngineLoader = Callable[[Path, Path], AnswerEngine]


@dataclass(frozen=True, slots=True)
class ReloadReport:
    documents: int
    intents: int
    seconds: float


class Reloader:
    def __init__(
        self,
        service: ConversationService,
        knowledge_dir: Path,
        intents_dir: Path,
        *,
        loader: EngineLoader = load_engine,
    ) -> None:
        self._service = service
        self._knowledge_dir = knowledge_dir
        self._intents_dir = intents_dir
        self._loader = loader
        self._lock = asyncio.Lock()

    async def reload(self) -> ReloadReport:
        """Raises LoadError (the old engine keeps serving). One reload at a time."""
        async with self._lock:
            started = time.perf_counter()
            loop = asyncio.get_running_loop()
            engine = await loop.run_in_executor(
                None, self._loader, self._knowledge_dir, self._intents_dir
            )
            await loop.run_in_executor(None, engine.prepare)  # as at start (prepare_to_serve)
            self._service.swap_engine(engine)
            # Objects frozen at start (prepare_to_serve) are never collected as cycles: let the
            # collector see them again, so that the replaced engine can be freed.
            gc.unfreeze()
            report = ReloadReport(
                documents=len(engine.documents),
                intents=len(engine.intent_names),
                seconds=time.perf_counter() - started,
            )
        log.info(
            "reloaded knowledge and intents",
            extra={"fields": {"documents": report.documents, "intents": report.intents}},
        )
        return report

    async def reload_logged(self) -> None:
        """For SIGHUP: nobody to answer, so the outcome goes to the log."""
        try:
            await self.reload()
        except LoadError as error:
            log.error(
                "reload refused, still serving the previous knowledge and intents: %s",
                "; ".join(error.problems),
            )
