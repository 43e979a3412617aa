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
from bot.semantic_model import (
    MODEL,
    OnnxEncoder,
    SemanticUnavailable,
    semantic_enabled,
    shared_encoder,
)

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
    semantic: bool | None = None,
) -> AnswerEngine:
    """Load and validate everything; raise LoadError listing every problem found. With
    `snapshot`, an engine saved for exactly these files is reused (see bot.loading.snapshot).
    `semantic` (default: RESBOT_SEMANTIC, on unless "off") adds semantic matching: clause and
    paragraph vectors are computed when the engine is built and saved with it; the model is
    loaded only when a question first needs it."""
    from bot.loading import snapshot as snapshots

    thesaurus = thesaurus_path(knowledge_dir)
    if thesaurus.parent != knowledge_dir:
        log.info("%s has no thesaurus.yaml: using the one shipped with resbot", knowledge_dir)
    encoder = semantic_encoder(semantic_enabled() if semantic is None else semantic)
    key, tag = saved_engine_key(knowledge_dir, intents_dir, encoder) if snapshot else ("", "")
    engine = snapshots.read(knowledge_dir, key, tag) if key else None
    if engine is None:
        loaded = load_all(knowledge_dir, intents_dir)
        if loaded.problems:
            raise LoadError(loaded.problems)
        engine = build_engine(loaded, encoder)
        if key:
            snapshots.write(knowledge_dir, key, engine, tag)
    else:
        engine.use_encoder(encoder)
    engine.set_cache_size(cache_size)
    return engine


def saved_engine_key(
    knowledge_dir: Path, intents_dir: Path, encoder: OnnxEncoder | None
) -> tuple[str, str]:
    """The key and tag of the engine saved for these folders in this mode (the model whose
    vectors it carries, or lexical)."""
    from bot.loading import snapshot as snapshots

    mode = encoder.spec.fingerprint if encoder is not None else "lexical"
    thesaurus = thesaurus_path(knowledge_dir)
    key = snapshots.fingerprint(knowledge_dir, intents_dir, thesaurus, mode=mode)
    return key, "semantic-" if encoder is not None else "lexical-"


def semantic_encoder(enabled: bool) -> OnnxEncoder | None:
    """The shipped model's encoder (not loaded yet), or None when semantic matching is off or
    its package is not installed (logged)."""
    if not enabled:
        return None
    encoder = shared_encoder(MODEL)
    try:
        MODEL.model_path()
    except SemanticUnavailable as error:
        log.warning("semantic matching off: %s", error)
        return None
    return encoder


def build_engine(loaded: Loaded, encoder: OnnxEncoder | None) -> AnswerEngine:
    """The engine, with clause and paragraph vectors when an encoder is given (lexical alone
    when its model cannot run: the reason is logged)."""
    documents, intents, lexicon = loaded.documents, loaded.intents, loaded.lexicon
    try:
        return AnswerEngine(documents, intents, lexicon, aliases=loaded.aliases, encoder=encoder)
    except SemanticUnavailable:
        return AnswerEngine(documents, intents, lexicon, aliases=loaded.aliases)


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
