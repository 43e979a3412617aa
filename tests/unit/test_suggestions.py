"""Suggestions follow the conversation instead of repeating the same lines."""

from __future__ import annotations

from bot.core.models import ConversationState


def talk(engine, *messages):
    state = ConversationState()
    answers = []
    for message in messages:
        turn = engine.reply(message, state)
        state = turn.state
        answers.append(turn.answer)
    return answers


def test_after_a_paragraph_the_next_one_and_its_footnote(engine):
    [answer] = talk(engine, "What does it say about racism?")
    cited = answer.citations[0].paragraph  # pp4, op4 and op5 all speak of it
    kind = {"pp": "preambular", "op": "operative"}[cited[:2]]
    following = int(cited[2:]) + 1
    assert f"What does {kind} paragraph {following} say?" in answer.suggestions
    assert "Is racism mentioned anywhere else?" in answer.suggestions
    [only] = talk(engine, "What does it say about the universal periodic review?")
    assert only.citations[0].paragraph == "op8"
    assert not any("anywhere else" in s for s in only.suggestions)  # op8 alone mentions it
    [pp1] = talk(engine, "what does preambular paragraph 1 say about the Charter?")
    if not any(c.paragraph.startswith("fn") for c in pp1.citations):
        assert "Which footnote goes with it?" in pp1.suggestions


def test_after_a_footnote_its_paragraph(engine):
    [answer] = talk(engine, "footnote 2")
    assert "Which paragraph is that footnote attached to?" in answer.suggestions


def test_the_same_question_in_another_resolution(multi_engine):
    first, second = talk(
        multi_engine, "When was resolution 73/8 adopted?", "When was resolution 71/194 adopted?"
    )
    assert "And in resolution 71/194?" in first.suggestions  # the next one loaded
    assert "And in resolution 73/8?" in second.suggestions  # the one discussed before


def test_suggestions_differ_from_turn_to_turn(engine):
    answers = talk(engine, "operative paragraph 3", "next", "footnote 1")
    assert len({a.suggestions for a in answers}) == 3
    assert all(len(a.suggestions) <= 4 for a in answers)


def test_a_suggested_follow_up_is_understood(multi_engine):
    state = ConversationState()
    turn = multi_engine.reply(
        "What does the Cuba resolution say about the Helms-Burton Act?", state
    )
    for suggestion in turn.answer.suggestions[:3]:
        followed = multi_engine.reply(suggestion, turn.state).answer
        assert not followed.fallback, suggestion
