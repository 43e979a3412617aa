"""Answers from a document's header and shape: a header fact in its template, and the overview."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.answers.compose import cite, plain_answer, quoted_answer, whole
from bot.core.answers.templates import document_fields, fill, template_fields
from bot.core.models import Answer, Document


def metadata_answer(
    intent: str, document: Document, template: str, suggestions: Sequence[str]
) -> Answer:
    values = document_fields(document)
    missing = [f for f in template_fields(template) if not values.get(f)]
    if missing:
        text = f"The header of {document.symbol} does not give the {missing[0].replace('_', ' ')}."
        return plain_answer(intent, text, confidence=0.6, suggestions=suggestions)
    return plain_answer(
        intent,
        fill(template, values),
        confidence=1.0,
        citations=(cite(document, "meta"),),
        suggestions=suggestions,
    )


def overview_answer(intent: str, document: Document, suggestions: Sequence[str]) -> Answer:
    values = document_fields(document)
    first = document.get("op1")
    lead = (
        f"{document.symbol}, “{document.title}”, was adopted by the General Assembly on "
        f"{values['adoption_date'] or 'a date the header does not give'} "
        f"({document.committee_phrase}). It has {values['preambular_count']} preambular and "
        f"{values['operative_count']} operative paragraphs"
        + (f" and an annex of {values['annex_count']} paragraphs" if document.of_kind("ax") else "")
        + f". Its operative paragraphs: {values['operative_verbs']}. The first one reads:"
    )
    selections = [whole(first)] if first else []
    return quoted_answer(
        intent=intent,
        confidence=1.0,
        lead=lead,
        document=document,
        selections=selections,
        suggestions=suggestions,
    )
