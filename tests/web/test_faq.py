"""The FAQ: questions as data (knowledge/faq.yaml), answered by the engine, served at /faq with
a FAQPage JSON-LD block that says what the page shows."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, Citation, ConversationState, Document, Paragraph, Quote, Turn
from bot.loading.defaults import packaged_dir, source_dir
from bot.loading.engine import load_engine
from bot.loading.errors import LoadError
from bot.web import faq as faq_module
from bot.web.faq import (
    FAQ_FILE,
    build_faq,
    faq_answer_problems,
    faq_problems,
    load_faq,
    scoped_question,
    shipped_faq_files,
)
from bot.web.faq_html import render_faq_page
from tests.fakes.bot import settings
from tests.logcapture import logged
from tests.web.pagetext import read_faq, visible_text
from tests.web.servers import web_client

session_loop = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
FAQ_YAML = ROOT / "knowledge" / FAQ_FILE


@pytest.fixture(scope="module")
def six_engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    """71/194 with five more resolutions, one of them a declaration adopted as an annex."""
    folder = tmp_path_factory.mktemp("faq-six")
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    for name in ("73_3", "51_100", "73_6", "73_7", "73_8"):
        shutil.copy(ROOT / "tests" / "fixtures" / "resolutions" / f"A_RES_{name}.txt", folder)
    return load_engine(folder, ROOT / "intents")


def clean_texts(engine: AnswerEngine) -> dict[tuple[str, str], str]:
    return {(d.symbol, p.id): p.text for d in engine.documents for p in d.paragraphs}


def test_the_faq_questions_are_general_and_all_answered_from_the_text(
    engine: AnswerEngine,
) -> None:
    spec = load_faq(FAQ_YAML)
    questions = [q for theme in spec.themes for q in theme.questions]
    assert len(spec.themes) >= 3 and len(questions) >= 10
    assert "What is this resolution about?" in questions
    assert "When was it adopted?" in questions
    assert "What does the General Assembly request?" in questions
    for question in questions:  # valid for any resolution: no symbol, number or title
        assert not re.search(r"\d+/\d+|A/RES|human rights", question), question
    faq = build_faq(engine, spec)
    assert faq.skipped == ()
    assert [e.question for e in faq.entries()] == questions


def test_every_quote_is_verbatim_and_every_answer_cites_its_document(
    engine: AnswerEngine,
) -> None:
    faq = build_faq(engine, load_faq(FAQ_YAML))
    texts = clean_texts(engine)
    for entry in faq.entries():
        assert entry.answer.citations[0].url == "https://undocs.org/A/RES/71/194"
        for quote in entry.answer.quotes:
            for fragment in quote.text.split(" … "):
                assert fragment.strip("…") in texts[(quote.document, quote.paragraph)]


@session_loop
async def test_faq_page_is_server_rendered_and_its_json_ld_matches_what_it_shows(
    engine: AnswerEngine,
) -> None:
    async with web_client(settings(), engine) as (client, _):
        response = await client.get("/faq")
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    reader = read_faq(page)
    assert reader.scripts == ["application/ld+json"]  # readable without JavaScript
    [data] = reader.json_ld
    assert data["@context"] == "https://schema.org" and data["@type"] == "FAQPage"
    questions = data["mainEntity"]
    assert len(questions) == len(reader.items) >= 10
    for item, question in zip(reader.items, questions, strict=True):
        assert question["@type"] == "Question"
        assert question["name"] == item.question
        accepted = question["acceptedAnswer"]
        assert accepted["@type"] == "Answer"
        assert visible_text(accepted["text"]) == visible_text(item.answer)
        assert {c["url"] for c in accepted["citation"]} <= {href for href, _ in item.links}
    spec = load_faq(FAQ_YAML)
    themes = [text for tag, text in reader.headings if tag == "h2"]
    assert themes == [t.theme for t in spec.themes]
    about = reader.items[0]
    assert about.question == "What is this resolution about?"
    assert about.quotes and about.quotes[0] in engine.documents[0].get("op1").text  # type: ignore[union-attr]
    assert ("https://undocs.org/A/RES/71/194", "A/RES/71/194, operative paragraph 1") in about.links


@session_loop
async def test_faq_page_has_one_section_per_document_with_scoped_questions(
    engine: AnswerEngine, multi_engine: AnswerEngine
) -> None:
    async with web_client(settings(), engine) as (client, service):
        single = await (await client.get("/faq")).text()
        service.swap_engine(multi_engine)  # a reload: the FAQ follows the engine served
        page = await (await client.get("/faq")).text()
    assert "resolution 73/8" not in single
    reader = read_faq(page)
    sections = [text for tag, text in reader.headings if tag == "h2"]
    assert [s.split(":")[0] for s in sections] == ["A/RES/71/194", "A/RES/73/8"]
    names = [q["name"] for q in reader.json_ld[0]["mainEntity"]]
    assert names == [item.question for item in reader.items]
    assert "When was resolution 73/8 adopted?" in names
    assert "What is resolution 71/194 about?" in names
    assert not any("in resolution 71/194?" in n and "resolution" in n[:-20] for n in names)
    texts = clean_texts(multi_engine)
    for item in reader.items:
        number = re.search(r"resolution (\d+/\d+)", item.question)
        assert number, item.question
        symbol = f"A/RES/{number.group(1)}"
        assert symbol in item.answer
        assert any(href == f"https://undocs.org/{symbol}" for href, _ in item.links)
        for quote in item.quotes:
            assert any(quote in text for (doc, _), text in texts.items() if doc == symbol)


def test_questions_the_text_does_not_answer_are_left_out(multi_engine: AnswerEngine) -> None:
    faq = build_faq(multi_engine, load_faq(FAQ_YAML))
    for section in faq.sections:
        for group in section.groups:
            for entry in group.entries:
                assert not entry.answer.fallback
                assert entry.answer.citations[0].document == section.symbol
    assert "A/RES/73/8: What does the General Assembly call upon States to do?" not in (faq.skipped)
    answered = len(list(faq.entries()))
    asked = 2 * sum(len(t.questions) for t in load_faq(FAQ_YAML).themes)
    assert answered + len(faq.skipped) == asked


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("What is this resolution about?", "What is resolution 73/8 about?"),
        ("What is the title of the resolution?", "What is the title of resolution 73/8?"),
        ("When was it adopted?", "When was resolution 73/8 adopted?"),
        ("Which documents does it cite?", "Which documents does resolution 73/8 cite?"),
        (
            "What does the first operative paragraph say?",
            "What does the first operative paragraph of resolution 73/8 say?",
        ),
        (
            "What does the General Assembly request?",
            "What does the General Assembly request in resolution 73/8?",
        ),
        ("Summary", "Summary in resolution 73/8?"),
    ],
)
def test_questions_read_naturally_for_each_document(question: str, heading: str) -> None:
    assert scoped_question(question, "73/8") == heading


def test_every_heading_of_a_multi_document_faq_names_its_resolution_once(
    multi_engine: AnswerEngine,
) -> None:
    faq = build_faq(multi_engine, load_faq(FAQ_YAML))
    for section in faq.sections:
        number = section.symbol.removeprefix("A/RES/")
        for entry in (e for g in section.groups for e in g.entries):
            assert entry.question.count("resolution") == 1, entry.question
            assert f"resolution {number}" in entry.question


def test_an_answer_citing_a_paragraph_without_the_key_terms_is_not_published(
    tmp_path: Path, engine: AnswerEngine
) -> None:
    """The engine answers "tolerance among penguins" from op3 (tolerance); op3 says nothing
    of penguins, so the entry is reported at its line and left out of the page."""
    path = tmp_path / FAQ_FILE
    path.write_text(
        "themes:\n  - theme: A\n    questions:\n      - When was it adopted?\n"
        "      - What does it say about tolerance among penguins?\n",
        encoding="utf-8",
    )
    faq = build_faq(engine, load_faq(path))
    assert [e.question for e in faq.entries()] == ["When was it adopted?"]
    [problem] = faq.problems
    assert problem.startswith(f"{path}:5: A/RES/71/194: What does it say about tolerance")
    assert "operative paragraph 3" in problem and "“penguins”" in problem
    assert faq_answer_problems(engine, tmp_path) == [problem]
    assert faq_answer_problems(engine, ROOT / "knowledge") == []


def test_the_shipped_faq_is_grounded_with_six_resolutions(six_engine: AnswerEngine) -> None:
    faq = build_faq(six_engine, load_faq(FAQ_YAML))
    assert faq.problems == ()
    assert len(faq.sections) == 6


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("themes: [\n", "invalid YAML"),
        ("title: FAQ\n", "'themes' is a required property"),
        ("themes:\n  - theme: A\n    questions: []\n", ":3: themes.0.questions"),
        ("themes:\n  - theme: A\n    questions:\n      - 5\n", ":4: themes.0.questions.0"),
        ("themes:\n  - theme: A\n    questions: [Why]\n    extra: 1\n", "themes.0"),
        (
            "themes:\n  - theme: A\n    questions:\n      - Why?\n  - theme: B\n"
            "    questions:\n      - why?\n",
            ":7: themes.1.questions.0: duplicate question",
        ),
    ],
)
def test_an_invalid_faq_file_is_reported_with_file_and_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / FAQ_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as raised:
        load_faq(path)
    assert any(p.startswith(str(path)) and problem in p for p in raised.value.problems), (
        raised.value.problems
    )
    assert faq_problems(tmp_path) == raised.value.problems


def test_the_shipped_faq_file_has_no_problems() -> None:
    assert faq_problems(ROOT / "knowledge") == []


@contextmanager
def routes_log(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """What bot.web.routes logs in the block."""
    with logged(caplog, "bot.web.routes", logging.INFO) as messages:
        yield messages


@session_loop
async def test_without_a_faq_file_the_shipped_default_is_used_and_logged(
    tmp_path: Path, engine: AnswerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    assert FAQ_YAML in shipped_faq_files()  # a source checkout: the top-level knowledge/
    with routes_log(caplog) as logged:
        async with web_client(settings(knowledge_dir=tmp_path), engine) as (client, _):
            startup = list(logged)
            response = await client.get("/faq")
            assert response.status == 200
            page = await response.text()
            own = tmp_path / FAQ_FILE  # the owner writes one: it takes over
            own.write_text(
                "title: Our questions\nthemes:\n  - theme: Dates\n    questions:\n"
                "      - When was it adopted?\n",
                encoding="utf-8",
            )
            ours = await (await client.get("/faq")).text()
    own.write_text("themes: 5\n", encoding="utf-8")  # a broken one is not replaced by the default
    async with web_client(settings(knowledge_dir=tmp_path), engine) as (client, _):
        response = await client.get("/faq")
        assert response.status == 503
        assert (await response.json())["error"] == "the FAQ is unavailable (invalid FAQ file)"
    shipped = [q for theme in load_faq(FAQ_YAML).themes for q in theme.questions]
    assert [item.question for item in read_faq(page).items] == shipped
    assert startup == [
        f"GET /faq asks the default questions of {FAQ_YAML} ({tmp_path / FAQ_FILE} does not exist)"
    ]
    assert [item.question for item in read_faq(ours).items] == ["When was it adopted?"]
    assert "<h1>Our questions</h1>" in ours
    assert f"GET /faq asks the questions of {own}" in logged


@session_loop
async def test_faq_route_without_any_faq_file_is_a_json_404(
    tmp_path: Path, engine: AnswerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faq_module, "shipped_faq_files", lambda: (tmp_path / "none" / FAQ_FILE,))
    async with web_client(settings(knowledge_dir=tmp_path), engine) as (client, _):
        response = await client.get("/faq")
        assert response.status == 404
        assert "no FAQ" in (await response.json())["error"]


def test_the_shipped_default_is_looked_for_in_the_wheel_then_the_checkout() -> None:
    assert shipped_faq_files() == (
        packaged_dir("knowledge") / FAQ_FILE,
        source_dir("knowledge") / FAQ_FILE,
    )


class HostileEngine:
    """One document whose every text is markup, to prove the page escapes all of it."""

    PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)">'

    def __init__(self) -> None:
        paragraph = Paragraph(id="op1", kind="op", number=1, text=f"Urges {self.PAYLOAD}")
        self.documents = (
            Document(symbol="A/RES/1/1", number="1/1", title=self.PAYLOAD, paragraphs=(paragraph,)),
        )

    def reply(self, message: str, state: ConversationState) -> Turn:
        citation = Citation("A/RES/1/1", "op1", f"label {self.PAYLOAD}", "javascript:alert(3)")
        quote = Quote("A/RES/1/1", "op1", f"Urges {self.PAYLOAD}", ((0, 10),))
        answer = Answer(
            text=self.PAYLOAD,
            intent="x",
            confidence=1.0,
            citations=(citation,),
            quotes=(quote,),
            lead=f"{message} {self.PAYLOAD}",
            notes=(self.PAYLOAD,),
        )
        return Turn(answer, state)

    def unsupported_terms(self, question: str, answer: Answer) -> tuple[str, ...]:
        return ()


def test_faq_page_escapes_every_text_and_links_only_web_urls() -> None:
    engine: Any = HostileEngine()
    page = render_faq_page(build_faq(engine, load_faq(FAQ_YAML)))
    reader = read_faq(page)
    assert reader.scripts == ["application/ld+json"]
    assert "<img" not in page and "<script>alert" not in page
    assert "javascript:" not in page.replace('"url": "javascript:alert(3)"', "")
    assert all(href.startswith("https://") for item in reader.items for href, _ in item.links)
    assert HostileEngine.PAYLOAD in reader.items[0].answer  # shown, as text
    assert reader.json_ld[0]["mainEntity"][0]["acceptedAnswer"]["citation"] == []
