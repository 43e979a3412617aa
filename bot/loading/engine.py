"""Everything loaded and validated -> an AnswerEngine, reusing a saved engine built from
exactly the same files (bot.loading.snapshot)."""

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

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    documents: list[Document] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    lexicon: Lexicon = field(default_factory=Lexicon)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_engine(
    knowledge_dir: Path, intents_dir: Path, *, cache_size: int = 0, snapshot: bool = True
) -> AnswerEngine:
    """Load and validate everything; raise LoadError listing every problem found. With
    `snapshot`, an engine saved for exactly these files is reused (see bot.loading.snapshot)."""
    from bot.loading import snapshot as snapshots

    thesaurus = thesaurus_path(knowledge_dir)
    if thesaurus.parent != knowledge_dir:
        log.info("%s has no thesaurus.yaml: using the one shipped with resbot", knowledge_dir)
    key = snapshots.fingerprint(knowledge_dir, intents_dir, thesaurus) if snapshot else ""
    engine = snapshots.read(knowledge_dir, key) if key else None
    if engine is None:
        loaded = load_all(knowledge_dir, intents_dir)
        if loaded.problems:
            raise LoadError(loaded.problems)
        engine = AnswerEngine(
            loaded.documents, loaded.intents, loaded.lexicon, aliases=loaded.aliases
        )
        if key:
            snapshots.write(knowledge_dir, key, engine)
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
