"""YAML read safely, with line numbers for every problem, and validated against the
packaged JSON Schemas (bot/data/*.schema.json). PyYAML is imported when a file is read: a start
from the saved engine reads none (its import is about 30 ms of a cold start)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None, list[str]]:
    """Parsed data, the node tree (for line numbers) and syntax problems."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [f"{path}:1: cannot read: {error}"]
    # libyaml's safe loader when PyYAML was built with it (same results, several times faster).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
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
    import yaml

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
