"""Cross-origin access to the widget's API (`POST /api/ask`, `GET /api/starters`) and to the
Rasa REST webhook (web chat clients such as rasa-webchat) for the sites listed in
RESBOT_CORS_ORIGINS (Settings.cors_origins), with aiohttp-cors.

aiohttp-cors grants the listed origins and, left alone, says nothing useful to the others: a
refused preflight is a bare 403 and a refused simple request is answered without a grant. So an
`OriginGate` middleware stands in front of those paths: a call whose Origin is neither listed
nor the bot's own gets a 403 whose JSON body says what to set, and the server logs a warning
naming the origin and the variable (once per origin per few minutes, so a busy page cannot flood
the log). Browsers enforce CORS either way; the gate only explains the refusal."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

import aiohttp_cors
from aiohttp import web

from bot.server.errors import json_error

log = logging.getLogger(__name__)

API_PATH = "/api/ask"
STARTERS_PATH = "/api/starters"
REST_PATH = "/webhooks/rest/webhook"
CORS_PATHS = frozenset({API_PATH, STARTERS_PATH, REST_PATH})
ORIGINS_VARIABLE = "RESBOT_CORS_ORIGINS"
PREFLIGHT_MAX_AGE_SECONDS = 600
REFUSAL_LOG_INTERVAL_SECONDS = 300.0
MAX_LOGGED_ORIGINS = 256
MAX_SHOWN_ORIGIN = 200
_ORIGIN = re.compile(r"https?://[^/\s?#]+")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def normalise_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """'https://Example.org/' -> 'https://example.org', as browsers send it; a value that is
    not an origin (a path, no scheme) is dropped with a warning. '*' allows every site."""
    result: list[str] = []
    for raw in origins:
        origin = raw.strip().rstrip("/").lower()
        if origin == "*" or _ORIGIN.fullmatch(origin):
            result.append(origin)
        else:
            log.warning("ignoring %s entry %r: not an origin", ORIGINS_VARIABLE, raw)
    return tuple(dict.fromkeys(result))


def setup_cors(app: web.Application, origins: Iterable[str]) -> None:
    """Grant the listed origins `POST /api/ask`, the Rasa webhook and `GET /api/starters`
    (preflight included), and explain refusals to the others. Must run after the routes exist;
    with no origins listed, every cross-origin call is refused."""
    resources = {r.canonical: r for r in app.router.resources() if r.canonical in CORS_PATHS}
    if API_PATH not in resources:
        raise RuntimeError(f"setup_web must run after {API_PATH} is registered")
    allowed = normalise_origins(origins)
    ask = cors_options(("POST",), allow_headers=("Content-Type",))
    cors = aiohttp_cors.setup(app, defaults={o: ask for o in allowed})
    cors.add(resources[API_PATH])
    if REST_PATH in resources:
        cors.add(resources[REST_PATH])
    if STARTERS_PATH in resources:
        read = cors_options(("GET",))
        cors.add(resources[STARTERS_PATH], {o: read for o in allowed})
    app.middlewares.append(OriginGate(allowed).middleware)
    app.on_response_prepare.append(vary_on_origin)


def cors_options(
    methods: tuple[str, ...], *, allow_headers: tuple[str, ...] = ()
) -> aiohttp_cors.ResourceOptions:
    return aiohttp_cors.ResourceOptions(  # type: ignore[no-untyped-call]
        allow_credentials=False,
        allow_headers=allow_headers,
        allow_methods=methods,
        expose_headers=("Retry-After", "X-Request-Id"),
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )


async def vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """The API's CORS headers depend on the Origin: tell caches so."""
    if request.path in CORS_PATHS and "origin" not in response.headers.get("Vary", "").lower():
        response.headers.add("Vary", "Origin")


# -- refusals that say what to do ------------------------------------------------------------
def shown_origin(origin: str) -> str:
    """The Origin header as it may appear in a log line or a message: cut short, with control
    and non-ASCII characters escaped (a header is whatever the client sent)."""
    cut = origin[:MAX_SHOWN_ORIGIN]
    shown = cut.encode("unicode_escape").decode("ascii")
    return shown + ("…" if len(origin) > MAX_SHOWN_ORIGIN else "")


def refusal_message(origin: str) -> str:
    if origin == "null":
        return (
            "this page has no origin (Origin: null: a file:// page or a sandboxed frame) and "
            "cannot call this bot; serve it from an http(s) site and add that site's origin to "
            f"{ORIGINS_VARIABLE} (comma-separated) and restart"
        )
    return (
        f"origin {shown_origin(origin)} is not allowed to call this bot; add it to "
        f"{ORIGINS_VARIABLE} (comma-separated) and restart"
    )


def same_origin(request: web.Request, origin: str) -> bool:
    """A call from the bot's own pages (/demo): the browser says so (Sec-Fetch-Site), or the
    Origin names the host the request was sent to. The scheme is not compared: behind a proxy
    that ends TLS the bot sees http while the page is https."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "same-origin":
        return True
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return False
    if not netloc:
        return False
    hosts = [request.host, *request.headers.getall("X-Forwarded-Host", [])]
    return any(netloc == h.strip().lower() for value in hosts for h in value.split(","))


class RefusalLog:
    """One warning per refused origin per `interval` seconds. At most `capacity` origins are
    remembered; beyond them (someone sending made-up origins) one note says the rest go
    unlogged until the oldest are forgotten."""

    def __init__(
        self,
        *,
        interval: float = REFUSAL_LOG_INTERVAL_SECONDS,
        capacity: int = MAX_LOGGED_ORIGINS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._capacity = capacity
        self._clock = clock
        self._logged: OrderedDict[str, float] = OrderedDict()
        self._full_noted_at: float | None = None

    def refused(self, request: web.Request, origin: str) -> None:
        now = self._clock()
        while self._logged and next(iter(self._logged.values())) <= now - self._interval:
            self._logged.popitem(last=False)
        shown = shown_origin(origin)
        if shown in self._logged:
            return
        if len(self._logged) >= self._capacity:
            noted = self._full_noted_at
            if noted is None or noted <= now - self._interval:
                self._full_noted_at = now
                log.warning(
                    "refused cross-origin calls from more than %d origins in %g s; not "
                    "logging each one (the allowed sites are set by %s)",
                    self._capacity,
                    self._interval,
                    ORIGINS_VARIABLE,
                )
            return
        self._logged[shown] = now
        log.warning(
            "refused %s %s from origin %s: it is not in %s. To let that site embed the widget, "
            "add the origin to %s (comma-separated) and restart (this origin is not logged "
            "again for %g minutes)",
            request.method,
            request.path,
            shown,
            ORIGINS_VARIABLE,
            ORIGINS_VARIABLE,
            self._interval / 60,
        )


class OriginGate:
    """In front of the CORS paths: refuses, with advice, what aiohttp-cors would refuse
    silently, and turns aiohttp-cors's own preflight refusals into readable JSON errors."""

    def __init__(self, allowed: Iterable[str], refusals: RefusalLog | None = None) -> None:
        self._allowed = frozenset(allowed)
        self._anyone = "*" in self._allowed
        self._refusals = refusals or RefusalLog()

    def refuses(self, request: web.Request, origin: str) -> bool:
        if self._anyone or origin in self._allowed:
            return False
        if origin.rstrip("/").lower() in self._allowed:
            return False  # never granted by aiohttp-cors (no browser sends it), not refused here
        return not same_origin(request, origin)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path not in CORS_PATHS:
            return await handler(request)
        origin = request.headers.get("Origin", "")
        if origin and self.refuses(request, origin):
            self._refusals.refused(request, origin)
            return json_error(403, refusal_message(origin))
        if request.method != "OPTIONS":
            return await handler(request)
        try:
            return await handler(request)
        except web.HTTPForbidden as error:  # aiohttp-cors: no Origin, or a method not allowed
            reason = " ".join((error.text or "").split())[:300] or "CORS preflight refused"
            return json_error(403, reason)
