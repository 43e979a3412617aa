"""Follow-ups the conversation resolves: relative paragraphs, footnotes both ways, "anywhere
else", other resolutions, and what the state remembers between turns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.models import ConversationState
from tests.unit.conversation import talk


def first(answer):
    citation = answer.citations[0]
    return f"{citation.document}:{citation.paragraph}"


@pytest.mark.parametrize(
    ("follow_up", "cited"),
    [
        ("and what comes right after that?", "op8"),
        ("and the paragraph after", "op8"),
        ("the one after", "op8"),
        ("which paragraph comes next?", "op8"),
        ("what's the paragraph just before it?", "op6"),
        ("go two paragraphs on", "op9"),
        ("and the paragraph two before that?", "op5"),
        ("the paragraph right before op 7", "op6"),
        ("the paragraph after op 12", "op13"),
    ],
)
def test_relative_paragraphs(engine, follow_up, cited):
    answers, _ = talk(engine, "operative paragraph 7", follow_up)
    assert answers[1].citations[0].paragraph == cited


def test_the_paragraph_before_a_named_one_needs_no_history(engine):
    answers, _ = talk(engine, "the paragraph right before op7")
    assert answers[0].citations[0].paragraph == "op6"


def test_after_a_footnote_the_next_paragraph_follows_its_paragraph(engine):
    answers, _ = talk(
        engine, "pp12", "which footnote goes with it?", "what comes right after that paragraph?"
    )
    assert answers[1].citations[0].paragraph == "fn5"
    assert answers[2].citations[0].paragraph == "op1"


def test_which_paragraph_a_footnote_is_attached_to(engine):
    answers, _ = talk(engine, "footnote 4", "which paragraph is that footnote attached to?")
    assert answers[1].citations[0].paragraph == "pp4"
    assert "attached to preambular paragraph 4" in answers[1].text


def test_the_footnote_of_the_paragraph_under_discussion(engine):
    answers, _ = talk(engine, "pp1", "is there a footnote on that one? where is it published?")
    assert answers[1].citations[0].paragraph == "fn1"
    answers, _ = talk(engine, "op2", "which footnote does it carry?")
    assert not answers[1].citations and "carries no footnote" in answers[1].text


def test_of_several_footnotes_the_one_the_message_names_comes_first(six_engine):
    answers, _ = talk(
        six_engine,
        "preambular paragraph 5 of the space resolution",
        "that paragraph cites the Paris Agreement - which footnote gives its source?",
    )
    assert first(answers[1]) == "A/RES/73/6:fn4"


def test_the_one_with_the_footnote(engine):
    answers, _ = talk(engine, "footnote 5", "show me the one with the footnote")
    assert answers[1].citations[0].paragraph == "pp12"


def test_anywhere_else_means_other_paragraphs_on_the_same_topic(engine):
    answers, _ = talk(engine, "operative paragraph 7", "is transparency mentioned anywhere else?")
    assert [c.paragraph for c in answers[1].citations] == ["pp11"]
    answers, state = talk(engine, "what does it say about the universal periodic review?")
    assert state.topic
    answers, _ = talk(engine, "which paragraphs mention racism?", "anywhere else?")
    assert answers[1].fallback and "No other paragraph" in answers[1].text


def test_anywhere_else_after_a_topic_answer_uses_its_topic(engine):
    state = ConversationState()
    turn = engine.reply("what does it say about transparency in the operative part?", state)
    assert turn.answer.citations[0].paragraph == "op7"
    turn = engine.reply("is it mentioned anywhere else?", turn.state)
    assert [c.paragraph for c in turn.answer.citations] == ["pp11"]


def test_a_demonstrative_names_what_the_last_answer_named(six_engine):
    answers, _ = talk(
        six_engine,
        "What does the tenth preambular paragraph of the ICC resolution acknowledge?",
        "which articles does its footnote point to?",
        "is that agreement mentioned anywhere in the operative part?",
    )
    assert first(answers[1]) == "A/RES/73/7:fn3"
    listed = [c.paragraph for c in answers[2].citations]
    assert "op3" not in listed  # the Agreement on Privileges and Immunities is another one
    assert {"op11", "op12", "op19"} <= set(listed)
    assert all(p.startswith(("op", "fn")) for p in listed)


def test_in_the_other_resolutions(six_engine):
    answers, _ = talk(
        six_engine,
        "what does the ICC resolution say about the Rome Statute?",
        "is the Vienna Declaration mentioned in any of the other resolutions?",
    )
    assert answers[1].citations[0].document in {"A/RES/71/194", "A/RES/51/100"}


def test_the_state_remembers_documents_and_paragraphs(six_engine):
    _, state = talk(
        six_engine,
        "What does operative paragraph 2 of the ICC resolution say?",
        "When was the Cuba resolution adopted?",
        "which paragraphs of the space resolution mention debris?",
    )
    assert state.documents[:3] == ("A/RES/73/6", "A/RES/73/8", "A/RES/73/7")
    assert state.document == "A/RES/73/6" and set(state.cited) >= {"pp12"}
    assert "debris" in state.topic
    again = ConversationState.from_dict(state.to_dict())
    assert again == state


def test_remembered_answers_depend_on_the_topic_of_the_conversation(engine):
    """With an answer cache, "anywhere else?" from the same paragraph but another topic must
    not get the first conversation's answer."""
    from bot.core.engine import AnswerEngine

    cached = AnswerEngine(engine.documents, engine.intents, engine.lexicon, cache_size=64)
    at_op7 = ConversationState(document="A/RES/71/194", paragraph="op7", cited=("op7",))
    transparency = cached.reply("anywhere else?", replace(at_op7, topic="transparency"))
    racism = cached.reply("anywhere else?", replace(at_op7, topic="racism"))
    assert [c.paragraph for c in transparency.answer.citations] == ["pp11"]
    assert "op5" in [c.paragraph for c in racism.answer.citations]
