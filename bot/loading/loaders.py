"""The only file reader: knowledge/ (resolutions and the lexicon) and intents/ -> validated
models. Every problem names its file and line; one bad document does not stop the others."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.core.answers.facts import META_FIELDS, template_fields
from bot.core.engine import AnswerEngine
from bot.core.intents import Intent, expand_macros
from bot.core.lexicon import Lexicon
from bot.core.models import Document
from bot.core.parse import DocumentError, parse_document
from bot.loading.patterns import pattern_problems

THESAURUS_FILE = "thesaurus.yaml"
DOCUMENT_SUFFIXES = {".txt", ".pdf"}
TEMPLATE_EXTRA_FIELDS = {"documents"}
# libyaml's safe loader when PyYAML was built with it (same results, several times faster).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LoadError(Exception):
    """Raised when knowledge or intents are invalid; `.problems` holds 'file:line: message'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Loaded:
    documents: list[Document] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    lexicon: Lexicon = field(default_factory=Lexicon)
    problems: list[str] = field(default_factory=list)


def load_engine(
    knowledge_dir: Path, intents_dir: Path, *, cache_size: int = 0, snapshot: bool = True
) -> AnswerEngine:
    """Load and validate everything; raise LoadError listing every problem found. With
    `snapshot`, an engine saved for exactly these files is reused (see bot.loading.snapshot)."""
    from bot.loading import snapshot as snapshots

    key = snapshots.fingerprint(knowledge_dir, intents_dir) if snapshot else ""
    engine = snapshots.read(knowledge_dir, key) if key else None
    if engine is None:
        loaded = load_all(knowledge_dir, intents_dir)
        if loaded.problems:
            raise LoadError(loaded.problems)
        engine = AnswerEngine(loaded.documents, loaded.intents, loaded.lexicon)
        if key:
            snapshots.write(knowledge_dir, key, engine)
    engine.set_cache_size(cache_size)
    return engine


def load_all(knowledge_dir: Path, intents_dir: Path) -> Loaded:
    loaded = Loaded()
    loaded.documents, problems = load_documents(knowledge_dir)
    loaded.problems += problems
    lexicon, problems = load_lexicon(knowledge_dir / THESAURUS_FILE)
    loaded.lexicon = lexicon
    loaded.problems += problems
    loaded.intents, problems = load_intents(intents_dir)
    loaded.problems += problems
    return loaded


# -- documents ---------------------------------------------------------------------------
def document_files(knowledge_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in knowledge_dir.iterdir()
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and not p.name.startswith(".")
    )


def load_documents(knowledge_dir: Path) -> tuple[list[Document], list[str]]:
    """Parse every resolution in the folder; a malformed one is reported, the rest load."""
    if not knowledge_dir.is_dir():
        return [], [f"{knowledge_dir}: the knowledge folder does not exist"]
    documents: list[Document] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    files = document_files(knowledge_dir)
    if not files:
        problems.append(f"{knowledge_dir}: no resolution files (*.txt, *.pdf) found")
    for path in files:
        try:
            text = read_document_text(path, knowledge_dir)
            document = parse_document(text, str(path))
        except DocumentError as error:
            problems.append(str(error))
            continue
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problems.append(f"{path}:1: {error}")
            continue
        if document.symbol in seen:
            problems.append(f"{path}:1: {document.symbol} is also in {seen[document.symbol]}")
            continue
        seen[document.symbol] = path
        documents.append(document)
    return documents, problems


def read_document_text(path: Path, knowledge_dir: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from bot.pdfimport import load_pdf_cached  # only when a PDF is there

        text: str = load_pdf_cached(path, knowledge_dir / ".cache")
        return text
    return path.read_text(encoding="utf-8")


# -- YAML with line numbers ----------------------------------------------------------------
def read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[str]]:
    """Parsed data, the node tree (for line numbers) and syntax problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [f"{path}:1: cannot read: {error}"]
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 1
        return None, None, [f"{path}:{line}: invalid YAML: {error.problem}"]
    except yaml.YAMLError as error:
        return None, None, [f"{path}:1: invalid YAML: {error}"]
    finally:
        loader.dispose()
    return data, node, []


def line_of(node: yaml.Node | None, path: list[str | int]) -> int:
    """The 1-based line of the value at `path` in a composed YAML tree."""
    current = node
    line = current.start_mark.line + 1 if current is not None else 1
    for key in path:
        if isinstance(current, yaml.MappingNode):
            found = None
            for key_node, value_node in current.value:
                if key_node.value == key:
                    found = value_node
                    line = key_node.start_mark.line + 1
                    break
            current = found
        elif isinstance(current, yaml.SequenceNode) and isinstance(key, int):
            current = current.value[key] if key < len(current.value) else None
            if current is not None:
                line = current.start_mark.line + 1
        else:
            break
        if current is None:
            break
    return line


def schema_problems(
    path: Path, data: Any, node: yaml.Node | None, schema: dict[str, Any]
) -> list[str]:
    from jsonschema import Draft202012Validator  # only when files are validated

    problems = []
    validator = Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = list(error.absolute_path)
        key = ".".join(str(p) for p in where) or "(top)"
        problems.append(f"{path}:{line_of(node, where)}: {key}: {error.message}")
    return problems


def packaged_schema(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath("data", name).read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


# -- lexicon --------------------------------------------------------------------------------
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


# -- intents --------------------------------------------------------------------------------
def intent_files(intents_dir: Path) -> list[Path]:
    return sorted([*intents_dir.glob("*.yaml"), *intents_dir.glob("*.yml")])


def load_intents(intents_dir: Path) -> tuple[list[Intent], list[str]]:
    if not intents_dir.is_dir():
        return [], [f"{intents_dir}: the intents folder does not exist"]
    files = intent_files(intents_dir)
    if not files:
        return [], [f"{intents_dir}: no intent files (*.yaml) found"]
    schema = packaged_schema("intents.schema.json")
    intents: list[Intent] = []
    problems: list[str] = []
    names: dict[str, str] = {}
    for path in files:
        data, node, syntax = read_yaml(path)
        if syntax:
            problems += syntax
            continue
        found = schema_problems(path, data, node, schema)
        if found:
            problems += found
            continue
        for position, item in enumerate(data.get("intents", [])):
            where: list[str | int] = ["intents", position]
            intent, item_problems = build_intent(path, item, node, where)
            problems += item_problems
            if intent is None:
                continue
            if intent.name in names:
                line = line_of(node, [*where, "name"])
                problems.append(
                    f"{path}:{line}: name: duplicate intent name {intent.name!r} "
                    f"(also in {names[intent.name]})"
                )
                continue
            names[intent.name] = f"{path}:{line_of(node, [*where, 'name'])}"
            intents.append(intent)
    return intents, problems


def build_intent(
    path: Path, item: dict[str, Any], node: yaml.Node | None, where: list[str | int]
) -> tuple[Intent | None, list[str]]:
    problems: list[str] = []
    patterns = []
    for number, pattern in enumerate(item.get("patterns", [])):
        line = line_of(node, [*where, "patterns", number])
        try:
            patterns.append(re.compile(expand_macros(pattern), re.IGNORECASE))
        except re.error as error:
            problems.append(f"{path}:{line}: patterns.{number}: bad regular expression: {error}")
            continue
        for problem in pattern_problems(expand_macros(pattern)):
            problems.append(f"{path}:{line}: patterns.{number}: {problem}")
    for number, response in enumerate(item.get("responses", [])):
        for name in template_fields(response):
            if name not in META_FIELDS and name not in TEMPLATE_EXTRA_FIELDS:
                line = line_of(node, [*where, "responses", number])
                problems.append(f"{path}:{line}: responses.{number}: unknown field {{{name}}}")
    if item.get("action") == "metadata" and not item.get("responses"):
        line = line_of(node, [*where, "action"])
        problems.append(f"{path}:{line}: responses: a metadata intent needs a response template")
    if problems:
        return None, problems
    return Intent(
        name=item["name"],
        action=item["action"],
        examples=tuple(item.get("examples", [])),
        patterns=tuple(patterns),
        responses=tuple(item.get("responses", [])),
        suggestions=tuple(item.get("suggestions", [])),
        kind=item.get("kind", ""),
        by=item.get("by", ""),
        priority=int(item.get("priority", 0)),
        source=f"{path}:{line_of(node, where)}",
    ), []
