"""Telegram webhook against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.core.models import Answer, Citation, Quote
from bot.render.layout import utf16_len
from bot.server.settings import Settings
from tests.fakes.bot import TELEGRAM_SECRET, TELEGRAM_TOKEN, running_bot, settings, settle
from tests.fakes.engine import ScriptedEngine
from tests.fakes.platforms import FakeTelegramApi

pytestmark = pytest.mark.asyncio(loop_scope="session")

WEBHOOK = "/webhooks/telegram"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}


def telegram_settings(fake: FakeTelegramApi, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_secret_token": TELEGRAM_SECRET,
        "telegram_bot_token": TELEGRAM_TOKEN,
        "telegram_api_url": fake.url,
    }
    values.update(overrides)
    return settings(**values)


def update(text: str | None, update_id: int = 10000, **message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": 1365,
        "from": {"id": 1111111, "is_bot": False, "first_name": "Ann"},
        "chat": {"id": 1111111, "type": "private"},
        "date": 1441645532,
        **message,
    }
    if text is not None:
        body["text"] = text
    return {"update_id": update_id, "message": body}


async def test_channel_is_off_without_a_secret_token(engine: Any) -> None:
    async with running_bot(settings(telegram_bot_token=TELEGRAM_TOKEN), engine) as client:
        response = await client.post(WEBHOOK, json=update("hi"), headers=SECRET)
        assert response.status == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Telegram-Bot-Api-Secret-Token": ""},
        {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET + "x"},
        {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET.upper()},
    ],
)
async def test_wrong_or_missing_secret_is_refused(
    telegram_api: FakeTelegramApi, headers: dict[str, str]
) -> None:
    engine = ScriptedEngine()
    async with running_bot(telegram_settings(telegram_api), engine) as client:
        response = await client.post(WEBHOOK, json=update("hi"), headers=headers)
        assert response.status == 401
        assert (await response.json())["error"] == "invalid Telegram secret token"
        response = await client.post(WEBHOOK, data=b"not json", headers=headers)
        assert response.status == 401
    assert engine.messages == [] and telegram_api.requests == []


async def test_text_message_is_answered_in_the_webhook_response(
    telegram_api: FakeTelegramApi, engine: Any
) -> None:
    async with running_bot(telegram_settings(telegram_api), engine) as client:
        response = await client.post(
            WEBHOOK, json=update("What does the resolution urge?"), headers=SECRET
        )
        assert response.status == 200
        reply = await response.json()
        await settle(client)
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == 1111111 and reply["parse_mode"] == "HTML"
    assert reply["reply_parameters"]["message_id"] == 1365
    assert "<blockquote>Urges States to take measures" in reply["text"]
    assert '— <a href="https://undocs.org/A/RES/71/194">A/RES/71/194, operative' in reply["text"]
    assert telegram_api.requests == []


async def test_start_command_gets_help(telegram_api: FakeTelegramApi) -> None:
    engine = ScriptedEngine()
    async with running_bot(telegram_settings(telegram_api), engine) as client:
        await client.post(WEBHOOK, json=update("/start", update_id=1), headers=SECRET)
        await client.post(WEBHOOK, json=update("/ask@ResBot when?", update_id=2), headers=SECRET)
    assert engine.messages == ["help", "when?"]


NO_REPLY = [
    update(None, photo=[{"file_id": "x", "width": 1, "height": 1}]),
    update(None, sticker={"file_id": "s"}),
    update("   "),
    update("hi", **{"from": {"id": 5, "is_bot": True, "first_name": "B"}}),
    {"update_id": 10000, "edited_message": update("edited")["message"]},
    {"update_id": 10000, "callback_query": {"id": "1", "data": "x"}},
    {"update_id": 10000, "message": {"text": "no chat"}},
    {"update_id": 10000, "message": "not an object"},
]


@pytest.mark.parametrize("body", NO_REPLY)
async def test_non_text_updates_are_acknowledged_without_a_reply(
    telegram_api: FakeTelegramApi, body: dict[str, Any]
) -> None:
    engine = ScriptedEngine()
    async with running_bot(telegram_settings(telegram_api), engine) as client:
        response = await client.post(WEBHOOK, json=body, headers=SECRET)
        assert response.status == 200
        assert await response.json() == {}
        await settle(client)
    assert engine.messages == [] and telegram_api.requests == []


async def test_repeated_update_ids_are_answered_once(telegram_api: FakeTelegramApi) -> None:
    engine = ScriptedEngine()
    async with running_bot(telegram_settings(telegram_api), engine) as client:
        first = await (await client.post(WEBHOOK, json=update("hi"), headers=SECRET)).json()
        again = await (await client.post(WEBHOOK, json=update("hi"), headers=SECRET)).json()
        other = await client.post(WEBHOOK, json=update("hi", update_id=10001), headers=SECRET)
        assert (await other.json())["method"] == "sendMessage"
    assert first["method"] == "sendMessage" and again == {}
    assert engine.messages == ["hi", "hi"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"message": {"text": "hi"}}', "update_id"),
        (b'{"update_id": "7", "message": {"text": "hi"}}', "update_id"),
        (b'{"update_id": true}', "update_id"),
    ],
)
async def test_malformed_updates_are_400(
    telegram_api: FakeTelegramApi, body: bytes, problem: str
) -> None:
    headers = {**SECRET, "Content-Type": "application/json"}
    async with running_bot(telegram_settings(telegram_api), ScriptedEngine()) as client:
        response = await client.post(WEBHOOK, data=body, headers=headers)
        assert response.status == 400
        assert problem in (await response.json())["error"]


def long_answer() -> Answer:
    # Astral characters count twice in UTF-16: the split must count them so.
    texts = [f"Paragraph {n} " + "𝔘𝔑 & <b> " * 120 for n in range(1, 11)]
    return Answer(
        text="long",
        intent="list",
        confidence=1.0,
        lead="Ten paragraphs:",
        quotes=tuple(Quote("A/RES/1/1", f"op{n}", t, ((0, 1),)) for n, t in enumerate(texts, 1)),
        citations=tuple(
            Citation("A/RES/1/1", f"op{n}", f"operative paragraph {n}", "https://u.org/1")
            for n in range(1, 11)
        ),
    )


def well_formed(html: str) -> bool:
    tags = re.findall(r"</?(blockquote|a|b|i)\b", html)
    depth: list[str] = []
    for tag in re.finditer(r"<(/?)(blockquote|a|b|i)\b", html):
        if tag.group(1):
            if not depth or depth.pop() != tag.group(2):
                return False
        else:
            depth.append(tag.group(2))
    return not depth and bool(tags)


async def test_long_replies_continue_through_the_bot_api(telegram_api: FakeTelegramApi) -> None:
    async with running_bot(
        telegram_settings(telegram_api), ScriptedEngine(long_answer())
    ) as client:
        reply = await (await client.post(WEBHOOK, json=update("list"), headers=SECRET)).json()
        await settle(client)
    rest = telegram_api.sent()
    assert rest, "the overflow went through the Bot API"
    assert {r.path for r in telegram_api.requests} == {f"/bot{TELEGRAM_TOKEN}/sendMessage"}
    messages = [reply["text"], *(r["text"] for r in rest)]
    assert all(utf16_len(m) <= 4096 for m in messages)
    assert all(well_formed(m) for m in messages)
    assert all(r["chat_id"] == 1111111 and r["parse_mode"] == "HTML" for r in rest)
    joined = "\n".join(messages)
    positions = [joined.index(f"<blockquote>Paragraph {n} ") for n in range(1, 11)]
    assert positions == sorted(positions)
    assert joined.count("&amp; &lt;b&gt;") == 1200


async def test_rejected_formatting_is_resent_as_plain_text(telegram_api: FakeTelegramApi) -> None:
    telegram_api.script(
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities"},
    )
    async with running_bot(
        telegram_settings(telegram_api), ScriptedEngine(long_answer())
    ) as client:
        await client.post(WEBHOOK, json=update("list"), headers=SECRET)
        await settle(client)
    first, retry, *_ = telegram_api.sent()
    assert first["parse_mode"] == "HTML"
    assert "parse_mode" not in retry
    assert "<blockquote>" not in retry["text"] and "& <b>" in retry["text"]


async def test_overflow_without_a_bot_token_is_counted(telegram_api: FakeTelegramApi) -> None:
    config = telegram_settings(telegram_api, telegram_bot_token="")
    async with running_bot(config, ScriptedEngine(long_answer())) as client:
        response = await client.post(WEBHOOK, json=update("list"), headers=SECRET)
        assert (await response.json())["method"] == "sendMessage"
        await settle(client)
        metrics = await (await client.get("/metrics")).text()
    assert telegram_api.requests == []
    assert 'resbot_channel_errors_total{channel="telegram",reason="no_bot_token"} 1.0' in metrics


async def test_hostile_text_is_escaped(telegram_api: FakeTelegramApi) -> None:
    hostile = "<script>alert(1)</script> & *_~ <!channel> </blockquote>"
    answer = Answer(
        text=hostile,
        intent="x",
        confidence=1.0,
        lead=hostile,
        quotes=(Quote("D", "op1", hostile, ((0, 1),)),),
        citations=(Citation("D", "op1", hostile, 'https://u.org/"><script>'),),
        notes=(hostile,),
        suggestions=(hostile,),
    )
    async with running_bot(telegram_settings(telegram_api), ScriptedEngine(answer)) as client:
        reply = await (await client.post(WEBHOOK, json=update("x"), headers=SECRET)).json()
    text = reply["text"]
    assert "<script>" not in text and "<!channel>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; *_~ &lt;!channel&gt;" in text
    assert 'href="https://u.org/&quot;&gt;&lt;script&gt;"' in text
    assert well_formed(text)


BOT_ID = int(TELEGRAM_TOKEN.split(":", 1)[0])


def in_group(text: str, update_id: int, **message: Any) -> dict[str, Any]:
    group = {"id": -1001234, "type": "supergroup", "title": "Delegates"}
    return update(text, update_id=update_id, chat=group, **message)


def reply_to(sender: dict[str, Any]) -> dict[str, Any]:
    return {"message_id": 7, "from": sender, "chat": {"id": -1001234}, "text": "earlier"}


GROUP_IGNORED = [
    "/weather@otherbot",
    "/start@otherbot",
    "/ask@OtherBot when was it adopted?",
    "good morning everyone",
    "did you see what @somebody wrote?",
    "/weather",
    "email@ResBot.example.org about it",
]


@pytest.mark.parametrize("username", ["", "resbot"])
async def test_in_groups_only_what_is_addressed_to_the_bot_is_answered(
    telegram_api: FakeTelegramApi, username: str
) -> None:
    """The privacy-mode convention: commands for this bot, mentions of it and replies to its
    messages; its username from RESBOT_TELEGRAM_BOT_USERNAME, or else from getMe."""
    engine = ScriptedEngine()
    config = telegram_settings(telegram_api, telegram_bot_username=username)
    async with running_bot(config, engine) as client:
        replies = []
        for n, text in enumerate(GROUP_IGNORED):
            response = await client.post(WEBHOOK, json=in_group(text, n), headers=SECRET)
            replies.append(await response.json())
        assert replies == [{}] * len(GROUP_IGNORED)
        someone = {"id": 5, "is_bot": False, "first_name": "Bo"}
        other_bot = {"id": 9, "is_bot": True, "first_name": "W", "username": "otherbot"}
        addressed = [
            in_group("/ask@ResBot when was it adopted?", 100),
            in_group("@resbot what does it urge?", 101),
            in_group("what does it say about dialogue, @ResBot?", 102),
            in_group("and the next one?", 103, reply_to_message=reply_to({"id": BOT_ID})),
            in_group("/help", 104),
            in_group("thanks", 105, reply_to_message=reply_to(someone)),
            in_group("and you?", 106, reply_to_message=reply_to(other_bot)),
        ]
        answered = []
        for body in addressed:
            answered.append(await (await client.post(WEBHOOK, json=body, headers=SECRET)).json())
        private = await client.post(WEBHOOK, json=update("good morning", 200), headers=SECRET)
        assert (await private.json())["method"] == "sendMessage"
    assert [bool(a) for a in answered] == [True] * 5 + [False] * 2
    assert engine.messages == [
        "when was it adopted?",
        "what does it urge?",
        "what does it say about dialogue?",
        "and the next one?",
        "help",
        "good morning",
    ]
    get_me = [r for r in telegram_api.requests if r.path.endswith("/getMe")]
    assert len(get_me) == (0 if username else 1)


@pytest.mark.parametrize("kind", [{"a": 1}, ["group"], None, 3])
async def test_a_chat_type_that_is_not_a_string_is_not_a_group(kind: object) -> None:
    """Found by the OpenAPI fuzz test: a dict as the chat's type was looked up in a set (500)."""
    from bot.channels.telegram import TelegramMessage, message_from_update

    update = {"message": {"chat": {"id": 7, "type": kind}, "message_id": 2, "text": "hello"}}
    found = message_from_update(update)
    assert isinstance(found, TelegramMessage) and found.text == "hello"
