"""A decompression bomb for tests: a PNG of a few hundred bytes that claims a huge grey image."""

from __future__ import annotations

import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    """Return one PNG chunk with its length and CRC."""
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def bomb_png(width: int, height: int | None = None) -> bytes:
    """Return a valid PNG header for width x height 8-bit grey pixels over a tiny compressed IDAT."""
    header = width.to_bytes(4, "big") + (height or width).to_bytes(4, "big") + bytes((8, 0, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(4096)))
            + _chunk(b"IEND", b""))
