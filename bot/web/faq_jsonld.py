"""The FAQ as schema.org `FAQPage` JSON-LD: one Question per visible question, its
acceptedAnswer the same markup the page shows (links and quotes included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.models import Answer
from bot.render.layout import safe_url
from bot.web.faq import Faq


def faq_jsonld(faq: Faq, render_answer: Callable[[Answer], str]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "name": faq.title,
        "mainEntity": [
            {
                "@type": "Question",
                "name": entry.question,
                "acceptedAnswer": {
                    "@type": "Answer",
                    "text": render_answer(entry.answer),
                    "citation": [
                        {"@type": "CreativeWork", "name": c.label, "url": c.url}
                        for c in entry.answer.citations
                        if safe_url(c.url)
                    ],
                },
            }
            for entry in faq.entries()
        ],
    }
