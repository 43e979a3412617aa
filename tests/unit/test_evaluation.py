"""The eval file format of docs/contract.md ("Evaluation files"): one document or several, gold ids
bare or qualified with their document, gold_all, expect and dialogues."""

from __future__ import annotations

from bot.core.evaluation import cases_from, matches, qualified, run_eval
from bot.core.models import Citation


def citation(document: str, paragraph: str) -> Citation:
    return Citation(document, paragraph, "", "")


def test_gold_ids_are_qualified_by_the_files_one_document():
    assert qualified("op12", "A/RES/71/194") == "A/RES/71/194:op12"
    assert qualified("A/RES/73/7:op5", "A/RES/71/194") == "A/RES/73/7:op5"
    assert qualified("op12", "") == "op12"


def test_a_qualified_gold_id_needs_its_document_a_bare_one_any():
    assert matches("A/RES/73/7:op5", citation("A/RES/73/7", "op5"))
    assert not matches("A/RES/73/7:op5", citation("A/RES/73/8", "op5"))
    assert matches("op5", citation("A/RES/73/8", "op5"))


def test_cases_qualify_questions_and_dialogue_turns():
    questions, dialogues = cases_from(
        {
            "document": "A/RES/73/8",
            "questions": [{"q": "last operative paragraph", "kind": "lookup", "gold": ["op5"]}],
            "dialogues": [{"id": "d", "turns": [{"q": "x", "gold_all": ["op1", "op2"]}]}],
        }
    )
    assert questions[0].gold == ("A/RES/73/8:op5",)
    assert dialogues[0][0].gold_all == ("A/RES/73/8:op1", "A/RES/73/8:op2")


def test_a_multi_document_file_is_scored(multi_engine):
    data = {
        "documents": ["A/RES/71/194", "A/RES/73/8", "A/RES/99/1"],
        "questions": [
            {
                "id": "a",
                "q": "What does operative paragraph 4 of resolution 73/8 say?",
                "kind": "lookup",
                "gold": ["A/RES/73/8:op4"],
            },
            {
                "id": "b",
                "q": "What does operative paragraph 4 of resolution 73/8 say?",
                "kind": "lookup",
                "gold": ["A/RES/71/194:op4"],  # the same paragraph number, another document
            },
            {"id": "c", "q": "tell me a joke", "kind": "out_of_scope", "gold": []},
        ],
        "dialogues": [
            {
                "id": "d",
                "turns": [
                    {"q": "operative paragraph 2 of resolution 71/194", "gold": ["op2"]},
                    {"q": "and the next one?", "gold": ["A/RES/71/194:op3"]},
                ],
            }
        ],
    }
    report = run_eval(multi_engine, data)
    assert [o.correct for o in report.outcomes] == [True, False, True, True, True]
    assert report.missing == ["A/RES/99/1"]
    assert report.summary()["by_kind"]["lookup"]["correct"] == 1
