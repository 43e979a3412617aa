"""knowledge/thesaurus.yaml -> the Lexicon (synonyms, stop words, operative verbs...). A
knowledge folder without one uses the thesaurus shipped with resbot."""

from __future__ import annotations

from pathlib import Path

from bot.core.lexicon import Lexicon
from bot.loading.defaults import packaged_dir, source_dir
from bot.loading.yamlfiles import packaged_schema, read_yaml, schema_problems

THESAURUS_FILE = "thesaurus.yaml"


def thesaurus_path(knowledge_dir: Path) -> Path:
    """The folder's own thesaurus.yaml, else the one shipped with resbot."""
    own = knowledge_dir / THESAURUS_FILE
    if own.is_file():
        return own
    for folder in (packaged_dir("knowledge"), source_dir("knowledge")):
        shipped = folder / THESAURUS_FILE
        if shipped.is_file():
            return shipped
    return own  # the loader then reports it missing


def load_lexicon(path: Path) -> tuple[Lexicon, list[str]]:
    if not path.exists():
        return Lexicon(), [f"{path}: the thesaurus file is missing"]
    data, node, problems = read_yaml(path)
    if problems:
        return Lexicon(), problems
    problems = schema_problems(path, data, node, packaged_schema("thesaurus.schema.json"))
    if problems:
        return Lexicon(), problems
    return Lexicon(
        synonyms=tuple(tuple(group) for group in data.get("synonyms", [])),
        stopwords=frozenset(w.lower() for w in data.get("stopwords", [])),
        question_words=frozenset(w.lower() for w in data.get("question_words", [])),
        operative_verbs=tuple(data.get("operative_verbs", [])),
        source_cues=tuple(w.lower() for w in data.get("source_cues", [])),
        spelling=dict(data.get("spelling", {})),
        ignored_phrases=tuple(data.get("ignored_phrases", [])),
    ), []
