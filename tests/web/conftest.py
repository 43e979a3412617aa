"""Web fixtures: a several-document engine and, for the browser tests, Debian's Chromium
driven by Playwright, with the bot and two embedding sites served on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from bot.core.engine import AnswerEngine
from bot.loading.engine import load_engine
from tests.fakes.bot import settings
from tests.web.servers import (
    Sites,
    bot_app,
    embedding_site,
    listening_socket,
    serving,
    url_of,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM = Path(os.environ.get("RESBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def several_documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """knowledge/ plus resolution 73/8: a folder with two documents."""
    folder = tmp_path_factory.mktemp("knowledge")
    for path in (ROOT / "knowledge").iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    shutil.copy(ROOT / "tests/fixtures/resolutions/A_RES_73_8.txt", folder / "A_RES_73_8.txt")
    return folder


@pytest.fixture(scope="session")
def multi_engine(several_documents: Path) -> AnswerEngine:
    return load_engine(several_documents, ROOT / "intents")


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run .ci/browser-deps (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
async def sites(engine: AnswerEngine) -> AsyncIterator[Sites]:
    """The bot, a site whose origin RESBOT_CORS_ORIGINS lists, and one it does not."""
    bot_sock, allowed_sock, other_sock = listening_socket(), listening_socket(), listening_socket()
    config = settings(cors_origins=(url_of(allowed_sock),))
    app, service = bot_app(config, engine)
    widget = f"{url_of(bot_sock)}/widget.js"
    async with AsyncExitStack() as stack:
        bot = await stack.enter_async_context(serving(app, bot_sock))
        allowed = await stack.enter_async_context(
            serving(embedding_site(widget, title="Ask the allowed site", open="true"), allowed_sock)
        )
        other = await stack.enter_async_context(
            serving(embedding_site(widget, title="Ask the other site"), other_sock)
        )
        yield Sites(bot=bot, allowed=allowed, other=other, service=service)


@pytest.fixture
async def page(browser: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fresh browser context (empty storage) per test; page errors fail the test."""
    context = await browser.new_context(viewport={"width": 1000, "height": 760})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if not page.is_closed():
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"))
        await context.close()
    assert not errors, errors
