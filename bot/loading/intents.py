"""intents/*.yaml -> Intents: schema-checked, patterns compiled, response templates checked
against the fields a document has; every problem as file:line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.answers.templates import META_FIELDS, template_fields
from bot.core.intents import Intent, IntentPattern, expand_macros
from bot.loading.patterns import pattern_problems
from bot.loading.yamlfiles import line_of, packaged_schema, read_yaml, schema_problems

if TYPE_CHECKING:
    import yaml

TEMPLATE_EXTRA_FIELDS = {"documents"}


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
        source = expand_macros(pattern)
        try:
            re.compile(source, re.IGNORECASE)
        except re.error as error:
            problems.append(f"{path}:{line}: patterns.{number}: bad regular expression: {error}")
            continue
        patterns.append(IntentPattern.of(source))
        for problem in pattern_problems(source):
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
