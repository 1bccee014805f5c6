"""Real ICC v2 profiles built byte by byte in tests (no profile file is downloaded or shipped)."""

from __future__ import annotations

import struct

# Adobe RGB (1998): its primaries adapted to the D50 PCS and its 563/256 gamma, as in the published profile.
ADOBE_RGB_COLORANTS = ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))
ADOBE_RGB_GAMMA = 563 / 256
_D50 = (0.9642, 1.0, 0.8249)


def _s15(value: float) -> bytes:
    """Encode an s15Fixed16Number."""
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    """Return an XYZType tag."""
    return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in xyz)


def _curve(gamma: float) -> bytes:
    """Return a curveType tag holding one gamma (u8Fixed8Number)."""
    return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def _description(text: str) -> bytes:
    """Return a textDescriptionType tag (ASCII part only, empty Unicode and ScriptCode parts)."""
    ascii_text = text.encode("ascii") + b"\0"
    body = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text
    body += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67
    return body


def _text(text: str) -> bytes:
    """Return a textType tag."""
    return b"text" + b"\0" * 4 + text.encode("ascii") + b"\0"


def _profile(device_class: bytes, space: bytes, pcs: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """Assemble header, tag table and 4-byte aligned tag data into one ICC v2.1 profile."""
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries, data = b"", b""
    for signature, body in tags:
        entries += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + b"\0" * (-len(body) % 4)
    size = 128 + table_size + len(data)
    header = struct.pack(">I", size) + b"none" + bytes((2, 0x10, 0, 0)) + device_class + space + pcs
    header += struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"none" + b"\0" * 4
    header += b"\0" * 8 + struct.pack(">I", 0) + b"".join(_s15(v) for v in _D50) + b"none" + b"\0" * 44
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + entries + data


def rgb_profile(
    name: str,
    colorants: tuple[tuple[float, float, float], ...] = ADOBE_RGB_COLORANTS,
    gamma: float = ADOBE_RGB_GAMMA,
) -> bytes:
    """Return a matrix/TRC RGB display profile (by default one with Adobe RGB's primaries and gamma)."""
    red, green, blue = colorants
    tags = [
        (b"desc", _description(name)), (b"cprt", _text("No copyright, test profile")), (b"wtpt", _xyz(_D50)),
        (b"rXYZ", _xyz(red)), (b"gXYZ", _xyz(green)), (b"bXYZ", _xyz(blue)),
        (b"rTRC", _curve(gamma)), (b"gTRC", _curve(gamma)), (b"bTRC", _curve(gamma)),
    ]
    return _profile(b"mntr", b"RGB ", b"XYZ ", tags)


def _lab_of_srgb(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """Return the D50 CIELAB of an sRGB colour given in 0-1 (sRGB's own D50 matrix, as in its ICC profile)."""
    r, g, b = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb)
    xyz = (0.4360747 * r + 0.3850649 * g + 0.1430804 * b, 0.2225045 * r + 0.7168786 * g + 0.0606169 * b,
           0.0139322 * r + 0.0971045 * g + 0.7141733 * b)
    fx, fy, fz = (t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
                  for t in (v / w for v, w in zip(xyz, _D50, strict=True)))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def cmyk_press_colour(c: float, m: float, y: float, k: float) -> tuple[float, float, float]:
    """Return the sRGB colour (0-1) that cmyk_profile() gives ink amounts (0-1): inks absorb 90 %, K 88 %."""
    black = 1 - 0.88 * k
    return (1 - 0.9 * c) * black, (1 - 0.9 * m) * black, (1 - 0.9 * y) * black


def cmyk_profile(name: str = "Test press CMYK") -> bytes:
    """Return a CMYK output profile (lut16 A2B0 to Lab) of a press whose full black is a dark grey, not 0."""
    grid = [(c, m, y, k) for c in (0, 1) for m in (0, 1) for y in (0, 1) for k in (0, 1)]  # first input slowest
    clut = b""
    for corner in grid:
        lightness, a, b = _lab_of_srgb(cmyk_press_colour(*corner))
        # ICC v2 16-bit Lab: L 0-100 -> 0-0xFF00, a and b -128..+128 -> 0-0xFFFF with 0 at 0x8000.
        clut += struct.pack(">3H", round(lightness * 652.8), round((a + 128) * 256), round((b + 128) * 256))
    identity = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    ramp = struct.pack(">2H", 0, 65535)
    lut = b"mft2" + b"\0" * 4 + bytes((4, 3, 2, 0)) + identity + struct.pack(">2H", 2, 2)
    lut += ramp * 4 + clut + ramp * 3
    tags = [(b"desc", _description(name)), (b"cprt", _text("No copyright, test profile")),
            (b"wtpt", _xyz(_D50)), (b"A2B0", lut)]
    return _profile(b"prtr", b"CMYK", b"Lab ", tags)
