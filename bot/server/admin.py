"""`POST /admin/reload`: reload knowledge and intents. Registered only when RESBOT_ADMIN_TOKEN
is set (otherwise 404); the bearer token is compared in constant time before anything else."""

from __future__ import annotations

from aiohttp import web

from bot.loading.errors import LoadError
from bot.server.auth import AuthFailures, secrets_equal
from bot.server.errors import RequestError
from bot.server.metrics import Metrics
from bot.server.reload import Reloader
from bot.server.responses import json_response

BEARER = "Bearer "


class AdminReload:
    def __init__(
        self, reloader: Reloader, token: str, metrics: Metrics, auth: AuthFailures
    ) -> None:
        self._reloader = reloader
        self._token = token
        self._metrics = metrics
        self._auth = auth

    async def handle(self, request: web.Request) -> web.Response:
        await self._auth.admit(request)
        if not self._authorized(request.headers.get("Authorization", "")):
            await self._auth.failed(request)
            raise RequestError(
                401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        try:
            report = await self._reloader.reload()
        except LoadError as error:
            self._metrics.reloads.labels(outcome="invalid").inc()
            return json_response(
                {
                    "error": "invalid knowledge or intents; still serving the previous ones",
                    "problems": error.problems,
                },
                status=422,
            )
        self._metrics.reloads.labels(outcome="ok").inc()
        return json_response(
            {
                "status": "reloaded",
                "documents": report.documents,
                "intents": report.intents,
                "duration_ms": round(report.seconds * 1000, 1),
            }
        )

    def _authorized(self, header: str) -> bool:
        given = header[len(BEARER) :] if header.startswith(BEARER) else ""
        # Compare even when the header is missing or malformed: same work either way.
        return secrets_equal(given, self._token) and bool(given)


def register(
    app: web.Application, reloader: Reloader, *, token: str, metrics: Metrics, auth: AuthFailures
) -> None:
    app.router.add_post("/admin/reload", AdminReload(reloader, token, metrics, auth).handle)
