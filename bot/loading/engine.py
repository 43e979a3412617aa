"""Everything loaded and validated -> an AnswerEngine, reusing and updating the engine saved
for the same files (bot.loading.snapshot)."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
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
from bot.loading.semantic_rows import SemanticRows
from bot.loading.snapshot import BuildReport
from bot.semantic_model import (
    MODEL,
    OnnxEncoder,
    SemanticUnavailable,
    semantic_enabled,
    shared_encoder,
)
from bot.semantic_model.standin import STAND_IN, StandInEncoder, stand_in_encoder

SentenceEncoder = OnnxEncoder | StandInEncoder

log = logging.getLogger(__name__)


def prepare_to_serve(engine: AnswerEngine) -> None:
    """What a long-running process does with its loaded engine before the first message:
    prepare it (AnswerEngine.prepare: patterns compiled, names indexed), and freeze the
    engine's objects, which live as long as the process, out of the garbage collector's full
    passes. Each request's garbage triggers collections, and the full ones walked every object
    of the engine (measured: 12-25% more answers a second)."""
    engine.prepare()
    gc.freeze()


def warm_semantic(engine: AnswerEngine) -> None:
    """What a server makes before its first questions need it, in this order: the model's
    session, then what a semantic search reads (the inverted file filled from the saved
    vectors, or their float32 copy). Making the session takes about 220 MiB for a moment
    (onnxruntime's graph optimisations), so it comes before the vector search's memory: made
    after it, by the first question that ran the model, it was the peak of serving 1,000
    resolutions (421 MiB, now 329 MiB; the same memory once both are made). What they made
    lives as long as the process: it is frozen out of the collector's full passes, as the
    engine is (prepare_to_serve; about 14,000 objects of onnxruntime's and faiss's modules,
    whose first full collection took 55 ms of one question at 1,000 resolutions)."""
    if not engine.semantic_on or engine.semantic is None:
        return
    if isinstance(engine.encoder, OnnxEncoder):
        with contextlib.suppress(SemanticUnavailable):  # logged; the first question says it
            engine.encoder.load()
    engine.semantic.prepare()
    gc.freeze()


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
    semantic: bool | None = None,
) -> AnswerEngine:
    """Load and validate everything; raise LoadError listing every problem found. With
    `snapshot`, the engine saved under knowledge/.cache is reused for the files it was made
    from and updated for the others (see bot.loading.snapshot); `progress` shows a long
    build (default: on standard error when it is a terminal, and in the log). `semantic`
    (default: RESBOT_SEMANTIC, on unless "off") adds semantic matching: clause and paragraph
    vectors are computed for each new document when the engine is built and saved with it
    (one saved engine per mode); the model is loaded only when a question first needs it."""
    thesaurus = thesaurus_path(knowledge_dir)
    if thesaurus.parent != knowledge_dir:
        log.info("%s has no thesaurus.yaml: using the one shipped with resbot", knowledge_dir)
    encoder = semantic_encoder(semantic_enabled() if semantic is None else semantic)
    if snapshot:
        engine, _ = load_saved(knowledge_dir, intents_dir, encoder, progress)
    else:
        loaded = load_all(knowledge_dir, intents_dir)
        if loaded.problems:
            raise LoadError(loaded.problems)
        engine = build_engine(loaded, encoder)
    engine.set_cache_size(cache_size)
    return engine


def load_saved(
    knowledge_dir: Path,
    intents_dir: Path,
    encoder: SentenceEncoder | None,
    progress: Progress | None = None,
) -> tuple[AnswerEngine, BuildReport]:
    """The saved engine of this mode, updated for what changed (bot.loading.snapshot), with
    semantic matching on when `encoder` is given and its model can run."""
    from bot.loading import snapshot as snapshots

    progress = progress if progress is not None else Progress.on_terminal()
    thesaurus = thesaurus_path(knowledge_dir)
    try:
        engine, report = snapshots.load_or_build(
            knowledge_dir,
            intents_dir,
            thesaurus,
            progress=progress,
            rows=SemanticRows(encoder) if encoder is not None else None,
            tag=saved_tag(encoder),
        )
    except SemanticUnavailable:  # the model cannot run (logged): answer lexically
        encoder = None
        engine, report = snapshots.load_or_build(
            knowledge_dir, intents_dir, thesaurus, progress=progress
        )
    engine.use_encoder(encoder)
    return engine, report


def saved_tag(encoder: SentenceEncoder | None) -> str:
    """The saved engine of each mode has its own folder (bot.loading.snapshot.engine_folder):
    switching RESBOT_SEMANTIC neither drops nor re-embeds the other's."""
    return "semantic" if encoder is not None else ""


def semantic_encoder(enabled: bool) -> SentenceEncoder | None:
    """The shipped model's encoder (not loaded yet), or None when semantic matching is off or
    its package is not installed (logged). RESBOT_SEMANTIC=bench-stand-in: the stand-in that
    `resbot bench` measures its largest corpora with (bot.semantic_model.standin)."""
    if not enabled:
        return None
    if os.environ.get("RESBOT_SEMANTIC", "").strip() == STAND_IN:
        return stand_in_encoder()
    encoder = shared_encoder(MODEL)
    try:
        MODEL.model_path()
    except SemanticUnavailable as error:
        log.warning("semantic matching off: %s", error)
        return None
    return encoder


def build_engine(loaded: Loaded, encoder: SentenceEncoder | None) -> AnswerEngine:
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
