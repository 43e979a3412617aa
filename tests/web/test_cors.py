"""Cross-origin calls to /api/ask: only the origins in RESBOT_CORS_ORIGINS get a CORS grant;
and the website routes' own headers. No browser: what the browser would be told."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings
from bot.web import setup_web
from bot.web.cors import RefusalLog, normalise_origins, refusal_message
from tests.fakes.bot import settings
from tests.fakes.engine import ScriptedEngine
from tests.logcapture import logged
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
async def test_other_origins_are_refused_with_what_to_set_and_never_answered() -> None:
    engine = ScriptedEngine()
    async with web_client(cors_settings(), engine) as (client, _):
        response = await client.post("/api/ask", json=ASK, headers={"Origin": OTHER})
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Origin" in response.headers.getall("Vary")
        assert await response.json() == {
            "error": f"origin {OTHER} is not allowed to call this bot; add it to "
            "RESBOT_CORS_ORIGINS (comma-separated) and restart"
        }
        response = await client.post("/api/ask", json=ASK, headers={"Origin": "null"})
        assert response.status == 403
        error = (await response.json())["error"]
        assert "file://" in error and "RESBOT_CORS_ORIGINS" in error
        response = await client.post(
            "/api/ask", json=ASK, headers={"Origin": SITE.replace("site", "site2")}
        )
        assert response.status == 403  # a neighbour of an allowed origin is another origin
    assert engine.messages == []


@session_loop
async def test_same_origin_calls_are_answered_without_a_grant() -> None:
    """The bot's own pages (/demo): no Origin, or the bot's own, or behind a proxy that ends TLS
    (another scheme) or rewrites the host (the browser's Sec-Fetch-Site says same-origin)."""
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        own = str(client.make_url("")).rstrip("/")
        for headers in (
            {},
            {"Origin": own},
            {"Origin": own.replace("http://", "https://")},
            {"Origin": "https://bot.example.org", "X-Forwarded-Host": "bot.example.org"},
            {"Origin": "https://bot.example.org", "Sec-Fetch-Site": "same-origin"},
        ):
            response = await client.post("/api/ask", json=ASK, headers=headers)
            assert response.status == 200, headers
            assert "Access-Control-Allow-Origin" not in response.headers
        response = await client.post(
            "/api/ask", json=ASK, headers={"Origin": OTHER, "Sec-Fetch-Site": "cross-site"}
        )
        assert response.status == 403


@session_loop
async def test_a_refused_preflight_says_what_to_set() -> None:
    async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
        response = await client.options("/api/ask", headers=preflight(OTHER))
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers
        error = (await response.json())["error"]
        assert error.startswith(f"origin {OTHER} is not allowed to call this bot")
        assert "add it to RESBOT_CORS_ORIGINS (comma-separated) and restart" in error
        # An allowed origin asking for another method: aiohttp-cors's reason, as JSON.
        response = await client.options("/api/ask", headers=preflight(SITE, "DELETE"))
        assert response.status == 403
        error = (await response.json())["error"]
        assert "'DELETE' is not allowed" in error and SITE in error
        response = await client.options("/api/ask", headers={"Origin": SITE})
        assert "Access-Control-Request-Method" in (await response.json())["error"]


@contextmanager
def cors_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """The warnings bot.web.cors logs in the block."""
    with logged(caplog, "bot.web.cors", logging.WARNING) as messages:
        yield messages


@session_loop
async def test_refusals_are_logged_once_per_origin_naming_origin_and_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    third = "https://third.example.com"
    with cors_warnings(caplog) as warnings:
        async with web_client(cors_settings(), ScriptedEngine()) as (client, _):
            for _ in range(5):  # a busy page
                assert (await client.options("/api/ask", headers=preflight(OTHER))).status == 403
                response = await client.post("/api/ask", json=ASK, headers={"Origin": OTHER})
                assert response.status == 403
            assert (await client.get("/api/starters", headers={"Origin": third})).status == 403
            response = await client.post("/api/ask", json=ASK, headers={"Origin": SITE})
            assert response.status == 200  # allowed: not logged
    assert len(warnings) == 2, warnings
    assert f"from origin {OTHER}:" in warnings[0] and "RESBOT_CORS_ORIGINS" in warnings[0]
    assert "OPTIONS /api/ask" in warnings[0]
    assert f"GET /api/starters from origin {third}:" in warnings[1]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused_request(origin: str) -> web.Request:
    return make_mocked_request("OPTIONS", "/api/ask", headers={"Origin": origin})


def test_the_refusal_log_forgets_an_origin_after_its_interval_and_is_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    refusals = RefusalLog(interval=300, capacity=3, clock=clock)
    with cors_warnings(caplog) as warnings:
        for _ in range(3):
            refusals.refused(refused_request(OTHER), OTHER)
        clock.now += 299
        refusals.refused(refused_request(OTHER), OTHER)
        clock.now += 2
        refusals.refused(refused_request(OTHER), OTHER)  # 301 s after the first warning
        for n in range(10):  # made-up origins: two more fit, then one note for the rest
            refusals.refused(refused_request(f"https://{n}.example"), f"https://{n}.example")
    assert len(warnings) == 5, warnings
    assert [OTHER in w for w in warnings] == [True, True, False, False, False]
    assert "https://0.example" in warnings[2] and "https://1.example" in warnings[3]
    assert "more than 3 origins" in warnings[4]


def test_origins_are_escaped_in_logs_and_messages(caplog: pytest.LogCaptureFixture) -> None:
    hostile = "https://x.example\x1b[2J\r\nFAKE LOG LINE\u2028" + "a" * 500
    with cors_warnings(caplog) as warnings:
        RefusalLog().refused(refused_request("https://x.example"), hostile)
    [line] = warnings
    assert not any(ord(c) < 32 or ord(c) > 126 for c in line.replace("…", ""))
    assert "\\x1b[2J\\r\\nFAKE LOG LINE\\u2028" in line
    assert len(line) < 600
    message = refusal_message(hostile)
    assert "\n" not in message and "\\x1b" in message and len(message) < 400


@session_loop
async def test_a_wildcard_allows_every_origin_and_refuses_none() -> None:
    async with web_client(settings(cors_origins=("*",)), ScriptedEngine()) as (client, _):
        response = await client.post("/api/ask", json=ASK, headers={"Origin": OTHER})
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == OTHER
        response = await client.options("/api/ask", headers=preflight(OTHER))
        assert response.status == 200


@session_loop
async def test_with_no_origins_listed_no_site_gets_a_grant() -> None:
    async with web_client(settings(), ScriptedEngine()) as (client, _):
        response = await client.options("/api/ask", headers=preflight(SITE))
        assert response.status == 403
        assert "add it to RESBOT_CORS_ORIGINS" in (await response.json())["error"]
        response = await client.post("/api/ask", json=ASK, headers={"Origin": SITE})
        assert response.status == 403
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
