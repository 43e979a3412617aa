"""The FAQ as Markdown (CommonMark) for static sites. Every piece of text is escaped, so a
quote can never turn into markup or raw HTML; only citation links are links."""

from __future__ import annotations

import re

from bot.core.models import Answer, Citation
from bot.render.layout import SOURCES_HEADING, layout, safe_url
from bot.web.faq import Faq, FaqSection

_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_URL_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E", "(": "%28", ")": "%29", '"': "%22"}


def md_text(text: str) -> str:
    """One line of text as literal Markdown."""
    escaped = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    """A block marker at the start of a line made literal ("# " -> "\\# ", "1." -> "1\\.")."""
    space, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        return f"{space}{marker[:-1]}\\{marker[-1]}"
    return f"{space}\\{marker}"


def md_paragraph(text: str) -> str:
    """Raw text, lines kept (hard breaks), as a literal Markdown paragraph."""
    lines = [md_text(" ".join(line.split())) for line in text.strip().split("\n") if line.strip()]
    return "\\\n".join(lines)


def md_link(citation: Citation) -> str:
    if not safe_url(citation.url):
        return md_text(citation.label)
    url = "".join(_URL_UNSAFE.get(c, c) for c in citation.url if c not in "\r\n")
    return f"[{md_text(citation.label)}](<{url}>)"


def answer_markdown(answer: Answer) -> str:
    parts = layout(answer)
    blocks = [md_paragraph(p) for p in parts.intro.split("\n\n") if p.strip()]
    for quote in parts.quotes:
        lines = [f"> {md_paragraph(quote.text)}"]
        if quote.citation is not None:
            lines += [">", f"> — {md_link(quote.citation)}"]
        blocks.append("\n".join(lines))
    blocks.extend(f"*{md_paragraph(note)}*" for note in parts.notes)
    if parts.sources:
        items = "\n".join(f"- {md_link(c)}" for c in parts.sources)
        blocks.append(f"{md_text(SOURCES_HEADING)}\n\n{items}")
    return "\n\n".join(blocks)


def render_faq_markdown(faq: Faq) -> str:
    out = [f"# {md_text(faq.title)}"]
    links = ", ".join(md_link(_doc_citation(s)) for s in faq.sections)
    if links:
        out.append(f"Every answer quotes the text of {links} verbatim.")
    else:
        out.append("No resolutions are loaded, so there is nothing to answer yet.")
    level = 3 if faq.scoped else 2
    for section in faq.sections:
        if faq.scoped:
            out.append(f"## {md_text(section.symbol)}: {md_text(section.title)}")
        for group in section.groups:
            out.append(f"{'#' * level} {md_text(group.theme)}")
            for entry in group.entries:
                out.append(f"{'#' * (level + 1)} {md_text(entry.question)}")
                out.append(answer_markdown(entry.answer))
    return "\n\n".join(out) + "\n"


def _doc_citation(section: FaqSection) -> Citation:
    return Citation(section.symbol, "meta", section.symbol, section.url)
