"""Thin transport adapters: verify, parse into a typed message, ask the service, render.

Every channel module says its name (`CHANNEL`), when it is on (`enabled(settings)`) and how it
adds its routes (`register(app, context, settings)`); `CHANNELS` below is the one list that
create_app, /healthz and the metrics read. A new platform is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from aiohttp import web

from bot.channels import api, rest, slack, telegram
from bot.channels.context import ChannelContext
from bot.server.settings import Settings


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    enabled: Callable[[Settings], bool]
    register: Callable[[web.Application, ChannelContext, Settings], None]

    @classmethod
    def of(cls, module: ModuleType) -> Channel:
        return cls(name=module.CHANNEL, enabled=module.enabled, register=module.register)


CHANNELS: tuple[Channel, ...] = tuple(Channel.of(module) for module in (api, rest, slack, telegram))


def register_enabled(app: web.Application, context: ChannelContext, settings: Settings) -> None:
    for channel in CHANNELS:
        if channel.enabled(settings):
            channel.register(app, context, settings)


def enabled_channels(settings: Settings) -> dict[str, bool]:
    return {channel.name: channel.enabled(settings) for channel in CHANNELS}
