"""SIGTERM while a request is still uploading its body: the upload is read to the end and
answered, then the server exits; it neither drops the rest of the body (a 408 after the read
timeout) nor waits for that timeout."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from tests.ops.processes import start_server

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]


async def test_sigterm_during_an_upload_finishes_the_request(tmp_path: Path) -> None:
    server = await start_server(tmp_path / "serve.log")
    port = int(server.url.rsplit(":", 1)[1])
    body = json.dumps({"sender": "a", "message": "What does operative paragraph 3 say?"}).encode()
    head = (
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head + body[:10])
        await writer.drain()
        await asyncio.sleep(0.3)
        started = time.monotonic()
        server.send(signal.SIGTERM)
        await asyncio.sleep(0.5)
        writer.write(body[10:])
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 30)
        answered = time.monotonic() - started
    finally:
        writer.close()
        await writer.wait_closed()
    code = await server.stop(timeout=30)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert b"Connection: close" in reply
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1])["citations"][0]["paragraph"] == "op3"
    assert answered < 3
    assert code == 0
