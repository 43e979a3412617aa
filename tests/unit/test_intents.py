"""Questions written for every shipped intent (not taken from the dev set)."""

from __future__ import annotations

import pytest

from bot.core.models import ConversationState


def ask(engine, text, state=None):
    return engine.reply(text, state or ConversationState()).answer


def cited(answer):
    return [c.paragraph for c in answer.citations]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("Hi there!", "greet"),
        ("good evening", "greet"),
        ("thanks a lot", "thanks"),
        ("bye for now", "goodbye"),
        ("what can you do?", "help"),
        ("What questions can I ask?", "help"),
        ("who are you", "who_are_you"),
        ("are you a robot?", "who_are_you"),
    ],
)
def test_small_talk(engine, message, intent):
    answer = ask(engine, message)
    assert answer.intent == intent
    assert not answer.fallback and answer.citations == ()
    assert answer.text


@pytest.mark.parametrize(
    ("message", "intent", "expected"),
    [
        (
            "On what date did the General Assembly adopt this text?",
            "meta_adoption_date",
            "19 December 2016",
        ),
        ("which plenary meeting adopted it", "meta_plenary_meeting", "65th"),
        ("In which session was this passed?", "meta_session", "Seventy-first session"),
        ("what's the agenda item number?", "meta_agenda_item", "68 (b)"),
        ("Which Main Committee reported on it?", "meta_committee", "Third Committee"),
        ("distribution date?", "meta_distribution_date", "20 January 2017"),
        (
            "What's the resolution called?",
            "meta_title",
            "Enhancement of international cooperation in the field of human rights",
        ),
        ("what is its document symbol?", "meta_symbol", "A/RES/71/194"),
        ("which organ adopted the resolution?", "meta_body", "General Assembly"),
    ],
)
def test_metadata(engine, message, intent, expected):
    answer = ask(engine, message)
    assert answer.intent == intent
    assert expected in answer.text
    assert cited(answer) == ["meta"]


@pytest.mark.parametrize(
    ("message", "paragraph"),
    [
        ("OP 3", "op3"),
        ("para 11 please", "op11"),
        ("operative paragraph no. 14", "op14"),
        ("pp7", "pp7"),
        ("the second preambular paragraph", "pp2"),
        ("show me the last paragraph", "op15"),
        ("the penultimate operative paragraph", "op14"),
        ("third paragraph of the preamble", "pp3"),
        ("footnote 3", "fn3"),
        ("What is in note 5?", "fn5"),
    ],
)
def test_lookup(engine, message, paragraph):
    answer = ask(engine, message)
    assert cited(answer)[0] == paragraph
    assert answer.quotes[0].paragraph == paragraph


def test_lookup_of_a_missing_paragraph_says_how_many_there_are(engine):
    answer = ask(engine, "operative paragraph 40")
    assert "has no operative paragraph 40" in answer.text and "15" in answer.text
    assert answer.citations == ()


def test_article_paragraph_of_the_charter_is_not_a_lookup(engine):
    answer = ask(engine, "Which part of Article 1, paragraph 3 of the Charter is recalled?")
    assert cited(answer)[0] == "pp1"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("What does the General Assembly invite?", ["op13"]),
        ("whom does the assembly call upon?", ["op11"]),
        ("list everything the resolution recognizes", ["pp5", "pp6", "op2"]),
        ("what does it request?", ["op14"]),
        ("Show me all the Recalling paragraphs", ["pp2", "pp3", "pp4", "pp12"]),
        ("which paragraphs begin with Underlining", ["pp7", "pp11"]),
        ("What does the resolution encourage?", ["op11"]),
    ],
)
def test_lists_cite_every_paragraph(engine, message, expected):
    answer = ask(engine, message)
    assert answer.intent.startswith("list_")
    assert cited(answer)[: len(expected)] == expected


def test_list_by_topic_cites_all_paragraphs_on_it(engine):
    answer = ask(engine, "Which paragraphs mention dialogue among civilizations?")
    assert answer.intent == "list_by_topic"
    assert {"op3", "pp9"} <= set(cited(answer))


def test_list_of_cited_documents(engine):
    answer = ask(engine, "Which documents does the resolution cite?")
    assert answer.intent == "list_references"
    for symbol in ("A/RES/70/1", "A/RES/55/2", "A/RES/66/3", "A/CONF.157/24", "A/71/53"):
        assert symbol in answer.text


def test_overview(engine):
    answer = ask(engine, "Give me an overview")
    assert answer.intent == "overview"
    assert "12 preambular and 15 operative paragraphs" in answer.text
    assert cited(answer)[0] == "op1"


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("Will it rain in New York tomorrow?", "out_of_scope"),
        ("tell me a joke about diplomats", "out_of_scope"),
        ("Forward this answer to my colleague", "request_to_act"),
        ("can you translate paragraph 2 into Spanish", "request_to_act"),
        ("Which delegations abstained in the vote?", "unsupported_fact"),
        ("Who drafted the resolution?", "unsupported_fact"),
        ("who was the Secretary-General at the time", "unsupported_fact"),
    ],
)
def test_out_of_scope_says_so_without_citation(engine, message, intent):
    answer = ask(engine, message)
    assert answer.intent == intent
    assert answer.fallback and answer.citations == () and answer.suggestions


@pytest.mark.parametrize(
    "message", ["phone lines for victims of abuse", "post-conflict justice", "order of business"]
)
def test_a_verb_of_acting_before_a_noun_is_a_topic_not_a_request(engine, message):
    # "print it", "book a room", "send": requests; "phone lines ...": what it says on phones.
    assert ask(engine, message).intent != "request_to_act"
    assert ask(engine, "phone my office").intent == "request_to_act"


def test_unsupported_fact_says_the_text_does_not_say(engine):
    answer = ask(engine, "How many countries voted against?")
    assert "does not say" in answer.text


def test_structure_counts(engine):
    answer = ask(engine, "How many operative paragraphs are there?")
    assert answer.intent == "meta_structure"
    assert "15 operative paragraphs" in answer.text and "12 preambular" in answer.text


def test_a_verb_the_text_never_uses_is_answered_honestly(engine):
    answer = ask(engine, "Does the resolution condemn any country?")
    assert answer.intent == "verb_not_used" and answer.fallback and answer.citations == ()
    assert "does not use the verb “condemn”" in answer.text


def test_refusal_templates_fill_the_loaded_documents(engine):
    from bot.core.engine import AnswerEngine
    from bot.core.intents import Intent, IntentPattern

    refusal = Intent(
        name="closed_topic",
        action="fallback",
        patterns=(IntentPattern.of(r"\bhoroscope\b"),),
        responses=("I only know {documents}.",),
        priority=50,
    )
    custom = AnswerEngine(engine.documents, (*engine.intents, refusal), engine.lexicon)
    answer = custom.reply("my horoscope?").answer
    assert answer.intent == "closed_topic" and answer.fallback
    assert answer.text.startswith("I only know A/RES/71/194.")


def test_every_intent_action_has_one_handler() -> None:
    from bot.core.engine import HANDLERS
    from bot.core.intents import ACTIONS

    assert set(HANDLERS) == set(ACTIONS)
