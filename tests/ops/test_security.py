"""The security list of docs/deployment.md, checked: secrets never reach
the logs (every channel exercised, at DEBUG), no path escapes to files, admin and channels
off until their secret is set, YAML cannot construct objects, secrets are never compared
with ==."""

from __future__ import annotations

import ast
import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.loading.engine import load_engine
from bot.loading.errors import LoadError
from bot.server.app import create_app
from bot.server.conversation import ConversationService
from bot.server.sessions import MemorySessionStore
from tests.fakes.bot import settings, slack_signature
from tests.fakes.engine import ScriptedEngine
from tests.fakes.platforms import FakeSlackApi
from tests.ops.processes import INTENTS, KNOWLEDGE, ROOT, free_port, start_server

session_loop = pytest.mark.asyncio(loop_scope="session")

SECRETS = {
    "RESBOT_SLACK_SIGNING_SECRET": "sl4ck-Signing-SECRET-value",
    "RESBOT_SLACK_BOT_TOKEN": "xoxb-SLACK-bot-TOKEN-value",
    "RESBOT_TELEGRAM_SECRET_TOKEN": "tg-Secret-TOKEN-value",
    "RESBOT_TELEGRAM_BOT_TOKEN": "987654:TELEGRAM-bot-TOKEN-value",
    "RESBOT_ADMIN_TOKEN": "ADMIN-bearer-TOKEN-value",
}
REDIS_PASSWORD = "REDIS-pa55word-value"


LONG = "Which paragraphs mention human rights?"  # several messages on every platform


async def exercise_every_channel(url: str, response_url: str) -> None:
    slack_secret = SECRETS["RESBOT_SLACK_SIGNING_SECRET"]

    def signed(body: bytes, content_type: str, secret: str = slack_secret) -> dict[str, str]:
        ts = str(int(time.time()))
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(body, ts, secret),
        }

    mention = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1"}
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": "Ev1",
            "event": {**mention, "text": f"<@U0> {LONG}"},
        }
    ).encode()
    command = urlencode({"user_id": "U1", "text": LONG, "response_url": response_url}).encode()
    message = {"message_id": 1, "chat": {"id": 9}, "from": {"id": 9}, "text": LONG}
    update = {"update_id": 5, "message": message}
    telegram = {"X-Telegram-Bot-Api-Secret-Token": SECRETS["RESBOT_TELEGRAM_SECRET_TOKEN"]}
    forged_telegram = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    admin = {"Authorization": f"Bearer {SECRETS['RESBOT_ADMIN_TOKEN']}"}
    json_type, form = "application/json", "application/x-www-form-urlencoded"
    ask = {"sender": "s", "message": "What does operative paragraph 3 say?"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/ask", {"json": ask}),
        ("POST", "/webhooks/rest/webhook", {"json": ask}),
        ("POST", "/webhooks/slack/events", {"data": event, "headers": signed(event, json_type)}),
        (
            "POST",
            "/webhooks/slack/events",
            {"data": event, "headers": signed(event, json_type, "x")},
        ),
        ("POST", "/webhooks/slack/command", {"data": command, "headers": signed(command, form)}),
        ("POST", "/webhooks/telegram", {"json": update, "headers": telegram}),
        ("POST", "/webhooks/telegram", {"json": update, "headers": forged_telegram}),
        ("POST", "/admin/reload", {"headers": admin}),
        ("POST", "/admin/reload", {"headers": {"Authorization": "Bearer guess"}}),
        ("GET", "/healthz", {}),
        ("GET", "/metrics", {}),
        ("GET", "/faq", {}),
        ("GET", "/widget.js", {}),
        ("GET", "/demo", {}),
    ]
    async with aiohttp.ClientSession() as session:
        for method, path, kwargs in calls:
            async with session.request(method, url + path, **kwargs) as response:
                assert response.status < 500, (path, response.status)


@session_loop
async def test_secrets_never_reach_the_logs(tmp_path: Path) -> None:
    slack = FakeSlackApi()
    await slack.start()
    env = {
        **SECRETS,
        "RESBOT_SLACK_API_URL": slack.api_url,
        # Telegram's API is unreachable: its errors are logged, its URL holds the token.
        "RESBOT_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}",
        # An unreachable Redis with a password: the outage is logged, never the URL.
        "RESBOT_SESSIONS": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0",
        "RESBOT_REDIS_TIMEOUT": "0.2",
        "RESBOT_LOG_LEVEL": "DEBUG",
        "RESBOT_LOG_JSON": "1",
    }
    server = await start_server(tmp_path / "serve.log", env=env)
    try:
        await exercise_every_channel(server.url, slack.response_url())
    finally:
        code = await server.stop()
        await slack.close()
    assert code == 0
    log = server.log()
    for expected in ('"logger": "bot.server.access"', "Redis unavailable", "Telegram unreachable"):
        assert expected in log
    assert len(slack.posted()) == 3 and len(slack.bodies("/hooks/T1-B1-x")) == 2
    for value in [*SECRETS.values(), REDIS_PASSWORD, "guess"]:
        assert value not in log, value


TRAVERSALS = [
    "/static/../../../../etc/passwd",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/widget.js/../../pyproject.toml",
    "/widget.js%2f..%2f..%2fpyproject.toml",
    "/faq/..%2f..%2fknowledge/thesaurus.yaml",
    "/..%5c..%5cpyproject.toml",
    "//etc/passwd",
    "/.%2e/.%2e/setup.py",
    "/knowledge/thesaurus.yaml",
    "/intents/smalltalk.yaml",
    "/bot/server/settings.py",
    "/data/openapi.json/../../config.py",
    "/%00/etc/passwd",
]
LEAKS = ["root:x:0:0", "[build-system]", "setuptools", "synonyms", "def from_env", "examples:"]


async def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """The path exactly as given: clients would normalise the dots away."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    reply = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    await writer.wait_closed()
    status = int(reply.split(b" ", 2)[1])
    return status, reply


@session_loop
async def test_no_path_reaches_a_file_outside_its_route(engine: Any) -> None:
    config = settings(knowledge_dir=KNOWLEDGE, intents_dir=INTENTS)
    app = create_app(config, ConversationService(engine, MemorySessionStore()))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        for path in TRAVERSALS:
            status, reply = await raw_get(port, path)
            assert status in {400, 404}, (path, status)
            assert not any(leak.encode() in reply for leak in LEAKS), path
    finally:
        await runner.cleanup()


def test_admin_and_every_channel_are_off_until_their_secret_is_set() -> None:
    def routes(**overrides: Any) -> set[str]:
        app = create_app(
            settings(**overrides),
            ConversationService(ScriptedEngine(), MemorySessionStore()),  # type: ignore[arg-type]
        )
        return {r.resource.canonical for r in app.router.routes() if r.resource is not None}

    base = routes()
    assert not any(p.startswith(("/admin", "/webhooks/slack", "/webhooks/telegram")) for p in base)
    tokens_only = routes(slack_bot_token="x", telegram_bot_token="1:x")
    assert tokens_only == base  # a bot token alone turns nothing on
    assert routes(admin_token="a") - base == {"/admin/reload"}
    assert routes(telegram_secret_token="t") - base == {"/webhooks/telegram"}
    assert routes(slack_signing_secret="s") - base == {
        "/webhooks/slack/events",
        "/webhooks/slack/command",
    }


def test_yaml_cannot_construct_python_objects(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    marker = tmp_path / "pwned"
    (intents / "evil.yaml").write_text(
        f'intents:\n  - !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8"
    )
    with pytest.raises(LoadError) as error:
        load_engine(KNOWLEDGE, intents)
    assert not marker.exists()
    assert any("evil.yaml:2" in problem for problem in error.value.problems)


SECRET_WORDS = ("secret", "signature", "password")


def names_a_secret(name: str) -> bool:
    name = name.lower()
    return any(word in name for word in SECRET_WORDS) or name.endswith("_token")


def test_secrets_are_never_compared_with_equality() -> None:
    """Comparisons go through hmac.compare_digest (bot.server.auth.secrets_equal)."""

    def names(node: ast.AST) -> set[str]:
        found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        return found | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}

    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                continue
            sides = set().union(*(names(n) for n in [node.left, *node.comparators]))
            if any(names_a_secret(name) for name in sides):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
