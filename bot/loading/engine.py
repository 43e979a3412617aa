"""Everything loaded and validated -> an AnswerEngine, reusing and updating the engine saved
for the same files (bot.loading.snapshot)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.engine import AnswerEngine
from bot.core.intents import Intent
from bot.core.lexicon import Lexicon
from bot.core.models import Document
from bot.loading.documents import load_documents_and_aliases
from bot.loading.errors import LoadError
from bot.loading.intents import load_intents
from bot.loading.lexicon import load_lexicon, thesaurus_path
from bot.loading.progress import Progress

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    documents: list[Document] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    lexicon: Lexicon = field(default_factory=Lexicon)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_engine(
    knowledge_dir: Path,
    intents_dir: Path,
    *,
    cache_size: int = 0,
    snapshot: bool = True,
    progress: Progress | None = None,
) -> AnswerEngine:
    """Load and validate everything; raise LoadError listing every problem found. With
    `snapshot`, the engine saved under knowledge/.cache is reused for the files it was made
    from and updated for the others (see bot.loading.snapshot); `progress` shows a long
    build (default: on standard error when it is a terminal, and in the log)."""
    from bot.loading import snapshot as snapshots

    thesaurus = thesaurus_path(knowledge_dir)
    if thesaurus.parent != knowledge_dir:
        log.info("%s has no thesaurus.yaml: using the one shipped with resbot", knowledge_dir)
    if snapshot:
        progress = progress if progress is not None else Progress.on_terminal()
        engine, _ = snapshots.load_or_build(
            knowledge_dir, intents_dir, thesaurus, progress=progress
        )
    else:
        loaded = load_all(knowledge_dir, intents_dir)
        if loaded.problems:
            raise LoadError(loaded.problems)
        engine = AnswerEngine(
            loaded.documents, loaded.intents, loaded.lexicon, aliases=loaded.aliases
        )
    engine.set_cache_size(cache_size)
    return engine


def load_all(knowledge_dir: Path, intents_dir: Path) -> Loaded:
    loaded = Loaded()
    loaded.documents, loaded.aliases, problems = load_documents_and_aliases(knowledge_dir)
    loaded.problems += problems
    lexicon, problems = load_lexicon(thesaurus_path(knowledge_dir))
    loaded.lexicon = lexicon
    loaded.problems += problems
    loaded.intents, problems = load_intents(intents_dir)
    loaded.problems += problems
    return loaded
