"""Typed keys for everything the web application shares: one module, so handlers and tests agree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.server.conversation import ConversationService
from bot.server.settings import Settings

if TYPE_CHECKING:
    from bot.server.access import InFlight
    from bot.server.metrics import Metrics
    from bot.server.outbound import HttpClient
    from bot.server.reload import Reloader
    from bot.server.shared_state import SharedState
    from bot.server.tasks import BackgroundTasks

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", ConversationService)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
TASKS: web.AppKey[BackgroundTasks] = web.AppKey("background_tasks")
HTTP: web.AppKey[HttpClient] = web.AppKey("http_client")
SHARED: web.AppKey[SharedState] = web.AppKey("shared_state")
RELOADER: web.AppKey[Reloader] = web.AppKey("reloader")
IN_FLIGHT: web.AppKey[InFlight] = web.AppKey("in_flight")

REQUEST_ID = web.RequestKey("request_id", str)
