"""Conversations over several turns, on one document and on several."""

from __future__ import annotations

from bot.core.models import ConversationState
from tests.unit.conversation import talk


def first(answer):
    return (answer.citations[0].document, answer.citations[0].paragraph)


def test_next_previous_full_and_which(engine):
    answers, state = talk(
        engine,
        *[
            "What does it say about good-neighbourliness?",
            "next paragraph",
            "the one before",
            "quote it in full",
            "which paragraph was that?",
            "and footnote 2?",
            "tell me more",
        ],
    )
    assert [first(a)[1] for a in answers] == ["pp7", "pp8", "pp7", "pp7", "pp7", "fn2", "fn2"]
    assert state.paragraph == "fn2"


def test_what_about_follows_the_document(engine):
    answers, _ = talk(engine, "operative paragraph 2", "What about NGOs?")
    assert first(answers[1])[1] in {"op11", "op14"}


def test_followup_without_context_says_so(engine):
    answers, _ = talk(engine, "next paragraph")
    assert answers[0].fallback and answers[0].citations == ()


def test_last_paragraph_has_no_next(engine):
    answers, _ = talk(engine, "operative paragraph 15", "next one")
    assert "is the last one" in answers[1].text


def test_ambiguous_question_asks_which_document_and_a_number_answers(multi_engine):
    answers, state = talk(multi_engine, "When was it adopted?", "3")
    assert answers[0].intent == "clarify" and len(answers[0].choices) == 4
    assert "1. A/RES/71/194" in answers[0].text
    chosen = answers[0].choices[2]
    assert first(answers[1]) == (chosen, "meta")
    assert state.document == chosen


def test_a_named_resolution_sets_the_scope_for_follow_ups(multi_engine):
    answers, _state = talk(
        multi_engine,
        *[
            "In resolution 73/8, what does the Assembly request?",
            "next paragraph",
            "and what does it say about freedom of navigation?",
            "when was it adopted?",
        ],
    )
    assert first(answers[0]) == ("A/RES/73/8", "op4")
    assert first(answers[1]) == ("A/RES/73/8", "op5")
    assert first(answers[2])[0] == "A/RES/73/8"
    assert first(answers[3]) == ("A/RES/73/8", "meta")
    assert "1 November 2018" in answers[3].text


def test_topic_finds_its_document_then_stays_with_it(multi_engine):
    answers, _ = talk(
        multi_engine,
        *[
            "What does it say about the long-term sustainability of outer space activities?",
            "what about capacity-building?",
        ],
    )
    assert first(answers[0])[0] == "A/RES/73/6"
    assert first(answers[1])[0] == "A/RES/73/6"


def test_choice_by_symbol_and_by_ordinal(multi_engine):
    answers, _ = talk(multi_engine, "what is the title?", "73/7")
    assert first(answers[1]) == ("A/RES/73/7", "meta")
    answers, _ = talk(multi_engine, "what is the title?", "the second one")
    assert first(answers[1]) == ("A/RES/73/6", "meta")


def test_state_round_trips_through_plain_data(engine):
    _, state = talk(engine, "operative paragraph 2")
    assert ConversationState.from_dict(state.to_dict()) == state
