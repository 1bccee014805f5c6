"""A small ICC v2 RGB profile built in the test (Adobe RGB primaries, gamma 2.2): a non-sRGB source."""

from __future__ import annotations

import struct

# D50-adapted colorants of Adobe RGB (1998) and the D50 white point, as ICC profiles store them.
_WHITE = (0.9642, 1.0, 0.8249)
_COLORANTS = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)


def wide_rgb_profile(name: str = "Wide test RGB") -> bytes:
    """Return the bytes of a matrix/TRC RGB display profile whose gamut is wider than sRGB."""
    text = name.encode("ascii") + b"\0"
    # textDescriptionType: ASCII part, then empty Unicode and ScriptCode parts.
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(8) + bytes(3) + bytes(67)
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, round(2.2 * 256)) + bytes(2)
    tags = [(b"desc", desc), (b"wtpt", _xyz(*_WHITE)), (b"rXYZ", _xyz(*_COLORANTS[0])),
            (b"gXYZ", _xyz(*_COLORANTS[1])), (b"bXYZ", _xyz(*_COLORANTS[2])), (b"rTRC", curve),
            (b"gTRC", curve), (b"bTRC", curve), (b"cprt", b"text" + bytes(4) + b"none\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + bytes(-len(body) % 4)
    content = struct.pack(">I", len(tags)) + table + data
    header = (struct.pack(">I", 128 + len(content)) + bytes(4) + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + bytes(12) + b"acsp" + bytes(4 + 4 + 8 + 8 + 4) + _s15(_WHITE[0]) + _s15(_WHITE[1])
              + _s15(_WHITE[2]) + bytes(4 + 16 + 28))
    return header + content
