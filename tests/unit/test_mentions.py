"""A resolution named by its subject picks the document for every intent, is left out of
retrieval, and asks which one only when two documents fit the name equally well."""

from __future__ import annotations

import pytest

from bot.core.models import ConversationState


def ask(engine, message, state=None):
    return engine.reply(message, state or ConversationState())


def first(turn):
    citation = turn.answer.citations[0]
    return f"{citation.document}:{citation.paragraph}"


@pytest.mark.parametrize(
    ("message", "cited"),
    [
        ("When was the Cuba embargo resolution adopted?", "A/RES/73/8:meta"),  # meta
        ("Show me operative paragraph 7 of the outer space resolution", "A/RES/73/6:op7"),
        (
            "What does paragraph 12 of the International Criminal Court resolution say?",
            "A/RES/73/7:op12",
        ),
        ("footnote 5 of the ICC text", "A/RES/73/7:fn5"),  # footnote
        ("What does the TB declaration request?", "A/RES/73/3:ax49"),  # list
        ("What is the tuberculosis declaration about?", "A/RES/73/3:op1"),  # overview
        ("what does the Cuba resolution say about the Helms-Burton Act?", "A/RES/73/8:pp4"),
    ],
)
def test_a_subject_picks_the_document_for_every_intent(six_engine, message, cited):
    turn = ask(six_engine, message)
    assert not turn.answer.choices
    assert first(turn) == cited


def test_the_subject_words_do_not_steer_retrieval(six_engine):
    """ "Cuba" is in the title, op5 repeats the title: asking what the Cuba resolution asks of
    the Secretary-General must find op4, which does not say "Cuba"."""
    turn = ask(six_engine, "what does the Cuba resolution ask the Secretary-General to do?")
    assert first(turn) == "A/RES/73/8:op4"


def test_an_ambiguous_name_gets_numbered_choices_then_the_answer(six_engine):
    turn = ask(six_engine, "When was the human rights cooperation resolution adopted?")
    assert turn.answer.intent == "clarify"
    assert set(turn.answer.choices) == {"A/RES/71/194", "A/RES/51/100"}
    assert "1. " in turn.answer.text and "2. " in turn.answer.text
    number = turn.answer.choices.index("A/RES/51/100") + 1
    chosen = ask(six_engine, str(number), turn.state)
    assert first(chosen) == "A/RES/51/100:meta"
    assert "12 December 1996" in chosen.answer.text


def test_a_confident_name_never_gets_choices(six_engine):
    for message in (
        "When was the 2016 human rights cooperation resolution adopted?",
        "when was the ICC one adopted",
        "When was the space resolution adopted?",
    ):
        assert not ask(six_engine, message).answer.choices, message


def test_naming_another_resolution_mid_conversation_switches(six_engine):
    turn = ask(six_engine, "What does operative paragraph 2 of the ICC resolution say?")
    assert first(turn) == "A/RES/73/7:op2"
    turn = ask(
        six_engine, "What does operative paragraph 3 of the Cuba resolution say?", turn.state
    )
    assert first(turn) == "A/RES/73/8:op3"
    assert turn.state.document == "A/RES/73/8"


@pytest.mark.parametrize(
    "again",
    ["and in the space resolution?", "what about the outer space one?", "and resolution 73/6?"],
)
def test_naming_another_resolution_alone_asks_the_last_question_there(six_engine, again):
    turn = ask(six_engine, "When was the Cuba resolution adopted?")
    assert first(turn) == "A/RES/73/8:meta"
    turn = ask(six_engine, again, turn.state)
    assert first(turn) == "A/RES/73/6:meta"
    assert "26 October 2018" in turn.answer.text
    turn = ask(six_engine, "and the ICC one?", turn.state)
    assert first(turn) == "A/RES/73/7:meta"


@pytest.mark.parametrize("reply", ["the 1996 one", "1996", "the older one, from 1996"])
def test_a_choice_can_be_answered_by_name(six_engine, reply):
    turn = ask(six_engine, "When was the human rights cooperation resolution adopted?")
    assert turn.answer.choices
    chosen = ask(six_engine, reply, turn.state)
    assert first(chosen) == "A/RES/51/100:meta"


def test_the_subject_words_come_back_only_when_the_rest_grounds_nothing(six_engine):
    """Taken out, "the human rights cooperation text" leaves "is the UPR just paperwork?",
    too little to answer; with the subject's words the text grounds op8."""
    turn = ask(
        six_engine,
        "in the 2016 human rights cooperation text, is the UPR supposed to change anything "
        "for people or is it paperwork",
    )
    assert first(turn) == "A/RES/71/194:op8"
