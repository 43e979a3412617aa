"""Requests in other phrasings reach the same intent: courtesy, fillers, quotes and "pls" do
not change what is asked; lists take every paragraph whose lead has the asked stem."""

from __future__ import annotations

import pytest

from bot.core.intents import normalise, plain_request
from bot.core.models import ConversationState


def ask(engine, text, state=None):
    return engine.reply(text, state or ConversationState()).answer


def cited(answer):
    return [c.paragraph for c in answer.citations]


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("Kindly quote paragraph 12 in full.", "quote paragraph 12 in full."),
        ("list all the 'Recalling' paragraphs, pls", "list all the recalling paragraphs,"),
        ("Hey, could you please tell me when it was adopted?", "tell me when it was adopted?"),
        ("and what comes right after that?", "and what comes after that?"),
        ("what GA session was it?", "what session was it?"),
        ("What's the very last paragraph?", "what's the last paragraph?"),
        ("What does it encourage? list them all", "what does it encourage?"),
        ("I'd like to know what op 3 says", "what op 3 says"),
        ("who was the UN high commissioner then?", "who was the high commissioner then?"),
    ],
)
def test_what_does_not_change_a_request_is_left_out(message, plain):
    assert plain_request(normalise(message)) == plain


@pytest.mark.parametrize(
    ("base", "variants"),
    [
        (
            "quote operative paragraph 12",
            [
                "Kindly quote paragraph 12 in full.",
                "could you please quote para 12?",
                "op 12 pls",
                "Hi! I'd like to see operative paragraph 12, thanks",
            ],
        ),
        (
            "When was it adopted?",
            ["hey, when was it adopted please?", "could you tell me when it was adopted, thx"],
        ),
        ("What does it urge?", ["what does it urge? list them all", "so what does it urge, pls"]),
        (
            "Which paragraphs mention dialogue?",
            [
                "where is dialogue mentioned? all of the places pls",
                "list every place that mentions dialogue",
            ],
        ),
    ],
)
def test_courtesy_and_fillers_keep_intent_and_answer(engine, base, variants):
    expected = ask(engine, base)
    assert expected.citations
    for variant in variants:
        answer = ask(engine, variant)
        assert answer.intent == expected.intent, variant
        assert cited(answer)[0] == cited(expected)[0], variant


def test_a_request_naming_a_paragraph_is_no_follow_up(engine):
    """ "in full" alone means the paragraph under discussion; naming one is a lookup."""
    answer = ask(engine, "Kindly quote paragraph 12 in full.")
    assert answer.intent == "lookup_operative"
    assert cited(answer)[0] == "op12"


def test_lead_lists_take_every_adverb_form(engine):
    answer = ask(engine, "list all the 'Recalling' paragraphs in the preamble")
    assert answer.intent == "list_by_lead"
    assert cited(answer)[:4] == ["pp2", "pp3", "pp4", "pp12"]  # also, further
    emphasis = ask(engine, "what are all the things it emphasizes")
    assert emphasis.intent == "list_by_verb"
    assert cited(emphasis) == ["pp10", "op8", "op9", "op10"]  # Also/Further emphasizes
    assert "Further emphasizes" in emphasis.text


@pytest.mark.parametrize(
    "message",
    [
        "where are NGOs mentioned? all of the places pls",
        "every place where the resolution mentions NGOs",
        "list each paragraph that mentions non-governmental organizations",
    ],
)
def test_topic_lists_in_any_phrasing(engine, message):
    answer = ask(engine, message)
    assert answer.intent == "list_by_topic"
    assert cited(answer) == ["op11", "op14"]


def test_an_ordinal_among_paragraphs_with_a_lead(engine):
    answer = ask(engine, "What's the very last thing the preamble recalls?")
    assert cited(answer)[0] == "pp12"
    first = ask(engine, "what's the first thing it actually does in the operative part?")
    assert cited(first)[0] == "op1"


def test_question_verbs_are_not_lead_verbs(six_engine):
    answer = ask(six_engine, "list every place where the Cuba resolution mentions resolution 72/4")
    assert answer.intent == "list_by_topic"
    assert {"pp6", "op1"} <= set(cited(answer))


def test_a_declaration_body_is_its_annex(six_engine):
    answer = ask(six_engine, "Show me paragraph 24 of the tuberculosis declaration")
    assert cited(answer)[0] == "ax24"
    listed = ask(
        six_engine, "list every paragraph of the TB declaration where they commit to something"
    )
    assert listed.intent == "list_by_verb"
    assert {"ax19", "ax24", "ax44", "ax50"} <= set(cited(listed))  # ax44 "Further commit"


@pytest.mark.parametrize(
    ("message", "listed"),
    [
        ("give me all the encouragements in the space text", ["op4", "op5", "op10", "op11"]),
        ("What are all the concerns of the Cuba one", ["pp4", "pp8"]),
        ("the ICC resolution - all its welcomes please", ["pp12", "op1", "op2", "op3", "op10"]),
    ],
)
def test_a_list_cue_and_a_lead_verb_in_any_wording(six_engine, message, listed):
    answer = ask(six_engine, message)
    assert answer.intent == "list_by_verb"
    assert [c for c in cited(answer) if not c.startswith("fn")][: len(listed)] == listed


@pytest.mark.parametrize(
    ("message", "paragraph"),
    [
        ("what's the last paragraph of the tuberculosis declaration?", "ax53"),
        ("the first paragraph of the TB declaration", "ax1"),
        ("operative paragraph 1 of the TB declaration", "op1"),  # named: the operative part
        ("footnote six of the TB declaration", "fn6"),  # a number in words
        ("paragraph twelve of the ICC resolution", "op12"),
    ],
)
def test_bare_paragraph_references_count_where_the_substance_is(six_engine, message, paragraph):
    assert cited(ask(six_engine, message))[0] == paragraph
