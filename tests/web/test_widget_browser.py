"""The widget in a real browser (Debian's Chromium, driven by Playwright): the demo page, a
question answered with a verbatim quote and its citation link, suggestions, a reload, markup
shown as text, embedding from an allowed and a refused origin, phone width, errors.

Screenshots are kept under test-artifacts/web/."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Route, expect

from bot.core.engine import AnswerEngine
from bot.core.models import Answer, Citation, Quote
from bot.web.starters import build_starters
from tests.fakes.engine import ScriptedEngine
from tests.web.conftest import ARTIFACTS
from tests.web.servers import Sites, embedding_site, listening_socket, serving, url_of

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

PAYLOAD = '<img src=x onerror="window.__resbotPwned=1"><script>window.__resbotPwned=2</script>'


async def open_widget(page: Any, url: str) -> None:
    await page.goto(url)
    await page.locator(".launcher").click()
    await expect(page.locator("#resbot-panel")).to_be_visible()


async def ask(page: Any, question: str) -> None:
    await page.locator("#resbot-input").fill(question)
    await page.locator("#resbot-input").press("Enter")


def console_log(page: Any) -> list[tuple[str, str]]:
    """The page's console messages from now on, as (type, text)."""
    messages: list[tuple[str, str]] = []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    return messages


def widget_lines(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in messages if text.startswith("resbot:")]


async def until_logged(messages: list[tuple[str, str]], seconds: float = 10) -> None:
    """Wait until the widget has written to the console."""
    for _ in range(int(seconds * 20)):
        if widget_lines(messages):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the widget wrote nothing to the console: {messages}")


def paragraph_text(engine: AnswerEngine, paragraph_id: str) -> str:
    paragraph = engine.documents[0].get(paragraph_id)
    assert paragraph is not None
    return paragraph.text


async def test_demo_page_launcher_opens_the_panel_and_escape_returns_focus(
    page: Any, sites: Sites
) -> None:
    await page.goto(f"{sites.bot}/demo")
    launcher, panel = page.locator(".launcher"), page.locator("#resbot-panel")
    await expect(launcher).to_have_attribute("aria-label", "Chat: Ask about A/RES/71/194")
    await expect(panel).to_be_hidden()
    await launcher.focus()
    await page.keyboard.press("Enter")
    await expect(panel).to_be_visible()
    await expect(panel).to_have_attribute("role", "dialog")
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    await expect(page.locator("#resbot-input")).to_be_focused()
    await expect(page.locator("[role=log]")).to_have_attribute("aria-live", "polite")
    await page.screenshot(path=str(ARTIFACTS / "demo-open.png"))
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await expect(launcher).to_be_focused()
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await page.keyboard.press("Space")
    await expect(panel).to_be_visible()
    await page.locator("button[aria-label='Close chat']").click()
    await expect(panel).to_be_hidden()
    await expect(launcher).to_be_focused()


async def test_a_typed_question_shows_a_verbatim_quote_and_its_undocs_link(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    await open_widget(page, f"{sites.bot}/demo")
    await ask(page, "What does the resolution say about climate change?")
    await expect(page.locator(".msg.user")).to_have_text(
        ["What does the resolution say about climate change?"]
    )
    quote = page.locator("[role=log] .msg.bot blockquote").first
    await expect(quote).to_contain_text("climate change")
    op12 = paragraph_text(engine, "op12")
    for fragment in (await quote.text_content()).split("…"):
        assert fragment.strip() in op12
    link = page.locator(".msg.bot figcaption a").first
    await expect(link).to_have_text("A/RES/71/194, operative paragraph 12")
    await expect(link).to_have_attribute("href", "https://undocs.org/A/RES/71/194")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(page.locator(".typing")).to_be_hidden()
    await page.screenshot(path=str(ARTIFACTS / "answer.png"))


async def test_a_suggestion_button_asks_its_question(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    await open_widget(page, f"{sites.bot}/demo")
    await ask(page, "hello")
    buttons = page.locator(".suggestions button")
    await expect(buttons.first).to_be_visible()
    question = await buttons.nth(1).text_content()
    expected = engine.reply(question).answer
    await buttons.nth(1).click()
    await expect(page.locator(".msg.user")).to_have_text(["hello", question])
    await expect(page.locator(".msg.bot").nth(1)).to_contain_text(expected.lead)
    await expect(page.locator("#resbot-input")).to_be_focused()
    await expect(page.locator(".suggestions")).to_have_count(1)  # only the latest answer's


async def test_the_conversation_survives_a_reload(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    await open_widget(page, f"{sites.bot}/demo")
    await ask(page, "What does operative paragraph 3 say?")
    op3 = engine.reply("What does operative paragraph 3 say?").answer.quotes[0].text
    assert op3 in paragraph_text(engine, "op3")
    await expect(page.locator(".msg.bot blockquote")).to_have_text([op3])
    key = f"resbot:{sites.bot}"
    sender = await page.evaluate("key => JSON.parse(localStorage.getItem(key)).sender", key)
    await page.reload()
    await expect(page.locator("#resbot-panel")).to_be_visible()  # it was open: still open
    await expect(page.locator(".msg.user")).to_have_text(["What does operative paragraph 3 say?"])
    await expect(page.locator(".msg.bot blockquote")).to_have_text([op3])
    await expect(page.locator(".msg.bot figcaption a")).to_have_attribute(
        "href", "https://undocs.org/A/RES/71/194"
    )
    assert await page.evaluate("key => JSON.parse(localStorage.getItem(key)).sender", key) == sender
    await ask(page, "and the next paragraph?")  # the server's session is the same one
    await expect(page.locator(".msg.bot figcaption a").last).to_have_text(
        "A/RES/71/194, operative paragraph 4"
    )


async def test_markup_in_questions_and_answers_is_shown_as_text_and_runs_nothing(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    """On the embedding site, which has no Content-Security-Policy to hide behind."""
    answer = Answer(
        text=f"text {PAYLOAD}",
        intent="scripted",
        confidence=1.0,
        citations=(
            Citation(
                "A/RES/71/194", "op1", f"label {PAYLOAD}", "javascript:window.__resbotPwned=3"
            ),
            Citation("A/RES/71/194", "meta", f"source {PAYLOAD}", "https://undocs.org/x"),
        ),
        quotes=(Quote("A/RES/71/194", "op1", f"quote {PAYLOAD}", ((0, 5),)),),
        suggestions=(f"ask {PAYLOAD}",),
        lead=f"lead {PAYLOAD}",
        notes=(f"note {PAYLOAD}",),
    )
    sites.service.swap_engine(ScriptedEngine(answer))  # type: ignore[arg-type]
    try:
        await page.goto(sites.allowed)
        await ask(page, f"question {PAYLOAD}")
        bot = page.locator(".msg.bot").first
        await expect(bot.locator("blockquote")).to_have_text(f"quote {PAYLOAD}")
        await expect(page.locator(".msg.user")).to_have_text([f"question {PAYLOAD}"])
        await expect(bot.locator("p").first).to_have_text(f"lead {PAYLOAD}")
        await expect(bot.locator(".note")).to_have_text(f"note {PAYLOAD}")
        await expect(bot.locator("figcaption span")).to_have_text(f"label {PAYLOAD}")
        await expect(bot.locator(".sources a")).to_have_text(f"source {PAYLOAD}")
        await expect(page.locator(".suggestions button")).to_have_text([f"ask {PAYLOAD}"])
        await page.locator(".suggestions button").click()
        await expect(page.locator(".msg.bot")).to_have_count(2)
        await page.reload()  # redrawn from storage: still text
        await expect(page.locator(".msg.user")).to_have_count(2)
        await page.wait_for_timeout(200)  # time for an injected onerror to fire
        assert await page.locator("img, [onerror], a[href^='javascript']").count() == 0
        assert await page.locator("script").count() == 1  # the embed tag only
        assert await page.evaluate("() => window.__resbotPwned") is None
    finally:
        sites.service.swap_engine(engine)


async def test_an_allowed_origin_can_use_the_widget_and_another_cannot(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    messages = console_log(page)
    await page.goto(sites.allowed)  # data-open="true": open on load, focus left alone
    await expect(page.locator("#resbot-panel")).to_be_visible()
    await expect(page.locator(".starters button")).to_have_text(list(build_starters(engine)))
    await expect(page.locator("#resbot-input")).not_to_be_focused()
    await expect(page.locator("#resbot-title")).to_have_text("Ask the allowed site")
    await ask(page, "When was it adopted?")
    await expect(page.locator(".msg.bot")).to_contain_text("19 December 2016")
    assert widget_lines(messages) == []  # nothing to tell the owner of an allowed site
    await page.screenshot(path=str(ARTIFACTS / "allowed-origin.png"))
    await open_widget(page, sites.other)
    await ask(page, "When was it adopted?")
    await expect(page.locator(".msg.error")).to_contain_text("cannot be reached")
    await expect(page.locator(".msg.bot")).to_have_count(0)
    await expect(page.locator(".msg.error button")).to_have_text("Try again")
    await page.screenshot(path=str(ARTIFACTS / "refused-origin.png"))


async def test_starter_questions_show_on_open_and_ask_when_clicked(
    page: Any, sites: Sites, engine: AnswerEngine
) -> None:
    expected = list(build_starters(engine))
    assert "When was it adopted?" in expected
    await open_widget(page, f"{sites.bot}/demo")
    starters = page.locator(".starters button")
    await expect(starters).to_have_text(expected)
    await expect(page.locator(".starters")).to_have_attribute("role", "group")
    await page.screenshot(path=str(ARTIFACTS / "starters.png"))
    await starters.filter(has_text="When was it adopted?").click()
    await expect(page.locator(".msg.user")).to_have_text(["When was it adopted?"])
    await expect(page.locator(".msg.bot")).to_contain_text("19 December 2016")
    await expect(page.locator("#resbot-input")).to_be_focused()
    await expect(starters).to_have_count(0)  # the conversation has started
    await expect(page.locator(".starters")).to_be_hidden()
    await page.reload()  # a conversation in progress reopens without them
    await expect(page.locator(".msg.user")).to_have_text(["When was it adopted?"])
    await expect(starters).to_have_count(0)
    await page.locator("button[aria-label='Start a new conversation']").click()
    await expect(starters).to_have_text(expected)  # back for a new conversation
    await starters.first.click()
    await expect(page.locator(".msg.user")).to_have_text([expected[0]])
    await expect(page.locator(".msg.bot blockquote").first).to_be_visible()


async def test_a_refused_origin_gets_a_console_hint_and_visitors_a_plain_message(
    page: Any, sites: Sites
) -> None:
    messages = console_log(page)
    await open_widget(page, sites.other)  # opening asks for the starters: refused
    await until_logged(messages)
    [(kind, hint)] = widget_lines(messages)
    assert kind == "error"
    assert f"its origin, {sites.other}, is not in RESBOT_CORS_ORIGINS" in hint
    assert f"add {sites.other} to RESBOT_CORS_ORIGINS (comma-separated)" in hint
    assert sites.bot in hint
    await expect(page.locator(".starters button")).to_have_count(0)
    await ask(page, "When was it adopted?")
    await expect(page.locator(".msg.error")).to_have_text(
        "The bot cannot be reached from this page right now. Please try again later.Try again"
    )
    await page.locator(".msg.error button").click()
    await expect(page.locator(".msg.error")).to_have_count(2)
    assert len(widget_lines(messages)) == 1  # told once per page, however often it fails
    await page.screenshot(path=str(ARTIFACTS / "refused-origin-hint.png"))


async def test_a_bot_that_is_down_is_not_taken_for_a_refused_origin(
    page: Any, sites: Sites
) -> None:
    down = listening_socket()  # bound, never listening: connections to it are refused
    site_socket = listening_socket()
    site = embedding_site(f"{sites.bot}/widget.js", server=url_of(down), open="true")
    try:
        async with serving(site, site_socket) as url:
            messages = console_log(page)
            await page.goto(url)
            await until_logged(messages)
            [(kind, warning)] = widget_lines(messages)
            assert kind == "warning"
            assert f"no answer from the bot at {url_of(down)}" in warning
            assert "RESBOT_CORS_ORIGINS" not in warning
            await ask(page, "When was it adopted?")
            await expect(page.locator(".msg.error")).to_contain_text(
                "cannot be reached right now. Check your connection"
            )
            assert len(widget_lines(messages)) == 1
    finally:
        down.close()


async def test_the_pages_have_an_icon_and_load_without_errors(page: Any, sites: Sites) -> None:
    messages = console_log(page)
    failed: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda response: (
            failed.append((response.status, response.url)) if response.status >= 400 else None
        ),
    )
    for path in ("/demo", "/faq"):
        await page.goto(f"{sites.bot}{path}")
        await page.wait_for_load_state("networkidle")
        assert await page.locator("link[rel=icon]").get_attribute("href") == "/favicon.ico"
        size = await page.evaluate(
            """() => new Promise((resolve, reject) => {
              const image = new Image();
              image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
              image.onerror = () => reject(new Error('the icon does not load'));
              image.src = document.querySelector('link[rel=icon]').href;
            })"""
        )
        assert size == [32, 32], path
    assert failed == []
    assert [text for kind, text in messages if kind == "error"] == []


async def test_the_panel_works_at_phone_width(page: Any, sites: Sites) -> None:
    await page.set_viewport_size({"width": 375, "height": 667})
    await open_widget(page, f"{sites.bot}/demo")
    await ask(page, "What does the resolution say about climate change?")
    await expect(page.locator(".msg.bot blockquote").first).to_be_visible()
    for selector in ("#resbot-panel", "#resbot-input", ".send", "button[aria-label='Close chat']"):
        box = await page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 667, (selector, box)
    assert (await page.locator("#resbot-input").bounding_box())["width"] >= 200
    overflow = await page.evaluate(
        """() => {
          const scroll = document.querySelector('[data-resbot-widget]').shadowRoot
            .querySelector('.scroll');
          return [document.documentElement.scrollWidth, scroll.scrollWidth - scroll.clientWidth];
        }"""
    )
    assert overflow[0] <= 375 and overflow[1] <= 0, overflow
    await page.screenshot(path=str(ARTIFACTS / "phone-375.png"))
    await page.locator(".suggestions button").first.click()
    await expect(page.locator(".msg.bot")).to_have_count(2)


def reply_with(status: int, body: Any) -> Callable[[Route], Awaitable[None]]:
    async def fulfil(route: Route) -> None:
        await route.fulfill(status=status, json=body, headers={"Retry-After": "7"})

    return fulfil


async def test_typing_indicator_and_readable_errors(page: Any, sites: Sites) -> None:
    await open_widget(page, f"{sites.bot}/demo")
    gate = asyncio.Event()

    async def slow(route: Route) -> None:
        await gate.wait()
        await route.continue_()

    await page.route("**/api/ask", slow)
    await ask(page, "hello")
    await expect(page.locator(".typing")).to_be_visible()
    await expect(page.locator("[role=log]")).to_have_attribute("aria-busy", "true")
    gate.set()
    await expect(page.locator(".msg.bot")).to_have_count(1)
    await expect(page.locator(".typing")).to_be_hidden()
    await page.unroute("**/api/ask")

    cases = [
        (429, {"error": "too many requests"}, "Please wait 7 seconds and ask again."),
        (413, {"error": "too large"}, "That message is too long for the bot."),
        (400, {"error": "field 'message' is empty"}, "could not read that question: field"),
        (503, {"error": "unavailable"}, "The bot ran into a problem (error 503)."),
        (200, {"unexpected": True}, "reply this page cannot read"),
    ]
    for number, (status, body, expected) in enumerate(cases, start=2):
        await page.route("**/api/ask", reply_with(status, body))
        await ask(page, f"question {number}")
        await expect(page.locator(".msg.error").last).to_contain_text(expected)
        await page.unroute("**/api/ask")
    await page.route("**/api/ask", lambda route: route.abort())
    await ask(page, "are you there?")
    await expect(page.locator(".msg.error").last).to_contain_text("cannot be reached")
    await page.unroute("**/api/ask")
    await page.locator(".msg.error button").click()  # try again, now that it is back
    await expect(page.locator(".msg.user").last).to_have_text("are you there?")
    await expect(page.locator(".msg").last).to_have_class("msg bot")
    await page.screenshot(path=str(ARTIFACTS / "errors.png"))
