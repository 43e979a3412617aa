"""Cross-origin calls to /api/ask: only the origins in RESBOT_CORS_ORIGINS get a CORS grant;
and the website routes' own headers. No browser: what the browser would be told."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp import web

from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings
from bot.web import setup_web
from bot.web.cors import normalise_origins
from tests.fakes.bot import settings
from tests.fakes.engine import ScriptedEngine
from tests.web.servers import web_client

session_loop = pytest.mark.asyncio(loop_scope="session")

SITE = "https://site.example.org"
OTHER = "https://evil.example.net"
ASK = {"sender": "s", "message": "hi"}


def cors_settings() -> Settings:
    return settings(cors_origins=(" HTTPS://Site.Example.org/ ", "http://localhost:8000"))


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type",
    }


@session_loop
async def test_an_allowed_origin_gets_the_answer_with_a_cors_grant() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        response = await client.post("/api/ask", json=ASK, headers={"Origin": SITE})
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" in response.headers.getall("Vary")


@session_loop
async def test_other_origins_and_same_origin_calls_get_no_grant() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        for headers in ({"Origin": OTHER}, {"Origin": "null"}, {}):
            response = await client.post("/api/ask", json=ASK, headers=headers)
            assert response.status == 200  # answered, but a browser will not show it
            assert "Access-Control-Allow-Origin" not in response.headers


@session_loop
async def test_preflight_is_granted_to_allowed_origins_only() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        response = await client.options("/api/ask", headers=preflight(SITE))
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        assert response.headers["Access-Control-Allow-Methods"] == "POST"
        assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
        assert int(response.headers["Access-Control-Max-Age"]) > 0
        for headers in (preflight(OTHER), preflight(SITE, "DELETE"), {"Origin": SITE}, {}):
            response = await client.options("/api/ask", headers=headers)
            assert response.status == 403, headers
            assert "Access-Control-Allow-Origin" not in response.headers
            assert "error" in await response.json()


@session_loop
async def test_with_no_origins_listed_no_site_gets_a_grant() -> None:
    async with web_client(settings(), ScriptedEngine()) as (client, _):
        response = await client.options("/api/ask", headers=preflight(SITE))
        assert response.status == 403
        response = await client.post("/api/ask", json=ASK, headers={"Origin": SITE})
        assert "Access-Control-Allow-Origin" not in response.headers


@session_loop
async def test_errors_carry_the_grant_so_the_widget_can_explain_them() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        response = await client.post(
            "/api/ask", data=b"{" + b" " * 70_000 + b"}", headers={"Origin": SITE}
        )
        assert response.status == 413
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        json_type = {"Origin": SITE, "Content-Type": "application/json"}
        response = await client.post("/api/ask", data=b"[]", headers=json_type)
        assert response.status == 400
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        response = await client.post("/api/ask", data=b"[]", headers={"Origin": SITE})
        assert response.status == 415
        assert response.headers["Access-Control-Allow-Origin"] == SITE


def test_origins_are_normalised_as_browsers_send_them(caplog: pytest.LogCaptureFixture) -> None:
    given = ["https://A.example/", "https://a.example", "*", "a.example", "https://b.example/x"]
    logger = logging.getLogger("bot.web.cors")  # directly: other tests may stop propagation
    with caplog.at_level(logging.WARNING, logger="bot.web.cors"):
        logger.addHandler(caplog.handler)
        try:
            assert normalise_origins(given) == ("https://a.example", "*")
        finally:
            logger.removeHandler(caplog.handler)
    assert "'a.example'" in caplog.text and "https://b.example/x" in caplog.text


def test_setup_web_needs_the_api_route_first() -> None:
    service = ConversationService(ScriptedEngine(), MemorySessionStore())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="after /api/ask"):
        setup_web(web.Application(), settings(), service)


@session_loop
async def test_widget_script_demo_page_and_their_headers(engine: Any) -> None:
    async with web_client(settings(), engine) as (client, _):
        response = await client.get("/widget.js")
        assert response.status == 200
        assert response.content_type == "text/javascript"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age" in response.headers["Cache-Control"]
        assert (await response.text()).lstrip().startswith("/*!")
        response = await client.get("/demo")
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
        assert '<script src="/widget.js" data-title="Ask about A/RES/71/194" defer>' in page
        assert f"&lt;script src=&quot;{client.make_url('')}".rstrip("/") in page
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        opened = await (await client.get("/demo?open=1")).text()
        assert 'data-open="true"' in opened
        for path in ("/widget.js", "/faq", "/demo"):
            assert (await client.head(path)).status == 200
            assert (await client.post(path)).status == 405


REST = "/webhooks/rest/webhook"


@session_loop
async def test_rasa_web_chat_clients_on_allowed_origins_get_a_preflight_and_a_grant() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        response = await client.options(REST, headers=preflight(SITE))
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == SITE
        answer = await client.post(REST, json=ASK, headers={"Origin": SITE})
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == SITE
        assert "Origin" in answer.headers.getall("Vary")
        refused = await client.options(REST, headers=preflight(OTHER))
        assert refused.status == 403 and "Access-Control-Allow-Origin" not in refused.headers
