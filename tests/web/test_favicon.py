"""GET /favicon.ico, and the icon link of the served pages (not of an exported FAQ)."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest

from bot.web.export import render_faq
from bot.web.faq import FAQ_FILE, build_faq, load_faq
from tests.fakes.bot import settings
from tests.web.conftest import ROOT
from tests.web.servers import web_client

session_loop = pytest.mark.asyncio(loop_scope="session")

ICON_LINK = '<link rel="icon" href="/favicon.ico"'
FAQ_YAML = ROOT / "knowledge" / FAQ_FILE


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA rows of an 8-bit RGBA PNG with unfiltered rows."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, chunks = 8, {}
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + data) & 0xFFFFFFFF == crc, kind
        chunks[kind] = chunks.get(kind, b"") + data
        position += 12 + length
    assert b"IEND" in chunks
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 6)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 4 * width
    assert len(raw) == height * stride
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


@session_loop
async def test_favicon_is_a_32px_icon(engine: Any) -> None:
    async with web_client(settings(), engine) as (client, _):
        response = await client.get("/favicon.ico")
        assert response.status == 200
        assert response.content_type == "image/x-icon"
        assert "max-age" in response.headers["Cache-Control"]
        body = await response.read()
        assert (await client.head("/favicon.ico")).status == 200
    reserved, kind, count = struct.unpack("<HHH", body[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    width, height, _, _, planes, bits, size, offset = struct.unpack("<BBBBHHII", body[6:22])
    assert (width, height, planes, bits) == (32, 32, 1, 32)
    assert offset == 22 and size == len(body) - 22
    width, height, rows = png_pixels(body[offset:])
    assert (width, height) == (32, 32)
    alpha = [[row[4 * x + 3] for x in range(32)] for row in rows]
    assert alpha[0][0] == 0 and alpha[16][2] == 255  # a disc: clear corners, solid inside
    centre = rows[13][4 * 16 : 4 * 16 + 3]
    edge = rows[16][4 * 3 : 4 * 3 + 3]
    assert centre == b"\xff\xff\xff" and edge == bytes((0x0B, 0x53, 0x94))  # bubble on accent


@session_loop
async def test_the_served_pages_link_the_icon_and_allow_loading_it(engine: Any) -> None:
    async with web_client(settings(), engine) as (client, _):
        for path in ("/faq", "/demo"):
            response = await client.get(path)
            assert response.status == 200
            head = (await response.text()).split("</head>")[0]
            assert ICON_LINK in head, path
            policy = response.headers["Content-Security-Policy"]
            assert "img-src 'self'" in policy, path


def test_an_exported_faq_page_links_the_icon_its_site_serves(engine: Any) -> None:
    """The export is the served page: on another site, /favicon.ico is that site's icon."""
    page = render_faq(build_faq(engine, load_faq(FAQ_YAML)), "html")
    assert ICON_LINK in page.split("</head>")[0]
