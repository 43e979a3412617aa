"""Regenerate docs/widget.png (the README's picture of the widget):
`.venv/bin/python -m tests.web.screenshot [OUT.png]`. Needs /usr/bin/chromium."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from playwright.async_api import async_playwright, expect

from bot.loading.engine import load_engine
from tests.fakes.bot import settings
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.web.servers import bot_app, listening_socket, serving

QUESTION = "What does the resolution say about climate change?"


async def take(out: Path) -> None:
    app, _ = bot_app(settings(), load_engine(ROOT / "knowledge", ROOT / "intents"))
    async with serving(app, listening_socket()) as url, async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": 960, "height": 720})
            await page.goto(f"{url}/demo")
            await page.locator(".launcher").click()
            await page.locator("#resbot-input").fill(QUESTION)
            await page.locator("#resbot-input").press("Enter")
            await expect(page.locator(".msg.bot blockquote").first).to_be_visible()
            await page.locator("#resbot-input").blur()
            await page.screenshot(path=str(out))
        finally:
            await browser.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "widget.png"
    asyncio.run(take(target))
    print(target)
