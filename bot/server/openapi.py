"""`GET /openapi.json`: the OpenAPI 3.1 description of every route (bot/data/openapi.json),
read once per application. tests/test_app.py validates real responses against it."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from aiohttp import web


def load_openapi() -> dict[str, Any]:
    text = resources.files("bot").joinpath("data/openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def register(app: web.Application) -> None:
    body = json.dumps(load_openapi(), ensure_ascii=False).encode("utf-8")

    async def openapi(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app.router.add_get("/openapi.json", openapi)
