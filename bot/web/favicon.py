"""GET /favicon.ico: the widget's launcher drawn small (a white speech bubble on the accent
colour), made here as a 32x32 PNG inside an ICO container, so no binary file is shipped and
every browser (ICO with PNG is read since Windows Vista and by all current browsers) shows it."""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

SIZE = 32
ACCENT = (0x0B, 0x53, 0x94)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per pixel side: edges are anti-aliased


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    png = png_image(SIZE, SIZE, draw_pixels(SIZE))
    header = struct.pack("<HHH", 0, 1, 1)  # reserved, type 1 (icon), one image
    entry = struct.pack("<BBBBHHII", SIZE % 256, SIZE % 256, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def draw_pixels(size: int) -> list[bytes]:
    """Rows of RGBA: a disc of the accent colour with a bubble (rounded box and tail) on it."""
    rows = []
    step = 1 / SAMPLES
    for y in range(size):
        row = bytearray()
        for x in range(size):
            disc = bubble = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    u = (x + (sx + 0.5) * step) / size
                    v = (y + (sy + 0.5) * step) / size
                    if in_disc(u, v):
                        disc += 1
                        bubble += in_bubble(u, v)
            row += blend(disc, bubble)
        rows.append(bytes(row))
    return rows


def blend(disc: int, bubble: int) -> bytes:
    if not disc:
        return bytes(4)
    white = bubble / disc
    colour = (round(a + (w - a) * white) for a, w in zip(ACCENT, WHITE, strict=True))
    return bytes([*colour, round(255 * disc / SAMPLES**2)])


def in_disc(u: float, v: float) -> bool:
    return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.5**2


def in_bubble(u: float, v: float) -> bool:
    """The box (0.24..0.76 x 0.27..0.6, corners rounded by 0.08) and its tail below left."""
    left, right, top, bottom, radius = 0.24, 0.76, 0.27, 0.6, 0.08
    cx = min(max(u, left + radius), right - radius)
    cy = min(max(v, top + radius), bottom - radius)
    if (u - cx) ** 2 + (v - cy) ** 2 <= radius**2:
        return True
    # the tail: a triangle from (0.33, 0.59) and (0.48, 0.59) down to (0.33, 0.75)
    return u >= 0.33 and 0.59 <= v <= 0.75 and (u - 0.33) / 0.15 + (v - 0.59) / 0.16 <= 1


def png_image(width: int, height: int, rows: list[bytes]) -> bytes:
    """An RGBA PNG: signature, IHDR, one IDAT (filter 0 on every row), IEND."""
    raw = b"".join(b"\x00" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
