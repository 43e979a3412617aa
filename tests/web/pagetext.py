"""Read a rendered FAQ page as a visitor sees it: each question with its answer's visible
text, quotes and links, and the JSON-LD blocks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class Item:
    question: str = ""
    answer: str = ""
    quotes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


class FaqReader(HTMLParser):
    """Collects `.faq-item`s (question, answer text, blockquotes, links), JSON-LD and the
    text of every heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Item] = []
        self.json_ld: list[Any] = []
        self.scripts: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._stack: list[tuple[str, set[str]]] = []
        self._script: str | None = None
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "script":
            self.scripts.append(attributes.get("type") or "text/javascript")
            self._script = "" if attributes.get("type") == "application/ld+json" else None
        if "faq-item" in classes:
            self.items.append(Item())
        if tag == "blockquote" and self._inside("faq-answer"):
            self.items[-1].quotes.append("")
        if tag == "a" and self._inside("faq-answer"):
            self._link = [attributes.get("href") or "", ""]
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append((tag, ""))
        if tag not in VOID:
            self._stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.json_ld.append(json.loads(self._script))
            self._script = None
        if tag == "a" and self._link is not None:
            self.items[-1].links.append((self._link[0], self._link[1]))
            self._link = None
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script += data
            return
        if self._stack and re.fullmatch(r"h[1-6]", self._stack[-1][0]) and self.headings:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)
        if self._inside("faq-question"):
            self.items[-1].question += data
        elif self._inside("faq-answer"):
            self.items[-1].answer += data
            if any(tag == "blockquote" for tag, _ in self._stack):
                self.items[-1].quotes[-1] += data
            if self._link is not None:
                self._link[1] += data

    def _inside(self, name: str) -> bool:
        return any(name in classes for _, classes in self._stack)


def read_faq(page: str) -> FaqReader:
    reader = FaqReader()
    reader.feed(page)
    reader.close()
    return reader


def visible_text(fragment: str) -> str:
    """The text a browser shows for an HTML fragment, white space folded."""
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

    parser = Text(convert_charrefs=True)
    parser.feed(fragment)
    parser.close()
    return fold("".join(parts))


def fold(text: str) -> str:
    return " ".join(text.split())
