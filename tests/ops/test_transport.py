"""Transport errors on a real `resbot serve`: a body that does not match its Content-Encoding,
a client that disconnects mid-body, and malformed HTTP (overlong lines, bad methods, bad
chunks) are 400s (or nothing, for a client that is gone) with one log line each: never a 500,
never a traceback."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.ops.processes import ServerProcess, start_server

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]

BODY = json.dumps({"sender": "a", "message": "hi"}).encode()


def post(headers: bytes, body: bytes = BODY) -> bytes:
    return (
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + headers
        + b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )


MALFORMED = {
    "gzip on a plain body": post(b"Content-Encoding: gzip\r\n"),
    "deflate on a plain body": post(b"Content-Encoding: deflate\r\n"),
    "overlong request line": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "overlong header": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 10_000 + b"\r\n\r\n",
    "bad method": b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,
    "bad chunk": (
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n"
    ),
}


# What a server logs at start and stop, whatever the requests: not what a request caused.
LIFECYCLE_LOGGERS = (
    " bot.server.run ",
    " bot.web.routes ",
    " bot.loading.",
    " bot.semantic_model.",
)


def request_lines(log: str) -> list[str]:
    return [
        line for line in log.splitlines() if line and not any(n in line for n in LIFECYCLE_LOGGERS)
    ]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = await start_server(tmp_path / "serve.log")
    yield process
    await process.kill()


async def exchange(url: str, request: bytes, *, abort: bool = False) -> bytes:
    port = int(url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    if abort:
        await asyncio.sleep(0.2)
        writer.transport.abort()  # a reset, mid-body
        return b""
    try:
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_malformed_transport_is_a_400_with_one_log_line(
    server: ServerProcess, name: str
) -> None:
    reply = await exchange(server.url, MALFORMED[name])
    status = int(reply.split(b" ", 2)[1])
    assert status == 400, reply[:300]
    if name.endswith("plain body"):
        assert "Content-Encoding" in json.loads(reply.split(b"\r\n\r\n", 1)[1])["error"]
    assert await server.stop() == 0
    lines = request_lines(server.log())
    assert len(lines) == 1, lines
    assert "Traceback" not in server.log() and " ERROR " not in server.log()
    assert re.search(r"\b400\b", lines[0])


async def test_a_client_that_disconnects_mid_body_is_one_log_line(server: ServerProcess) -> None:
    head = post(b"", b"").replace(b"Content-Length: 0", b"Content-Length: 100")
    await exchange(server.url, head + b'{"se', abort=True)
    await asyncio.sleep(0.3)
    assert await server.stop() == 0
    lines = request_lines(server.log())
    assert len(lines) == 1, lines
    assert "status=499" in lines[0] and "Traceback" not in server.log()
