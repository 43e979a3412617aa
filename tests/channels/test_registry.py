"""One list of channels: every platform module is registered, enabled by its own secret, and
/healthz reports the same list."""

from __future__ import annotations

import importlib
import pkgutil

import bot.channels
from bot.channels import CHANNELS, enabled_channels
from tests.fakes.bot import settings


def test_every_channel_module_is_in_the_registry() -> None:
    modules = [
        importlib.import_module(f"bot.channels.{info.name}")
        for info in pkgutil.iter_modules(bot.channels.__path__)
    ]
    registering = {m.CHANNEL for m in modules if hasattr(m, "register") and hasattr(m, "CHANNEL")}
    assert registering == {channel.name for channel in CHANNELS}


def test_a_channel_is_on_only_with_its_secret() -> None:
    off = enabled_channels(settings())
    assert off == {"api": True, "rest": True, "slack": False, "telegram": False}
    on = enabled_channels(settings(slack_signing_secret="s", telegram_secret_token="t"))
    assert on["slack"] and on["telegram"]
