"""schemathesis against a live `resbot serve` on 127.0.0.1: requests generated from
/openapi.json for every route (valid and invalid ones), none may get a 5xx, and every
response must match its documented status, content type, headers and schema. Slack requests
are signed and Telegram's carry the secret, so their handlers see the payloads."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from bot.server.openapi import load_openapi
from tests.ops.processes import INTENTS, KNOWLEDGE, ROOT, UNLIMITED, clean_env

pytestmark = pytest.mark.slow

# Platforms redeliver whatever is not acknowledged with a 2xx, so an authentic event of an
# unexpected shape is acknowledged and ignored, not rejected.
LENIENT = {"/webhooks/slack/events", "/webhooks/slack/command", "/webhooks/telegram"}
SLACK_SECRET = "fuzz-slack-Secret"
TELEGRAM_SECRET = "fuzz-telegram-Secret"
ADMIN_TOKEN = "fuzz-admin-Token"


class SlackSigningSession(requests.Session):
    """Signs requests to the Slack routes over their final body, as Slack does, unless the
    case left a signature header out on purpose."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        signed = {"X-Slack-Request-Timestamp", "X-Slack-Signature"} <= set(request.headers)
        if request.path_url.startswith("/webhooks/slack/") and signed:
            body = request.body or b""
            raw = body.encode() if isinstance(body, str) else body
            timestamp = str(int(time.time()))
            digest = hmac.new(
                SLACK_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256
            ).hexdigest()
            request.headers["X-Slack-Request-Timestamp"] = timestamp
            request.headers["X-Slack-Signature"] = f"v0={digest}"
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("fuzz") / "serve.log"
    env = clean_env(
        {
            **UNLIMITED,
            "RESBOT_SLACK_SIGNING_SECRET": SLACK_SECRET,
            "RESBOT_SLACK_BOT_TOKEN": "xoxb-fuzz",
            "RESBOT_SLACK_API_URL": "http://127.0.0.1:9/api",
            "RESBOT_TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "RESBOT_TELEGRAM_BOT_TOKEN": "1:fuzz",
            "RESBOT_TELEGRAM_API_URL": "http://127.0.0.1:9",
            "RESBOT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    command = [
        sys.executable, "-m", "bot", "--knowledge", str(KNOWLEDGE), "--intents", str(INTENTS),
        "serve", "--host", "127.0.0.1", "--port", "0",
    ]  # fmt: skip
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("resbot serving on "), log.read_text()
        yield line.split(" on ", 1)[1].strip()
    finally:
        process.terminate()
        assert process.wait(30) == 0
        assert process.stdout is not None
        process.stdout.close()
    assert "Traceback" not in log.read_text()


# The file the server serves at /openapi.json (a test elsewhere checks they are the same).
schema = schemathesis.openapi.from_dict(load_openapi())


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("RESBOT_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_route_answers_as_documented(case: Any, live_url: str) -> None:
    excluded = []
    if case.operation.path in LENIENT:
        excluded.append(negative_data_rejection)
    with SlackSigningSession() as session:
        case.call_and_validate(
            base_url=live_url,
            session=session,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            excluded_checks=excluded,
        )
