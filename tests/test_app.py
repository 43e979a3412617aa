"""The application as a whole: operations endpoints, the OpenAPI description kept true against
real responses, access logs, errors, and `resbot serve` start-up and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.logs import JsonLinesFormatter, KeyValueFormatter
from bot.server.openapi import load_openapi
from bot.server.responses import json_response
from bot.server.run import serve_command
from bot.server.sessions import MemorySessionStore
from bot.server.settings import Settings
from tests.fakes.bot import (
    SLACK_SECRET,
    SLACK_TOKEN,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    running_bot,
    settings,
    slack_headers,
)
from tests.fakes.engine import ScriptedEngine

ROOT = Path(__file__).resolve().parent.parent
SPEC = load_openapi()
REGISTRY = Registry().with_resource(
    "urn:openapi", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)
TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
ADMIN_TOKEN = "admin-Token-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def all_channels(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SLACK_SECRET,
        "slack_bot_token": SLACK_TOKEN,
        "slack_api_url": "http://127.0.0.1:9/api",
        "telegram_secret_token": TELEGRAM_SECRET,
        "telegram_bot_token": TELEGRAM_TOKEN,
        "telegram_api_url": "http://127.0.0.1:9",
        "admin_token": ADMIN_TOKEN,
        "knowledge_dir": ROOT / "knowledge",
        "intents_dir": ROOT / "intents",
    }
    values.update(overrides)
    return settings(**values)


def escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


async def conforms(response: aiohttp.ClientResponse, path: str) -> None:
    """The response's status, content type and body are what the spec says for this route."""
    method = response.method.lower()
    documented = SPEC["paths"][path][method]["responses"].get(str(response.status))
    assert documented, f"{method} {path}: {response.status} is not documented"
    assert response.content_type in documented["content"], (path, response.content_type)
    if response.content_type != "application/json":
        return
    pointer = "/".join(
        escape_pointer(p)
        for p in (
            "paths",
            path,
            method,
            "responses",
            str(response.status),
            "content",
            response.content_type,
            "schema",
        )
    )
    validator = Draft202012Validator({"$ref": f"urn:openapi#/{pointer}"}, registry=REGISTRY)
    validator.validate(await response.json())


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    app = create_app(all_channels(), ConversationService(ScriptedEngine(), MemorySessionStore()))  # type: ignore[arg-type]
    served = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item}
    assert served == documented


async def test_real_responses_match_the_openapi_description(engine: Any) -> None:
    slack_body = b'{"type": "url_verification", "challenge": "abc"}'
    event = json.dumps(
        {"type": "event_callback", "event_id": "Ev1", "event": {"type": "reaction_added"}}
    ).encode()
    command = b"user_id=U1&team_id=T1&channel_id=C1&command=%2Fresbot&text=When+was+it+adopted%3F"
    update = {"update_id": 1, "message": {"message_id": 2, "chat": {"id": 3}, "text": "hi"}}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with running_bot(all_channels(), engine) as client:
        ask = {"sender": "s", "message": "What does the resolution urge?"}
        cases = [
            ("/api/ask", client.post("/api/ask", json=ask)),
            ("/api/ask", client.post("/api/ask", json={"sender": "s", "message": "football"})),
            ("/api/ask", client.post("/api/ask", json={"sender": "s"})),
            ("/api/ask", client.post("/api/ask", data=b"x" * 70_000)),
            ("/webhooks/rest/", client.get("/webhooks/rest/")),
            ("/webhooks/rest/webhook", client.post("/webhooks/rest/webhook", json=ask)),
            ("/webhooks/rest/webhook", client.post("/webhooks/rest/webhook", data=b"[]")),
            (
                "/webhooks/slack/events",
                client.post(
                    "/webhooks/slack/events", data=slack_body, headers=slack_headers(slack_body)
                ),
            ),
            (
                "/webhooks/slack/events",
                client.post("/webhooks/slack/events", data=event, headers=slack_headers(event)),
            ),
            ("/webhooks/slack/events", client.post("/webhooks/slack/events", data=slack_body)),
            (
                "/webhooks/slack/events",
                client.post("/webhooks/slack/events", data=b"{", headers=slack_headers(b"{")),
            ),
            (
                "/webhooks/slack/command",
                client.post(
                    "/webhooks/slack/command",
                    data=command,
                    headers=slack_headers(command, content_type=form["Content-Type"]),
                ),
            ),
            (
                "/webhooks/slack/command",
                client.post(
                    "/webhooks/slack/command",
                    data=b"ssl_check=1",
                    headers=slack_headers(b"ssl_check=1", content_type=form["Content-Type"]),
                ),
            ),
            (
                "/webhooks/telegram",
                client.post("/webhooks/telegram", json=update, headers=TELEGRAM),
            ),
            (
                "/webhooks/telegram",
                client.post("/webhooks/telegram", json={"update_id": 9}, headers=TELEGRAM),
            ),
            ("/webhooks/telegram", client.post("/webhooks/telegram", json=update)),
            (
                "/webhooks/telegram",
                client.post("/webhooks/telegram", json={"update_id": "x"}, headers=TELEGRAM),
            ),
            ("/healthz", client.get("/healthz")),
            ("/metrics", client.get("/metrics")),
            ("/openapi.json", client.get("/openapi.json")),
            ("/admin/reload", client.post("/admin/reload", headers=ADMIN)),
            ("/admin/reload", client.post("/admin/reload")),
            ("/api/ask", client.post("/api/ask", json={"sender": "s", "message": "x" * 2001})),
        ]
        for path, request in cases:
            async with await request as response:
                await conforms(response, path)


async def test_channels_that_are_off_answer_a_documented_404() -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        for path in ("/webhooks/slack/events", "/webhooks/slack/command", "/webhooks/telegram"):
            response = await client.post(path, data=b"{}")
            assert response.status == 404
            Draft202012Validator(SPEC["components"]["schemas"]["Error"]).validate(
                await response.json()
            )


async def test_healthz_reports_documents_intents_sessions_and_channels(engine: Any) -> None:
    async with running_bot(settings(telegram_secret_token="t"), engine) as client:
        await client.post("/api/ask", json={"sender": "a", "message": "hello"})
        health = await (await client.get("/healthz")).json()
    symbols = [d.symbol for d in engine.documents]
    assert health["documents"] == {"count": len(symbols), "symbols": symbols}
    assert "A/RES/71/194" in symbols
    assert health["intents"]["count"] == len(engine.intent_names) > 0
    assert health["status"] == "ok"
    assert health["sessions"] == {"backend": "memory", "ok": True, "sessions": 1}
    assert health["channels"] == {
        "api": True,
        "rest": True,
        "slack": False,
        "telegram": True,
        "admin": False,
    }
    assert health["pid"] == os.getpid()


async def test_metrics_count_requests_answers_and_fallbacks_per_app(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:
        await client.post("/api/ask", json={"sender": "a", "message": "When was it adopted?"})
        await client.post("/api/ask", json={"sender": "a", "message": "football scores"})
        await client.post("/api/ask", json={})
        await client.get("/no/such/page")
        response = await client.get("/metrics")
        assert response.content_type == "text/plain"
        text = await response.text()
    assert 'resbot_http_requests_total{method="POST",route="/api/ask",status="200"} 2.0' in text
    assert 'resbot_http_requests_total{method="POST",route="/api/ask",status="400"} 1.0' in text
    assert 'resbot_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'resbot_http_request_duration_seconds_count{route="/api/ask"} 3.0' in text
    assert 'resbot_answers_total{channel="api",intent="meta_adoption_date"} 1.0' in text
    assert 'resbot_fallbacks_total{channel="api"} 1.0' in text
    async with running_bot(settings(), engine) as client:
        fresh = await (await client.get("/metrics")).text()
    assert 'route="/api/ask"' not in fresh


async def test_request_ids_are_echoed_or_generated() -> None:
    async with running_bot(settings(), ScriptedEngine()) as client:
        given = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
        assert given.headers["X-Request-Id"] == "abc-123"
        made = await client.get("/healthz")
        bad = await client.get("/healthz", headers={"X-Request-Id": "x" * 200})
        not_found = await client.get("/missing", headers={"X-Request-Id": "nf-1"})
    assert len(made.headers["X-Request-Id"]) == 32
    assert len(bad.headers["X-Request-Id"]) == 32
    assert not_found.headers["X-Request-Id"] == "nf-1"


async def test_access_logs_carry_request_ids_but_no_secrets_or_message_text(
    caplog: pytest.LogCaptureFixture, engine: Any
) -> None:
    question = "What does the resolution say about dialogue?"
    caplog.set_level(logging.INFO)
    async with running_bot(all_channels(), engine) as client:
        await client.post(
            "/api/ask", json={"sender": "a", "message": question}, headers={"X-Request-Id": "r-1"}
        )
        update = {"update_id": 1, "message": {"message_id": 2, "chat": {"id": 3}, "text": question}}
        await client.post("/webhooks/telegram", json=update, headers=TELEGRAM)
        await client.post(
            "/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
    access = [r for r in caplog.records if r.name == "bot.server.access"]
    assert [r.fields["status"] for r in access] == [200, 200, 401]  # type: ignore[attr-defined]
    assert access[0].fields["request_id"] == "r-1"  # type: ignore[attr-defined]
    assert access[0].fields["route"] == "/api/ask"  # type: ignore[attr-defined]
    everything = " ".join(str(r.__dict__) for r in caplog.records)
    for secret in (question, SLACK_SECRET, SLACK_TOKEN, TELEGRAM_SECRET, TELEGRAM_TOKEN, "guess"):
        assert secret not in everything


async def test_message_text_is_logged_at_debug_level_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels")
    async with running_bot(settings(), ScriptedEngine()) as client:
        await client.post("/api/ask", json={"sender": "a", "message": "secret plans"})
    [record] = [r for r in caplog.records if "secret plans" in str(r.__dict__)]
    assert record.levelno == logging.DEBUG


def test_json_lines_formatter() -> None:
    record = logging.LogRecord(
        "bot.server.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None
    )
    record.fields = {"request_id": "r", "status": 200}
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["message"] == "GET /x" and line["request_id"] == "r" and line["level"] == "info"


def test_key_value_line_is_the_plain_formatters_line_with_its_fields() -> None:
    record = logging.LogRecord(
        "bot.server.access", logging.INFO, __file__, 1, "POST %s %s", ("/api/ask", 200), None
    )
    record.fields = {"request_id": "r", "status": 200, "duration_ms": 2.5, "odd": float("nan")}
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    line = KeyValueFormatter().format(record)
    assert line == f'{plain} request_id="r" status=200 duration_ms=2.5 odd=NaN'


def test_json_responses_are_utf8_json() -> None:
    response = json_response({"quote": "Côte d'Ivoire — “ok”"}, status=422, headers={"X-A": "1"})
    assert response.status == 422 and response.headers["X-A"] == "1"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert isinstance(response.body, bytes)
    assert json.loads(response.body.decode("utf-8")) == {"quote": "Côte d'Ivoire — “ok”"}


FORGED = "2026-11-29 06:00:00,000 INFO bot.server.access GET /admin/reload 200"


async def test_request_paths_cannot_forge_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    """%0a, %0d, escape sequences and line separators in a path stay inside their line, in
    the message part as in the fields."""
    caplog.set_level(logging.INFO, logger="bot.server.access")
    async with running_bot(settings(), ScriptedEngine()) as client:
        for separator in ("%0a", "%0d%0a", "%e2%80%a8", "%1b[2K%0d", "%c2%85"):
            await client.get(f"/x{separator}{FORGED.replace(' ', '%20')}")
    formatter = KeyValueFormatter()
    lines = [formatter.format(r) for r in caplog.records if r.name == "bot.server.access"]
    assert len(lines) == 5
    for line in lines:
        assert line.isprintable(), line  # no line break or control character of any kind
        assert " GET /x\\" in line and line.count(" INFO ") == 3  # its own; message, path=


def test_a_traceback_cannot_forge_log_lines() -> None:
    try:
        raise RuntimeError(f"boom\n{FORGED}")
    except RuntimeError:
        record = logging.LogRecord(
            "bot.server.app", logging.ERROR, __file__, 1, "failed on %s", ("/x\ny",), sys.exc_info()
        )
    first, *rest = KeyValueFormatter().format(record).split("\n")
    assert first.endswith("failed on /x\\ny")
    assert rest and all(line.startswith("  | ") for line in rest)


async def test_engine_failure_is_a_bare_500_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="bot.server.app")
    engine = ScriptedEngine(error=RuntimeError("boom at /secret/path"))
    async with running_bot(settings(), engine) as client:
        response = await client.post("/api/ask", json={"sender": "a", "message": "hi"})
        assert response.status == 500
        assert await response.json() == {"error": "internal error"}


async def test_nothing_a_client_sends_causes_a_5xx() -> None:
    rng = random.Random(4)
    bodies = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(12)]
    bodies += [
        b"{}",
        b'{"sender": {}, "message": {}}',
        b'{"type": "event_callback"}',
        b'{"update_id": 1, "message": {"chat": {"id": "x"}, "text": 5}}',
        b'{"type": "event_callback", "event": {"type": "app_mention", "user": 5}}',
        b'{"type": "url_verification", "challenge": 5}',
        "\u2028é".encode(),
    ]
    paths = [
        "/api/ask",
        "/webhooks/rest/webhook",
        "/webhooks/slack/events",
        "/webhooks/slack/command",
        "/webhooks/telegram",
        "/healthz",
        "/metrics",
    ]
    async with running_bot(all_channels(), ScriptedEngine()) as client:
        for path in paths:
            for body in bodies:
                for headers in (
                    {},
                    slack_headers(body),
                    TELEGRAM,
                    {"Content-Type": "multipart/form-data; boundary=x"},
                ):
                    response = await client.post(path, data=body, headers=headers)
                    assert response.status < 500, (path, body, headers)
                    assert "error" in await response.json() or response.status == 200


def test_serve_reports_invalid_knowledge_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = serve_command(settings(knowledge_dir=tmp_path / "missing", log_level="CRITICAL"))
    assert code == 2
    assert "the knowledge folder does not exist" in capsys.readouterr().err


async def test_serve_runs_until_sigterm_then_exits_cleanly() -> None:
    script = (
        "import sys; from bot.server.settings import Settings; "
        "from bot.server.run import serve_command; "
        "sys.exit(serve_command(Settings.from_env(port=0)))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line.startswith("resbot serving on http://127.0.0.1:")
        url = line.split(" on ", 1)[1].strip()
        async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
