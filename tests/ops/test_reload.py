"""Reloading knowledge and intents while serving: POST /admin/reload (bearer token) and SIGHUP.
Invalid files keep the old engine serving and are reported by file and line; requests in
flight finish on the engine they started with."""

from __future__ import annotations

import asyncio
import gc
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.core.models import Answer
from bot.loading.engine import prepare_to_serve
from bot.server.conversation import ConversationService
from bot.server.reload import Reloader
from bot.server.sessions import MemorySessionStore, Stored
from bot.server.settings import Settings
from tests.fakes.bot import running_bot, settings
from tests.fakes.engine import ScriptedEngine
from tests.ops.processes import INTENTS, KNOWLEDGE, ROOT, start_server

session_loop = pytest.mark.asyncio(loop_scope="session")

TOKEN = "rel0ad-Token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
EXTRA_DOCUMENT = ROOT / "tests" / "fixtures" / "resolutions" / "A_RES_73_6.txt"


def copy_folders(tmp_path: Path) -> tuple[Path, Path]:
    knowledge, intents = tmp_path / "knowledge", tmp_path / "intents"
    shutil.copytree(KNOWLEDGE, knowledge)
    shutil.copytree(INTENTS, intents)
    return knowledge, intents


def break_intents(intents: Path) -> int:
    """Append an unclosed YAML list to smalltalk.yaml; returns the line the loader names."""
    path = intents / "smalltalk.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, "", "  bad: [unclosed", ""]), encoding="utf-8")
    return len(lines) + 2


def admin_settings(knowledge: Path, intents: Path, **overrides: Any) -> Settings:
    return settings(admin_token=TOKEN, knowledge_dir=knowledge, intents_dir=intents, **overrides)


@session_loop
async def test_admin_routes_are_off_without_a_token(engine: Any) -> None:
    async with running_bot(settings(), engine) as client:
        response = await client.post("/admin/reload", headers=BEARER)
        assert response.status == 404
        assert (await (await client.get("/healthz")).json())["channels"]["admin"] is False


@session_loop
async def test_reload_needs_the_bearer_token(engine: Any) -> None:
    async with running_bot(admin_settings(KNOWLEDGE, INTENTS), engine) as client:
        for headers in (
            {},
            {"Authorization": TOKEN},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": f"Bearer {TOKEN[:-1]}"},
            {"Authorization": "Bearer "},
        ):
            response = await client.post("/admin/reload", headers=headers)
            assert response.status == 401, headers
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert await response.json() == {"error": "missing or invalid bearer token"}


@session_loop
async def test_reload_swaps_in_new_documents_and_refuses_invalid_files(
    engine: Any, tmp_path: Path
) -> None:
    knowledge, intents = copy_folders(tmp_path)
    question = {"sender": "a", "message": "In resolution 73/6, what does paragraph 1 say?"}
    async with running_bot(admin_settings(knowledge, intents), engine) as client:
        shutil.copy(EXTRA_DOCUMENT, knowledge)
        prepare_to_serve(engine)  # as `resbot serve` does once its engine is loaded
        response = await client.post("/admin/reload", headers=BEARER)
        assert response.status == 200
        assert gc.get_freeze_count() == 0  # the replaced engine can be collected
        report = await response.json()
        assert report["status"] == "reloaded" and report["documents"] == 2
        health = await (await client.get("/healthz")).json()
        assert health["documents"]["count"] == 2

        line = break_intents(intents)
        response = await client.post("/admin/reload", headers=BEARER)
        assert response.status == 422
        refused = await response.json()
        assert "still serving the previous ones" in refused["error"]
        assert refused["problems"] == [
            f"{intents / 'smalltalk.yaml'}:{line}: invalid YAML: did not find expected '-' "
            "indicator"
        ]
        answer = await (await client.post("/api/ask", json=question)).json()
        assert answer["citations"][0]["document"] == "A/RES/73/6"
        assert (await (await client.get("/healthz")).json())["documents"]["count"] == 2
        metrics = await (await client.get("/metrics")).text()
    assert 'resbot_reloads_total{outcome="ok"} 1.0' in metrics
    assert 'resbot_reloads_total{outcome="invalid"} 1.0' in metrics


class GatedStore(MemorySessionStore):
    """Holds every load until the test opens the gate: a request kept in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def read(self, sender: str) -> Stored:
        self.waiting.set()
        await self.gate.wait()
        return await super().read(sender)


@session_loop
async def test_requests_in_flight_finish_on_the_engine_they_started_with() -> None:
    old = ScriptedEngine(Answer(text="old", intent="scripted", confidence=1.0))
    new = ScriptedEngine(Answer(text="new", intent="scripted", confidence=1.0))
    store = GatedStore()
    service = ConversationService(old, store)  # type: ignore[arg-type]
    reloader = Reloader(service, KNOWLEDGE, INTENTS, loader=lambda k, i: new)  # type: ignore[arg-type,return-value]
    in_flight = asyncio.create_task(service.ask("a", "hi"))
    try:
        await store.waiting.wait()
        report = await reloader.reload()
        assert report.seconds >= 0
        store.gate.set()
        assert (await in_flight).text == "old"
        assert (await service.ask("a", "hi")).text == "new"
    finally:
        store.gate.set()
        await in_flight


@session_loop
async def test_sighup_reloads_and_a_bad_file_keeps_the_old_engine(tmp_path: Path) -> None:
    knowledge, intents = copy_folders(tmp_path)
    server = await start_server(tmp_path / "serve.log", knowledge=knowledge, intents=intents)
    try:
        async with aiohttp.ClientSession() as session:

            async def documents() -> int:
                async with session.get(f"{server.url}/healthz") as response:
                    count: int = (await response.json())["documents"]["count"]
                    return count

            assert await documents() == 1
            shutil.copy(EXTRA_DOCUMENT, knowledge)
            server.send(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while await documents() != 2:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            line = break_intents(intents)
            server.send(signal.SIGHUP)
            while "reload refused" not in server.log():
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            assert await documents() == 2
    finally:
        assert await server.stop() == 0
    assert f"smalltalk.yaml:{line}: invalid YAML" in server.log()
