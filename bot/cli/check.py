"""resbot check: validate knowledge/ and intents/; every problem as file:line: message."""

from __future__ import annotations

import argparse
import sys

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_all


def run_check(args: argparse.Namespace) -> int:
    loaded = load_all(args.knowledge, args.intents)
    from bot.web.faq import faq_answer_problems, faq_problems

    loaded.problems += faq_problems(args.knowledge)
    if not loaded.problems:  # every FAQ answer must cite a paragraph holding its key terms
        engine = AnswerEngine(
            loaded.documents, loaded.intents, loaded.lexicon, aliases=loaded.aliases
        )
        loaded.problems += faq_answer_problems(engine, args.knowledge)
    for problem in loaded.problems:
        print(problem, file=sys.stderr)
    if loaded.problems:
        print(f"resbot check: {len(loaded.problems)} problem(s)", file=sys.stderr)
        return 1
    paragraphs = sum(len(d.paragraphs) for d in loaded.documents)
    print(
        f"ok: {len(loaded.documents)} document(s), {paragraphs} paragraphs and footnotes, "
        f"{len(loaded.intents)} intents, {len(loaded.lexicon.synonyms)} synonym groups"
    )
    for document in loaded.documents:
        print(f"  {document.symbol}: {document.title} ({document.source})")
        names = engine.references.shown_names(engine.documents.index(document))
        if names:
            print(f"    also called: {', '.join(names)}")
    return 0
