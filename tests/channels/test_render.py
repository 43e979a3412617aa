"""The renderers: one Answer, four targets, every piece of text escaped for its target."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.core.models import Answer, Citation, ConversationState, Quote
from bot.render.html import render_html
from bot.render.layout import layout, pack, split_words, utf16_len
from bot.render.plain import render_plain
from bot.render.slack import render_slack, slack_messages
from bot.render.telegram import render_telegram, telegram_messages

HOSTILE = "<script>alert('x')</script> & \"q\" *bold* _it_ ~st~ `code` <!channel> <@U1>"


def answer(**fields: Any) -> Answer:
    values: dict[str, Any] = {
        "text": "lead\n\n“quoted”\n— label (https://undocs.org/A/RES/1/1)",
        "intent": "topic",
        "confidence": 1.0,
        "lead": "Here is what it says:",
        "quotes": (Quote("A/RES/1/1", "op2", "Urges States to act;", ((0, 20),)),),
        "citations": (
            Citation(
                "A/RES/1/1",
                "op2",
                "A/RES/1/1, operative paragraph 2",
                "https://undocs.org/A/RES/1/1",
            ),
        ),
        "suggestions": ("When was it adopted?",),
    }
    values.update(fields)
    return Answer(**values)


def hostile() -> Answer:
    return answer(
        text=HOSTILE,
        lead=HOSTILE,
        quotes=(Quote("D", "op1", HOSTILE, ((0, 5),)),),
        citations=(
            Citation("D", "op1", HOSTILE, "https://u.org/a?b=1&c=<2>|x"),
            Citation("D", "op9", "evil", "javascript:alert(1)"),
        ),
        notes=(HOSTILE,),
        suggestions=(HOSTILE + "?",),
    )


def test_every_renderer_shows_lead_quote_citation_and_suggestions() -> None:
    a = answer()
    assert render_plain(a) == (
        "Here is what it says:\n\n“Urges States to act;”\n"
        "— A/RES/1/1, operative paragraph 2 (https://undocs.org/A/RES/1/1)\n\n"
        "You can ask:\n- When was it adopted?"
    )
    assert render_slack(a) == (
        "Here is what it says:\n\n> Urges States to act;\n"
        "— <https://undocs.org/A/RES/1/1|A/RES/1/1, operative paragraph 2>\n\n"
        "*You can ask:*\n• When was it adopted?"
    )
    assert render_telegram(a) == (
        "Here is what it says:\n\n<blockquote>Urges States to act;</blockquote>\n"
        '— <a href="https://undocs.org/A/RES/1/1">A/RES/1/1, operative paragraph 2</a>\n\n'
        "<b>You can ask:</b>\n• When was it adopted?"
    )
    html = render_html(a)
    assert "<p>Here is what it says:</p>" in html
    assert "<blockquote>Urges States to act;</blockquote>" in html
    assert '<a href="https://undocs.org/A/RES/1/1" rel="noopener">A/RES/1/1' in html
    assert "<li>When was it adopted?</li>" in html


def test_fallback_shows_its_message_and_suggestions_once() -> None:
    a = Answer(
        text="I could not find that.\n\nYou can ask, for example:\n- What is it about?",
        intent="fallback",
        confidence=0.0,
        fallback=True,
        suggestions=("What is it about?",),
        lead="I could not find that.",
    )
    assert render_plain(a) == "I could not find that.\n\nYou can ask:\n- What is it about?"
    for text in (render_slack(a), render_telegram(a), render_html(a)):
        assert text.count("What is it about?") == 1


def test_without_a_lead_the_text_is_shown_with_its_sources() -> None:
    a = answer(lead="", text="Adopted on 19 December 2016.", quotes=())
    assert render_plain(a).startswith("Adopted on 19 December 2016.\n\nSource:\n- A/RES/1/1")


def test_notes_follow_the_quotes_and_footnote_citations_are_not_repeated() -> None:
    a = answer(
        notes=("Footnote 1: A/CONF.157/24 (Part I), chap. III.",),
        citations=(
            *answer().citations,
            Citation("A/RES/1/1", "fn1", "A/RES/1/1, footnote 1", "https://undocs.org/A/RES/1/1"),
        ),
    )
    text = render_plain(a)
    assert text.index("“Urges") < text.index("Footnote 1: A/CONF") < text.index("You can ask")
    assert "Source" not in text
    assert "<i>Footnote 1: A/CONF.157/24 (Part I), chap. III.</i>" in render_telegram(a)


def test_choices_and_suggestions_already_in_the_intro_are_not_repeated() -> None:
    a = Answer(
        text="Which one? 1. A/RES/1/1 2. A/RES/2/2",
        lead="Which one? 1. A/RES/1/1 2. A/RES/2/2",
        intent="clarify",
        confidence=0.5,
        choices=("A/RES/1/1", "A/RES/2/2"),
        suggestions=("A/RES/1/1", "A/RES/2/2"),
    )
    assert render_plain(a) == a.lead


def test_plain_keeps_hostile_text_as_written() -> None:
    text = render_plain(hostile())
    assert text.count(HOSTILE) == 5  # lead, quote, label, note, suggestion


def test_slack_escapes_control_characters_everywhere() -> None:
    text = render_slack(hostile())
    escaped = slack_escape_expected(HOSTILE)
    assert "<script>" not in text and "<!channel>" not in text and "<@U1>" not in text
    assert text.count(escaped) == 5
    # The only markup left: the web link, with & < > escaped and | kept out of the URL.
    assert re.findall(r"<[^<>]*\|", text) == ["<https://u.org/a?b=1&amp;c=&lt;2&gt;%7Cx|"]
    assert "javascript:" not in text and "• evil" in text


def slack_escape_expected(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_telegram_escapes_text_and_attributes_and_drops_unsafe_links() -> None:
    text = render_telegram(hostile())
    assert "<script>" not in text and "<!channel>" not in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"q\" *bold* _it_ ~st~" in text
    assert '<a href="https://u.org/a?b=1&amp;c=&lt;2&gt;|x">' in text
    assert "javascript:" not in text and "evil" in text
    assert set(re.findall(r"</?([a-z]+)", text)) <= {"blockquote", "a", "b", "i"}


def test_html_escapes_text_and_attributes_and_drops_unsafe_links() -> None:
    text = render_html(hostile())
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in text
    assert "javascript:" not in text
    assert set(re.findall(r"</?([a-z]+)", text)) <= {
        "div",
        "p",
        "blockquote",
        "a",
        "small",
        "ul",
        "li",
    }


def test_long_quotes_are_split_into_whole_blocks() -> None:
    quote = Quote("D", "op1", " ".join(f"w{n}&<" for n in range(3000)), ((0, 1),))
    a = answer(quotes=(quote,), citations=(Citation("D", "op1", "label", "https://u.org"),))
    for messages, limit, measure in (
        (telegram_messages(a, limit=1000), 1000, utf16_len),
        (slack_messages(a, limit=1000), 1000, len),
    ):
        assert len(messages) > 10
        assert all(measure(m) <= limit for m in messages)
    for message in telegram_messages(a, limit=1000):
        assert message.count("<blockquote>") == message.count("</blockquote>")
    joined = " ".join(re.sub(r"</?blockquote>", " ", m) for m in telegram_messages(a))
    assert " ".join(joined.split()).count("w2999&amp;&lt;") == 1


def test_split_words_cuts_unbreakable_words_and_never_loses_text() -> None:
    pieces = split_words("a " + "x" * 25 + " b", lambda s: len(s) <= 10)
    assert pieces == ["a", "x" * 10, "x" * 10, "xxxxx b"]
    assert split_words("", lambda s: len(s) <= 3) == []


def test_pack_joins_blocks_up_to_the_limit() -> None:
    assert pack(["aa", "bb", "cc"], 6) == ["aa\n\nbb", "cc"]
    assert pack([], 6) == []


@pytest.mark.parametrize(
    "question",
    ["What does the resolution urge?", "footnote 1", "When was it adopted?", "football?", "hi"],
)
def test_real_answers_render_their_quotes_verbatim(engine: Any, question: str) -> None:
    a = engine.reply(question, ConversationState()).answer
    parts = layout(a)
    for quote in a.quotes:
        assert f"“{quote.text}”" in render_plain(a)
    assert parts.intro
    for renderer in (render_plain, render_slack, render_telegram, render_html):
        assert renderer(a)
