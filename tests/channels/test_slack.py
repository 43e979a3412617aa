"""Slack Events API and slash command against a fake Slack Web API on 127.0.0.1."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.core.models import Answer, Citation, Quote
from bot.server import keys as appkeys
from bot.server.settings import Settings
from tests.fakes.bot import (
    SLACK_SECRET,
    SLACK_TOKEN,
    running_bot,
    settings,
    settle,
    slack_headers,
)
from tests.fakes.engine import ScriptedEngine
from tests.fakes.platforms import FakeSlackApi

pytestmark = pytest.mark.asyncio(loop_scope="session")

BOT_USER = "U0BOT"
EVENTS = "/webhooks/slack/events"
COMMAND = "/webhooks/slack/command"


def slack_settings(fake: FakeSlackApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SLACK_SECRET,
        "slack_bot_token": SLACK_TOKEN,
        "slack_api_url": fake.api_url,
    }
    values.update(overrides)
    return settings(**values)


def envelope(event: dict[str, Any], event_id: str = "Ev001") -> bytes:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": event,
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}],
        }
    ).encode()


def mention(text: str, ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "text": text, "ts": ts}
    return {**event, **extra}


def direct(text: str, ts: str = "1700000000.000200", **extra: Any) -> dict[str, Any]:
    event = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1"}
    return {**event, "text": text, "ts": ts, **extra}


async def post_signed(client: Any, path: str, body: bytes, **headers: Any) -> Any:
    return await client.post(path, data=body, headers={**slack_headers(body), **headers})


async def test_channel_is_off_without_a_signing_secret(engine: Any) -> None:
    async with running_bot(settings(slack_bot_token=SLACK_TOKEN), engine) as client:
        for path in (EVENTS, COMMAND):
            body = b'{"type": "url_verification", "challenge": "x"}'
            response = await post_signed(client, path, body)
            assert response.status == 404
            assert "error" in await response.json()


async def test_url_verification_returns_the_challenge(slack_api: FakeSlackApi) -> None:
    body = b'{"token": "legacy", "challenge": "3eZbrw1aBm", "type": "url_verification"}'
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        response = await post_signed(client, EVENTS, body)
        assert response.status == 200
        assert await response.json() == {"challenge": "3eZbrw1aBm"}


def now() -> str:
    return str(int(time.time()))


BAD_HEADERS = {
    "unsigned": (lambda body: {}, "missing Slack signature headers"),
    "no signature": (lambda body: {"X-Slack-Request-Timestamp": now()}, "missing"),
    "other body": (lambda body: slack_headers(body + b" "), "invalid Slack signature"),
    "other secret": (lambda body: slack_headers(body, secret="wrong"), "invalid Slack signature"),
    "replayed": (lambda body: slack_headers(body, timestamp=time.time() - 301), "stale"),
    "future": (lambda body: slack_headers(body, timestamp=time.time() + 400), "stale"),
    "bad ts": (
        lambda body: {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        "stale or invalid",
    ),
    "non-ascii ts": (
        lambda body: {"X-Slack-Request-Timestamp": "١٢٣", "X-Slack-Signature": "v0=00"},
        "stale or invalid",
    ),
    "v1 scheme": (
        lambda body: {**slack_headers(body), "X-Slack-Signature": "v1=" + "0" * 64},
        "invalid Slack signature",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
async def test_unsigned_badly_signed_and_replayed_requests_are_refused(
    slack_api: FakeSlackApi, case: str
) -> None:
    make_headers, problem = BAD_HEADERS[case]
    body = envelope(mention(f"<@{BOT_USER}> what does it urge?"))
    engine = ScriptedEngine()
    async with running_bot(slack_settings(slack_api), engine) as client:
        for path in (EVENTS, COMMAND):
            response = await client.post(path, data=body, headers=make_headers(body))
            assert response.status == 401
            assert problem in (await response.json())["error"]
        await settle(client)
    assert slack_api.requests == [] and engine.messages == []


async def test_replayed_request_with_an_old_valid_signature_is_refused(
    slack_api: FakeSlackApi,
) -> None:
    body = envelope(mention(f"<@{BOT_USER}> what does it urge?"))
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        old = slack_headers(body, timestamp=time.time() - 6 * 60)
        response = await client.post(EVENTS, data=body, headers=old)
        assert response.status == 401
        await settle(client)
    assert slack_api.requests == []


async def test_signature_is_checked_before_the_body_is_parsed(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        response = await client.post(EVENTS, data=b"not json", headers={})
        assert response.status == 401
        response = await post_signed(client, EVENTS, b"not json")
        assert response.status == 400
        assert "not valid JSON" in (await response.json())["error"]


async def test_mention_is_answered_in_its_thread(slack_api: FakeSlackApi, engine: Any) -> None:
    body = envelope(mention(f"<@{BOT_USER}> What does the resolution urge?"))
    async with running_bot(slack_settings(slack_api), engine) as client:
        started = time.perf_counter()
        response = await post_signed(client, EVENTS, body)
        assert response.status == 200
        assert time.perf_counter() - started < 3
        await settle(client)
    [request] = slack_api.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
    sent = request.body
    assert sent["channel"] == "C1" and sent["thread_ts"] == "1700000000.000100"
    assert "\n> Urges States to take measures" in sent["text"]
    assert (
        "— <https://undocs.org/A/RES/71/194|A/RES/71/194, operative paragraph 12>" in sent["text"]
    )
    assert "*You can ask:*" in sent["text"]


async def test_direct_message_is_answered(slack_api: FakeSlackApi, engine: Any) -> None:
    body = envelope(direct("When was it adopted?"))
    async with running_bot(slack_settings(slack_api), engine) as client:
        assert (await post_signed(client, EVENTS, body)).status == 200
        await settle(client)
    [sent] = slack_api.posted()
    assert sent["channel"] == "D1" and "thread_ts" not in sent
    assert "19 December 2016" in sent["text"]


async def test_threaded_direct_message_stays_in_its_thread(slack_api: FakeSlackApi) -> None:
    body = envelope(direct("hi", thread_ts="1699999999.000001"))
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        await post_signed(client, EVENTS, body)
        await settle(client)
    assert slack_api.posted()[0]["thread_ts"] == "1699999999.000001"


async def test_retried_events_are_answered_once(slack_api: FakeSlackApi) -> None:
    body = envelope(mention(f"<@{BOT_USER}> hello"), event_id="EvRETRY")
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        assert (await post_signed(client, EVENTS, body)).status == 200
        for number in ("1", "2", "3"):
            retry = {"X-Slack-Retry-Num": number, "X-Slack-Retry-Reason": "http_timeout"}
            assert (await post_signed(client, EVENTS, body, **retry)).status == 200
        await settle(client)
        metrics = (await (await client.get("/metrics")).text()).splitlines()
    assert len(slack_api.posted()) == 1
    assert 'resbot_channel_ignored_total{channel="slack",reason="duplicate"} 3.0' in metrics


async def test_same_message_under_two_event_ids_is_answered_once(
    slack_api: FakeSlackApi,
) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        for event_id in ("EvA", "EvB"):
            await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi"), event_id=event_id))
        await settle(client)
    assert len(slack_api.posted()) == 1


async def test_events_without_an_id_are_told_apart_by_timestamp(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        for ts in ("1.1", "1.2"):
            body = json.loads(envelope(mention("<@U0BOT> hi", ts=ts)))
            del body["event_id"]
            await post_signed(client, EVENTS, json.dumps(body).encode())
        await settle(client)
    assert [p["thread_ts"] for p in slack_api.posted()] == ["1.1", "1.2"]


IGNORED_EVENTS = [
    mention("<@U0BOT> hi", bot_id="B1"),
    direct("echo of our reply", bot_id="B0BOT", user=BOT_USER),
    direct("edited", subtype="message_changed"),
    direct("deleted", subtype="message_deleted"),
    direct("from the bot user", user=BOT_USER),
    direct("   "),
    mention("<@U0BOT>"),
    {
        "type": "message",
        "channel_type": "channel",
        "channel": "C1",
        "user": "U1",
        "text": "hi",
        "ts": "1.1",
    },
    {"type": "reaction_added", "user": "U1", "reaction": "thumbsup"},
    {"type": "app_mention", "text": "no user or channel"},
]


async def test_bot_messages_edits_and_own_echoes_are_ignored(slack_api: FakeSlackApi) -> None:
    engine = ScriptedEngine()
    async with running_bot(slack_settings(slack_api), engine) as client:
        for number, event in enumerate(IGNORED_EVENTS):
            body = envelope(event, event_id=f"EvIgnored{number}")
            assert (await post_signed(client, EVENTS, body)).status == 200
        rate_limited = b'{"type": "app_rate_limited", "minute_rate_limited": 1518467820}'
        assert (await post_signed(client, EVENTS, rate_limited)).status == 200
        await settle(client)
    assert engine.messages == []
    assert slack_api.requests == []


async def test_mention_is_stripped_and_text_unescaped(slack_api: FakeSlackApi) -> None:
    engine = ScriptedEngine()
    body = envelope(mention("<@U0BOT|resbot>, what about &lt;dialogue&gt; &amp; trade?"))
    async with running_bot(slack_settings(slack_api), engine) as client:
        await post_signed(client, EVENTS, body)
        await settle(client)
    assert engine.messages == ["what about <dialogue> & trade?"]


HOSTILE = "<!channel> <script>alert(1)</script> & *bold* _it_ ~st~ <@U123>"


def hostile_answer() -> Answer:
    citation = Citation("A/RES/1/1", "op1", f"label {HOSTILE}", "https://undocs.org/A/RES/1/1")
    return Answer(
        text=HOSTILE,
        intent="topic",
        confidence=1.0,
        citations=(citation,),
        quotes=(Quote("A/RES/1/1", "op1", HOSTILE, ((0, len(HOSTILE)),)),),
        suggestions=(HOSTILE,),
        lead=HOSTILE,
        notes=(HOSTILE,),
    )


async def test_hostile_text_is_escaped(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine(hostile_answer())) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi")))
        await settle(client)
    text = slack_api.posted()[0]["text"]
    assert "<!channel>" not in text and "<script>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* _it_ ~st~" in text
    assert text.count("<") == 1  # the one citation link
    assert "<https://undocs.org/A/RES/1/1|label &lt;!channel&gt;" in text


def long_answer(paragraphs: int = 12, size: int = 900) -> Answer:
    quotes = tuple(
        Quote("A/RES/1/1", f"op{n}", f"Paragraph {n} " + "word " * (size // 5), ((0, 1),))
        for n in range(1, paragraphs + 1)
    )
    citations = tuple(
        Citation("A/RES/1/1", f"op{n}", f"A/RES/1/1, operative paragraph {n}", "https://u.org/x")
        for n in range(1, paragraphs + 1)
    )
    return Answer(
        text="long", intent="list", confidence=1.0, citations=citations, quotes=quotes, lead="All:"
    )


async def test_long_replies_are_split_in_order(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine(long_answer())) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> list")))
        await settle(client)
    posts = slack_api.posted()
    assert len(posts) >= 3
    assert all(len(p["text"]) <= 4000 for p in posts)
    assert all(p["thread_ts"] == "1700000000.000100" for p in posts)
    joined = "\n\n".join(p["text"] for p in posts)
    positions = [joined.index(f"> Paragraph {n} ") for n in range(1, 13)]
    assert positions == sorted(positions)


async def test_rate_limited_post_is_retried(slack_api: FakeSlackApi) -> None:
    slack_api.script(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi")))
        await settle(client)
    assert len(slack_api.posted()) == 2


async def test_failed_post_is_counted(slack_api: FakeSlackApi) -> None:
    slack_api.script(200, {"ok": False, "error": "not_in_channel"})
    async with running_bot(slack_settings(slack_api), ScriptedEngine(long_answer())) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi")))
        await settle(client)
        metrics = await (await client.get("/metrics")).text()
    assert len(slack_api.posted()) == 1  # the rest of the reply is not sent after a failure
    assert 'resbot_channel_errors_total{channel="slack",reason="not_in_channel"} 1.0' in metrics


async def test_unreachable_slack_is_counted_not_raised(slack_api: FakeSlackApi) -> None:
    config = slack_settings(slack_api, slack_api_url="http://127.0.0.1:9/api")
    async with running_bot(config, ScriptedEngine()) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi")))
        await settle(client)
        metrics = await (await client.get("/metrics")).text()
    assert 'resbot_channel_errors_total{channel="slack",reason="unreachable"} 1.0' in metrics


def command_form(text: str, response_url: str, **extra: str) -> bytes:
    fields = {
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "command": "/resbot",
        "text": text,
        "response_url": response_url,
        "trigger_id": "1.2.3",
        **extra,
    }
    return urlencode(fields).encode()


async def post_command(client: Any, body: bytes) -> Any:
    headers = slack_headers(body, content_type="application/x-www-form-urlencoded")
    return await client.post(COMMAND, data=body, headers=headers)


async def test_slash_command_is_answered_in_the_response(
    slack_api: FakeSlackApi, engine: Any
) -> None:
    body = command_form("When was it adopted?", slack_api.response_url())
    async with running_bot(slack_settings(slack_api), engine) as client:
        response = await post_command(client, body)
        assert response.status == 200
        reply = await response.json()
        await settle(client)
    assert reply["response_type"] == "ephemeral"
    assert "19 December 2016" in reply["text"]
    assert slack_api.requests == []


async def test_slash_command_without_text_shows_usage(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        reply = await (await post_command(client, command_form("  ", "https://x"))).json()
    assert reply["text"].startswith("Ask me about a UN resolution")


async def test_slash_command_overflow_goes_to_response_url(slack_api: FakeSlackApi) -> None:
    url = slack_api.response_url("T1/B2/abc")
    async with running_bot(slack_settings(slack_api), ScriptedEngine(long_answer())) as client:
        reply = await (await post_command(client, command_form("list", url))).json()
        await settle(client)
    hooks = slack_api.bodies("/hooks/T1-B2-abc")
    assert reply["text"].startswith("All:")
    assert 1 <= len(hooks) <= 4
    assert all(h["response_type"] == "ephemeral" and len(h["text"]) <= 4000 for h in hooks)


async def test_slash_command_never_posts_to_a_foreign_response_url(
    slack_api: FakeSlackApi,
) -> None:
    body = command_form("list", "https://attacker.example/hooks/x")
    async with running_bot(slack_settings(slack_api), ScriptedEngine(long_answer())) as client:
        assert (await post_command(client, body)).status == 200
        await settle(client)
    assert slack_api.requests == []


async def test_slash_command_ssl_check_and_missing_user(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        response = await post_command(client, b"ssl_check=1&token=legacy")
        assert response.status == 200
        response = await post_command(client, b"text=hello&team_id=T1")
        assert response.status == 400
        assert "user_id" in (await response.json())["error"]


async def test_pending_replies_are_finished_at_shutdown(slack_api: FakeSlackApi) -> None:
    async with running_bot(slack_settings(slack_api), ScriptedEngine()) as client:
        await post_signed(client, EVENTS, envelope(mention("<@U0BOT> hi")))
        tasks = client.app[appkeys.TASKS]
    assert len(tasks) == 0
    assert len(slack_api.posted()) == 1


async def test_response_urls_must_be_slacks_https_hooks_or_the_configured_api_base() -> None:
    from bot.channels.slack import response_url_check

    check = response_url_check("https://slack.com/api")
    assert check("https://hooks.slack.com/commands/T1/B2/x")
    assert check("https://hooks.slack.com:443/commands/T1/B2/x")
    for url in (
        "http://hooks.slack.com/commands/T1/B2/x",  # not https
        "https://hooks.slack.com:8443/commands/T1/B2/x",  # another port
        "ftp://hooks.slack.com/x",
        "https://user:pw@hooks.slack.com/x",
        "https://hooks.slack.com.attacker.example/x",
        "//hooks.slack.com/x",
        "",
    ):
        assert not check(url), url
    local = response_url_check("http://127.0.0.1:8123/api")  # a local fake Slack in tests
    assert local("http://127.0.0.1:8123/hooks/x")
    assert local("https://hooks.slack.com/commands/x")
    assert not local("http://127.0.0.1:8124/hooks/x") and not local("http://127.0.0.1/hooks/x")
    assert not local("https://127.0.0.1:8123/hooks/x")
