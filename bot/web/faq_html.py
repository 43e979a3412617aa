"""The FAQ as a page (GET /faq, `resbot export-faq --format html`): server-rendered, readable
without JavaScript, with a schema.org FAQPage JSON-LD block made from the same markup."""

from __future__ import annotations

from dataclasses import replace

from bot.core.models import Answer
from bot.render.html import render_html
from bot.web.faq import Faq, FaqEntry, FaqGroup, FaqSection
from bot.web.faq_jsonld import faq_jsonld
from bot.web.pages import escape, html_page, json_ld_script


def answer_html(answer: Answer) -> str:
    """The visible answer: lead, quotes with their citation links, notes and sources. The
    suggestions and choices are for a conversation, not for a page."""
    return render_html(replace(answer, suggestions=(), choices=()))


def render_faq_page(faq: Faq) -> str:
    body = [f"<header>\n<h1>{escape(faq.title)}</h1>\n{intro(faq)}\n</header>", "<main>"]
    if not faq.sections:
        body.append("<p>No resolutions are loaded, so there is nothing to answer yet.</p>")
    for section in faq.sections:
        body.append(render_section(section, scoped=faq.scoped))
    body.append("</main>")
    head = json_ld_script(faq_jsonld(faq, answer_html)) + "\n"
    return html_page(faq.title, "\n".join(body), head=head)


def intro(faq: Faq) -> str:
    if not faq.sections:
        return ""
    if faq.scoped:
        names = ", ".join(document_link(s) for s in faq.sections)
    else:
        only = faq.sections[0]
        names = f"{document_link(only)}, “{escape(only.title)}”,"
    return (
        f'<p class="faq-doc">Every answer quotes the text of {names} verbatim and links to '
        "the official document.</p>"
    )


def document_link(section: FaqSection) -> str:
    return f'<a href="{escape(section.url)}" rel="noopener">{escape(section.symbol)}</a>'


def render_section(section: FaqSection, *, scoped: bool) -> str:
    level = 3 if scoped else 2
    parts = []
    if scoped:
        parts.append(
            f'<section class="faq-section" id="{escape(slug(section.symbol))}">\n'
            f"<h2>{escape(section.symbol)}: {escape(section.title)}</h2>\n"
            f'<p class="faq-doc">Official text: {document_link(section)}</p>'
        )
    else:
        parts.append('<section class="faq-section">')
    parts.extend(render_group(group, level) for group in section.groups)
    parts.append("</section>")
    return "\n".join(parts)


def render_group(group: FaqGroup, level: int) -> str:
    items = "\n".join(render_entry(entry, level + 1) for entry in group.entries)
    return f'<h{level} class="faq-theme">{escape(group.theme)}</h{level}>\n{items}'


def render_entry(entry: FaqEntry, level: int) -> str:
    return (
        f'<div class="faq-item" id="{escape(entry.anchor)}">\n'
        f'<h{level} class="faq-question">{escape(entry.question)}</h{level}>\n'
        f'<div class="faq-answer">\n{answer_html(entry.answer)}\n</div>\n</div>'
    )


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
