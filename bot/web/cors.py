"""Cross-origin access to `POST /api/ask` and the Rasa REST webhook (web chat clients such as
rasa-webchat) for the sites listed in RESBOT_CORS_ORIGINS (Settings.cors_origins), with
aiohttp-cors. Other origins get no CORS grant: their browsers refuse to send the request
(preflight 403) or to show the reply."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import aiohttp_cors
from aiohttp import web

log = logging.getLogger(__name__)

API_PATH = "/api/ask"
REST_PATH = "/webhooks/rest/webhook"
CORS_PATHS = (API_PATH, REST_PATH)
PREFLIGHT_MAX_AGE_SECONDS = 600
_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def normalise_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """'https://Example.org/' -> 'https://example.org', as browsers send it; a value that is
    not an origin (a path, no scheme) is dropped with a warning. '*' allows every site."""
    result: list[str] = []
    for raw in origins:
        origin = raw.strip().rstrip("/").lower()
        if origin == "*" or _ORIGIN.fullmatch(origin):
            result.append(origin)
        else:
            log.warning("ignoring RESBOT_CORS_ORIGINS entry %r: not an origin", raw)
    return tuple(dict.fromkeys(result))


def setup_cors(app: web.Application, origins: Iterable[str]) -> None:
    """Grant the listed origins `POST /api/ask` and the Rasa webhook (preflight included).
    Must run after the routes exist; with no origins listed, every preflight is refused."""
    resources = [r for r in app.router.resources() if r.canonical in CORS_PATHS]
    if len(resources) != len(CORS_PATHS):
        raise RuntimeError(f"setup_web must run after {', '.join(CORS_PATHS)} are registered")
    options = aiohttp_cors.ResourceOptions(  # type: ignore[no-untyped-call]
        allow_credentials=False,
        allow_headers=("Content-Type",),
        allow_methods=("POST",),
        expose_headers=("Retry-After", "X-Request-Id"),
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
    cors = aiohttp_cors.setup(app, defaults={o: options for o in normalise_origins(origins)})
    for resource in resources:
        cors.add(resource)
    app.on_response_prepare.append(vary_on_origin)


async def vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """The API's CORS headers depend on the Origin: tell caches so."""
    if request.path in CORS_PATHS and "origin" not in response.headers.get("Vary", "").lower():
        response.headers.add("Vary", "Origin")
