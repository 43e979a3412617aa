"""GET /api/starters: the questions the widget opens with, made from the loaded documents and
kept only when the engine answers them from the document they name; CORS like /api/ask."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, Citation, ConversationState, Document, Paragraph, Turn
from bot.web.faq import grounded
from bot.web.starters import MAX_STARTERS, base_form, build_starters, operative_verbs
from tests.fakes.bot import settings
from tests.fakes.engine import ScriptedEngine
from tests.web.servers import web_client

session_loop = pytest.mark.asyncio(loop_scope="session")

SITE = "https://site.example.org"
OTHER = "https://evil.example.net"


def answered_from(engine: Any, question: str, symbol: str) -> bool:
    return grounded(engine.reply(question, ConversationState()).answer, symbol)


@session_loop
async def test_the_starters_of_one_resolution_are_answered_from_its_text(
    engine: AnswerEngine,
) -> None:
    async with web_client(settings(), engine) as (client, _):
        response = await client.get("/api/starters")
        assert response.status == 200
        assert response.content_type == "application/json"
        questions = (await response.json())["questions"]
    assert questions[0] == "What is resolution 71/194 about?"
    assert "When was it adopted?" in questions
    assert 3 <= len(questions) <= MAX_STARTERS
    document = engine.documents[0]
    leads = {base_form(p.lead) for p in document.of_kind("op")}
    asks = [q for q in questions if q.startswith("What does the General Assembly ")]
    assert asks, questions  # a question made from what the resolution asks for
    for question in asks:
        assert question.removeprefix("What does the General Assembly ").rstrip("?") in leads
    for question in questions:
        assert answered_from(engine, question, document.symbol), question


@session_loop
async def test_the_starters_follow_the_engine_and_name_each_resolution(
    engine: AnswerEngine, multi_engine: AnswerEngine
) -> None:
    async with web_client(settings(), engine) as (client, service):
        single = (await (await client.get("/api/starters")).json())["questions"]
        service.swap_engine(multi_engine)  # a reload
        several = (await (await client.get("/api/starters")).json())["questions"]
        service.swap_engine(ScriptedEngine())  # type: ignore[arg-type]
        empty = await (await client.get("/api/starters")).json()
    assert several != single
    assert several[:2] == ["What is resolution 71/194 about?", "What is resolution 73/8 about?"]
    for question in several:  # with several loaded, each question names its resolution
        number = "73/8" if "73/8" in question else "71/194"
        assert f"resolution {number}" in question, question
        assert answered_from(multi_engine, question, f"A/RES/{number}"), question
    assert empty == {"questions": []}


class OneDocumentEngine:
    """A made-up Security Council resolution; answers cite it, except adoption questions."""

    def __init__(self) -> None:
        leads = ("Demands", "Also requests", "Takes note", "Stresses", "Demands")
        paragraphs = tuple(
            Paragraph(id=f"op{n}", kind="op", number=n, text=f"{lead} things.", lead=lead)
            for n, lead in enumerate(leads, start=1)
        )
        self.documents = (
            Document(
                symbol="S/RES/2231 (2015)",
                number="2231 (2015)",
                title="Non-proliferation",
                paragraphs=paragraphs,
            ),
        )
        self.asked: list[str] = []

    def reply(self, message: str, state: ConversationState) -> Turn:
        self.asked.append(message)
        citation = Citation("S/RES/2231 (2015)", "op1", "op 1", "https://undocs.org/x")
        answer = Answer(text="x", intent="x", confidence=1.0, citations=(citation,))
        if "adopted" in message:
            answer = replace(answer, fallback=True)
        return Turn(answer, state)


def test_starters_are_made_from_any_document_and_only_kept_when_answered() -> None:
    engine: Any = OneDocumentEngine()
    assert build_starters(engine) == (
        "What is resolution 2231 (2015) about?",
        "What does the resolution demand?",
        "What does the resolution stress?",
    )
    assert "When was it adopted?" in engine.asked  # asked, not answered from the text: left out
    assert operative_verbs(engine.documents[0]) == ["demand", "stress"]


@pytest.mark.parametrize(
    ("lead", "verb"),
    [
        ("Urges", "urge"),
        ("Calls upon", "call upon"),
        ("Stresses", "stress"),
        ("Notifies", "notify"),
        ("Emphasizes", "emphasize"),
        ("Also emphasizes", ""),
        ("Takes note of", ""),
        ("Recalling", ""),
        ("", ""),
    ],
)
def test_base_form(lead: str, verb: str) -> None:
    assert base_form(lead) == verb


@session_loop
async def test_starters_have_the_cors_of_the_api(engine: AnswerEngine) -> None:
    async with web_client(settings(cors_origins=(SITE,)), engine) as (client, _):
        response = await client.get("/api/starters", headers={"Origin": SITE})
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        assert "Origin" in response.headers.getall("Vary")
        assert (await response.json())["questions"]
        preflight = {"Origin": SITE, "Access-Control-Request-Method": "GET"}
        response = await client.options("/api/starters", headers=preflight)
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Methods"] == "GET"
        response = await client.options(
            "/api/starters", headers={**preflight, "Access-Control-Request-Method": "POST"}
        )
        assert response.status == 403
        response = await client.get("/api/starters", headers={"Origin": OTHER})
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        assert f"origin {OTHER} is not allowed" in (await response.json())["error"]
        assert (await client.post("/api/starters")).status == 405
