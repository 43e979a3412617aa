"""The operations endpoints: `/healthz` and `/metrics`."""

from __future__ import annotations

import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.server import keys as appkeys
from bot.server.responses import json_response
from bot.server.settings import Settings


async def healthz(request: web.Request) -> web.Response:
    """Always 200 while the process serves: `status` is `degraded` when shared state (Redis)
    is unavailable and answers go without follow-up context."""
    service = request.app[appkeys.SERVICE]
    settings = request.app[appkeys.SETTINGS]
    shared = request.app[appkeys.SHARED]
    await shared.probe()
    engine = service.engine
    symbols = [document.symbol for document in engine.documents]
    return json_response(
        {
            "status": "ok" if shared.ok else "degraded",
            "documents": {"count": len(symbols), "symbols": symbols},
            "intents": {"count": len(engine.intent_names), "names": list(engine.intent_names)},
            "sessions": shared.status(),
            "channels": enabled_channels(settings),
            "background_tasks": len(request.app[appkeys.TASKS]),
            "pid": os.getpid(),
        }
    )


def enabled_channels(settings: Settings) -> dict[str, bool]:
    from bot.channels import enabled_channels as channels  # the channels import this module

    return {**channels(settings), "admin": bool(settings.admin_token)}


async def metrics_endpoint(request: web.Request) -> web.Response:
    body = request.app[appkeys.METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def register(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
