"""The generic channels: `POST /api/ask` (the Answer) and the Rasa-compatible REST webhook."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.models import Answer
from tests.fakes.bot import running_bot, settings
from tests.fakes.engine import ScriptedEngine

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_ask_returns_the_answer_with_verbatim_quotes(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:
        response = await client.post(
            "/api/ask", json={"sender": "ann", "message": "What does the resolution urge?"}
        )
        assert response.status == 200
        answer = await response.json()
    assert answer["fallback"] is False
    assert answer["citations"][0]["url"] == "https://undocs.org/A/RES/71/194"
    paragraphs = {p.id: p.text for p in engine.documents[0].paragraphs}
    for quote in answer["quotes"]:
        for start, end in quote["spans"]:
            assert paragraphs[quote["paragraph"]][start:end] in quote["text"]


async def test_follow_ups_stay_within_one_sender(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:

        async def ask(sender: str, message: str) -> dict[str, Any]:
            response = await client.post("/api/ask", json={"sender": sender, "message": message})
            assert response.status == 200
            result: dict[str, Any] = await response.json()
            return result

        first = await ask("ann", "What does operative paragraph 3 say?")
        assert first["citations"][0]["paragraph"] == "op3"
        assert (await ask("ann", "and the next paragraph?"))["citations"][0]["paragraph"] == "op4"
        other = await ask("bob", "and the next paragraph?")
        assert not other["citations"] or other["citations"][0]["paragraph"] != "op4"


BAD_BODIES = [
    (b"", "empty"),
    (b"not json", "not valid JSON"),
    (b'{"sender": "a", ', "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object, not an array"),
    (b'"hello"', "must be a JSON object, not a string"),
    (b"null", "must be a JSON object, not null"),
    (b"[" * 5000 + b"]" * 5000, "request body"),
    (b'{"message": "hi"}', "missing field 'sender'"),
    (b'{"sender": "a"}', "missing field 'message'"),
    (b'{"sender": 7, "message": "hi"}', "field 'sender' must be a string, not a number"),
    (b'{"sender": "a", "message": null}', "field 'message' must be a string, not null"),
    (b'{"sender": "a", "message": ["hi"]}', "field 'message' must be a string, not an array"),
    (b'{"sender": "a", "message": true}', "field 'message' must be a string, not a boolean"),
    (b'{"sender": "a", "message": ""}', "field 'message' is empty"),
    (b'{"sender": "a", "message": " \\n\\t "}', "field 'message' is empty"),
    (b'{"sender": "   ", "message": "hi"}', "field 'sender' is empty"),
    (b'{"sender": "' + b"s" * 257 + b'", "message": "hi"}', "field 'sender' is too long"),
]


@pytest.mark.parametrize("path", ["/api/ask", "/webhooks/rest/webhook"])
async def test_bad_requests_get_a_400_saying_what_was_wrong(path: str) -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        for body, problem in BAD_BODIES:
            response = await client.post(
                path, data=body, headers={"Content-Type": "application/json"}
            )
            assert response.status == 400, body[:40]
            assert response.content_type == "application/json"
            assert problem in (await response.json())["error"], body[:40]


@pytest.mark.parametrize("path", ["/api/ask", "/webhooks/rest/webhook"])
async def test_a_message_over_the_limit_is_a_422_saying_so(path: str) -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        response = await client.post(path, json={"sender": "a", "message": "x" * 2001})
        assert response.status == 422
        error = (await response.json())["error"]
        assert error == "field 'message' is too long (2001 > 2000 characters)"
        at_limit = await client.post(path, json={"sender": "a", "message": " x" * 1000})
        assert at_limit.status == 200


async def test_oversized_body_is_a_413() -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        response = await client.post("/api/ask", data=b"{" + b" " * 70_000 + b"}")
        assert response.status == 413
        assert "too large" in (await response.json())["error"]


async def test_unknown_routes_and_wrong_methods_are_json() -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        response = await client.get("/nope/<script>")
        assert response.status == 404
        assert (await response.json())["error"].startswith("not found: GET /nope/")
        response = await client.get("/api/ask")
        assert response.status == 405
        assert "POST" in response.headers["Allow"].split(", ")
        assert "method not allowed" in (await response.json())["error"]
        response = await client.delete("/healthz")
        assert response.status == 405


async def test_rest_webhook_speaks_rasa(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:
        assert await (await client.get("/webhooks/rest/")).json() == {"status": "ok"}
        response = await client.post(
            "/webhooks/rest/webhook",
            json={"sender": "widget-1", "message": "What does the resolution urge?"},
        )
        assert response.status == 200
        bubbles = await response.json()
    assert isinstance(bubbles, list) and len(bubbles) > 1
    assert all(b["recipient_id"] == "widget-1" and b["text"] for b in bubbles)
    assert any(b["text"].startswith("“Urges") for b in bubbles)
    assert "You can ask" not in " ".join(b["text"] for b in bubbles)
    buttons = bubbles[-1]["buttons"]
    assert buttons and all(b["title"] == b["payload"] for b in buttons)


async def test_rest_and_api_share_the_web_session(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:
        await client.post(
            "/webhooks/rest/webhook",
            json={"sender": "w", "message": "What does operative paragraph 3 say?"},
        )
        response = await client.post("/api/ask", json={"sender": "w", "message": "next one"})
        assert (await response.json())["citations"][0]["paragraph"] == "op4"


async def test_answer_with_only_suggestions_still_gives_a_bubble() -> None:
    answer = Answer(text="", intent="x", confidence=0.0, suggestions=("Try this?",))
    async with running_bot(settings(), ScriptedEngine(answer)) as client:
        response = await client.post("/webhooks/rest/webhook", json={"sender": "s", "message": "m"})
        bubbles = await response.json()
    assert bubbles == [
        {
            "recipient_id": "s",
            "text": "You can ask:",
            "buttons": [{"title": "Try this?", "payload": "Try this?"}],
        }
    ]


@pytest.mark.parametrize("path", ["/api/ask", "/webhooks/rest/webhook"])
async def test_bodies_must_say_they_are_json(path: str) -> None:
    """A cross-origin form or text/plain POST needs no preflight: it must not be processed."""
    engine = ScriptedEngine()
    body = b'{"sender": "a", "message": "hi"}'
    async with running_bot(settings(), engine) as client:
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"Content-Type": content_type} if content_type else {}
            response = await client.post(path, data=body, headers=headers)
            assert response.status == 415, content_type
            assert "application/json" in (await response.json())["error"]
        for content_type in ("application/json", "application/json; charset=utf-8"):
            response = await client.post(path, data=body, headers={"Content-Type": content_type})
            assert response.status == 200
    assert engine.messages == ["hi", "hi"]


async def test_the_message_limit_counts_after_trimming() -> None:
    async with running_bot(settings(max_message_chars=20), ScriptedEngine()) as client:
        padded = "  \n" + "x" * 20 + "\t  \u3000"
        response = await client.post("/api/ask", json={"sender": "a", "message": padded})
        assert response.status == 200
        response = await client.post("/api/ask", json={"sender": "a", "message": "x" * 21})
        assert response.status == 422
        assert "(21 > 20 characters)" in (await response.json())["error"]
