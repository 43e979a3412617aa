"""The optional YAML beside a resolution's text (`A_RES_73_3.yaml` next to `A_RES_73_3.txt`):
names people use for it that its title and text do not give. Schema-checked; problems name the
file and line. The core derives every other name from the document itself."""

from __future__ import annotations

from pathlib import Path

from bot.loading.yamlfiles import line_of, packaged_schema, read_yaml, schema_problems

SCHEMA = "document.schema.json"


def aliases_path(document_file: Path) -> Path:
    return document_file.with_suffix(".yaml")


def load_aliases(document_file: Path) -> tuple[tuple[str, ...], list[str]]:
    """The aliases declared for one document file (none when it has no YAML beside it)."""
    path = aliases_path(document_file)
    if not path.is_file():
        return (), []
    data, node, problems = read_yaml(path)
    if problems:
        return (), problems
    if data is None:
        return (), []
    problems = schema_problems(path, data, node, packaged_schema(SCHEMA))
    if problems:
        return (), problems
    names = tuple(" ".join(a.split()) for a in data.get("aliases", []))
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name.casefold() in seen:
            line = line_of(node, ["aliases", position])
            problems.append(f"{path}:{line}: aliases.{position}: duplicate alias {name!r}")
        seen.add(name.casefold())
    return names, problems
