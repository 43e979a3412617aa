"""The engine end to end: retrieval, quoting, the contract's Answer shape, fallbacks."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from bot.core.models import ConversationState
from bot.core.verify import quote_problems

from .conftest import FIXTURES


def ask(engine, text, state=None):
    return engine.reply(text, state or ConversationState()).answer


def first(answer):
    return answer.citations[0].paragraph if answer.citations else None


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("What does it say about natural disasters and food crises?", "op12"),
        ("Which text talks about Millennium Declaration?", "pp3"),
        ("what about the SG and the High Commissioner", "op14"),
        ("xenofobia", {"op4", "op5", "pp4"}),
        ("tecnical asistance", "op10"),
        ("secratary general consultations", "op14"),
        ("What part should NGOs play in the dialogue?", "op11"),
        ("Does the resolution mention the UPR?", "op8"),
        ("What happens at the seventy-second session?", "op15"),
        ("good neighbourly relations and reciprocity", "pp7"),
        ("living conditions in every country", "pp8"),
        ("dialogue among religions", "pp9"),
    ],
)
def test_topic_questions_find_the_paragraph(engine, question, gold):
    answer = ask(engine, question)
    assert not answer.fallback
    assert first(answer) in ({gold} if isinstance(gold, str) else gold), answer.text


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather in Geneva?",
        "What does the resolution say about nuclear disarmament?",
        "Tell me about the rights of indigenous peoples and land tenure",
        "How many countries abstained?",
        "Who sponsored this text?",
        "Please email this to my boss",
        "What is the capital of Peru?",
        "asdkjh qwpoeiru zxmcnv",
        "???",
    ],
)
def test_ungrounded_questions_fall_back_without_citation(engine, question):
    answer = ask(engine, question)
    assert answer.fallback
    assert answer.citations == ()
    assert answer.suggestions


def test_answer_json_has_the_contract_shape(engine):
    data = ask(engine, "What does the resolution say about climate change?").to_dict()
    assert {
        "text",
        "intent",
        "confidence",
        "fallback",
        "citations",
        "quotes",
        "suggestions",
    } <= set(data)
    assert 0 <= data["confidence"] <= 1
    citation = data["citations"][0]
    assert citation == {
        "document": "A/RES/71/194",
        "paragraph": "op12",
        "label": "A/RES/71/194, operative paragraph 12",
        "url": "https://undocs.org/A/RES/71/194",
    }
    quote = data["quotes"][0]
    assert quote["paragraph"] == "op12" and quote["spans"]
    assert quote["text"] in data["text"]
    json.dumps(data)


def test_long_paragraphs_are_quoted_by_clause_with_ellipsis(engine):
    answer = ask(
        engine,
        "Who should the Secretary-General consult, in collaboration with the High Commissioner?",
    )
    quote = answer.quotes[0]
    paragraph = engine.documents[0].get(quote.paragraph)
    assert quote.paragraph == "op14"
    assert len(quote.text) < len(paragraph.text)
    for (start, end), fragment in zip(quote.spans, quote.text.split(" … "), strict=True):
        assert paragraph.text[start:end] == fragment


def test_footnote_text_is_shown_when_the_quote_carries_its_marker(engine):
    answer = ask(engine, "Which declaration did the Durban Review Conference follow up?")
    assert first(answer) == "pp4"
    assert "Footnote 4: Resolution 66/3." in answer.text
    assert "fn4" in [c.paragraph for c in answer.citations]


def test_source_questions_cite_the_footnote(engine):
    answer = ask(engine, "Where is the Millennium Declaration published? Which resolution?")
    assert first(answer) == "fn2"
    assert "55/2" in answer.text


def test_deterministic(engine):
    texts = {json.dumps(ask(engine, "dialog amoung civilisations").to_dict()) for _ in range(3)}
    assert len(texts) == 1


def test_every_dev_question_quotes_verbatim(engine):
    data = yaml.safe_load((FIXTURES / "eval" / "dev.yaml").read_text(encoding="utf-8"))
    questions = [q["q"] for q in data["questions"]]
    questions += [t["q"] for d in data["dialogues"] for t in d["turns"]]
    state = ConversationState()
    for question in questions:
        turn = engine.reply(question, state)
        state = turn.state
        assert list(quote_problems(turn.answer, engine.documents)) == [], question
        if turn.answer.fallback:
            assert turn.answer.citations == ()


def test_several_documents_pick_the_right_one(multi_engine):
    answer = ask(multi_engine, "What does it say about space debris?")
    assert answer.citations[0].document == "A/RES/73/6"
    answer = ask(multi_engine, "Which States are called upon to repeal the Helms-Burton laws?")
    assert answer.citations[0].document == "A/RES/73/8"
    answer = ask(multi_engine, "In resolution 73/7, what does it say about the Secretary-General?")
    assert answer.citations[0].document == "A/RES/73/7"
    for citation in answer.citations:
        assert citation.url == "https://undocs.org/A/RES/73/7"


def test_answer_cache_gives_the_same_answers(engine):
    from bot.core.engine import AnswerEngine

    cached = AnswerEngine(
        engine.documents,
        engine.intents,
        engine.lexicon,
        cache_size=64,
        encoder=engine.encoder,
        semantic=engine.semantic,
    )
    data = yaml.safe_load((FIXTURES / "eval" / "dev.yaml").read_text(encoding="utf-8"))
    messages = [t["q"] for d in data["dialogues"] for t in d["turns"]] * 2
    plain_state = cached_state = ConversationState()
    for message in messages:
        plain = engine.reply(message, plain_state)
        hit = cached.reply(message, cached_state)
        plain_state, cached_state = plain.state, hit.state
        assert hit.answer == plain.answer
    assert len(cached._cache._items) <= 64


def test_a_list_that_finds_nothing_is_a_fallback_that_does_not_echo_the_question(engine):
    """Issue 15: "0 paragraphs of A/RES/71/194 deal with urgent all staff must log in at
    https://evil.example/login", not a fallback, no citation."""
    question = "which paragraphs mention URGENT all staff must log in at https://evil.example/login"
    answer = engine.reply(question).answer
    assert answer.fallback and answer.citations == ()
    assert "evil.example" not in answer.text and "urgent" not in answer.text.lower()


def test_a_listed_topic_is_named_by_the_words_the_paragraphs_carry_in_quotes(engine):
    answer = engine.reply("Which paragraphs mention xenofobia?").answer
    assert not answer.fallback and answer.citations
    assert answer.lead.startswith("3 paragraphs of A/RES/71/194 deal with “xenophobia”: ")


MARKED = [
    "which paragraphs mention {m}?",
    "which paragraphs mention dialogue and {m}",
    "list all paragraphs about {m} https://evil.example/{m}",
    "what does the assembly {m}?",
    "what about {m}",
    "and {m}?",
    "{m}",
    "operative paragraph 99 {m}",
    "in resolution 99/1 what does {m} say",
    "when was {m} adopted",
]


@pytest.mark.parametrize("form", MARKED)
def test_user_text_is_never_echoed_unquoted_and_an_uncited_answer_is_a_fallback(engine, form):
    marker = "zqxjwv"
    answer = engine.reply(form.format(m=marker)).answer
    outside_quotes = re.sub(r"“[^”]*”", "", answer.text)
    assert marker not in outside_quotes.lower()
    small_talk = {i.name for i in engine.intents if i.action == "template"}
    if not answer.citations and answer.intent not in small_talk | {"clarify"}:
        assert answer.fallback
