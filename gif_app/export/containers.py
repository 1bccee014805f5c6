"""Where JPEG, PNG and WebP files keep their XMP, IPTC and EXIF blocks: read them, and write them back.

JPEG: XMP in an APP1 segment, IPTC as resource 0x0404 of a Photoshop APP13 segment (with its MD5 as
resource 0x0425, so readers following the Metadata Working Group see IPTC and XMP in step), EXIF in APP1.
PNG: XMP in an iTXt "XML:com.adobe.xmp" chunk, EXIF in eXIf. WebP: "XMP " and "EXIF" chunks (a simple
file becomes an extended VP8X one). Writing replaces the XMP packet and IPTC record, patches the EXIF
ImageDescription when asked, and copies every other segment, chunk, resource and the pixel data unchanged.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from gif_app import imaging
from gif_app.export.exif_text import EXIF_PREFIX, set_image_description

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
PNG_IPTC_KEYWORD = b"Raw profile type iptc"  # ImageMagick's and ExifTool's (non-standard) IPTC in PNG
IPTC_RESOURCE = 0x0404
IPTC_DIGEST_RESOURCE = 0x0425
_MAX_SEGMENT = 65533  # a JPEG segment's payload limit (length field counts itself)


@dataclass(frozen=True)
class Blocks:
    """The metadata blocks found in one file (None where absent)."""

    xmp: bytes | None = None
    iptc: bytes | None = None


# --- Photoshop image resources (APP13) -------------------------------------------------------------


def _photoshop_resources(payload: bytes) -> list[tuple[int, bytes, bytes]]:
    """Split an APP13 payload into (id, pascal name, data) resources."""
    resources, offset = [], len(PHOTOSHOP_HEADER)
    while payload[offset : offset + 4] == b"8BIM" and offset + 8 <= len(payload):
        code = struct.unpack(">H", payload[offset + 4 : offset + 6])[0]
        name_len = payload[offset + 6]
        name_end = offset + 7 + name_len + ((name_len + 1) & 1)
        name = payload[offset + 6 : name_end]
        size = struct.unpack(">I", payload[name_end : name_end + 4])[0]
        data = payload[name_end + 4 : name_end + 4 + size]
        resources.append((code, name, data))
        offset = name_end + 4 + size + (size & 1)
    return resources


def _photoshop_payload(resources: list[tuple[int, bytes, bytes]]) -> bytes:
    """Join resources into an APP13 payload (names and data padded to even lengths)."""
    out = [PHOTOSHOP_HEADER]
    for code, name, data in resources:
        out.append(b"8BIM" + struct.pack(">H", code) + (name or b"\x00\x00") + struct.pack(">I", len(data)))
        out.append(data + (b"\x00" if len(data) & 1 else b""))
    return b"".join(out)


# --- JPEG -------------------------------------------------------------------------------------------


def _jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Return the header segments before the scan as (marker, payload) and the rest of the file."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG file")
    segments: list[tuple[int, bytes]] = []
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise ValueError("corrupt JPEG header")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: the rest is copied verbatim
            return segments, data[offset:]
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        segments.append((marker, data[offset + 4 : offset + 2 + length]))
        offset += 2 + length
    raise ValueError("JPEG has no image data")


def _segment(marker: int, payload: bytes) -> bytes:
    """Encode one JPEG marker segment."""
    if len(payload) > _MAX_SEGMENT:
        raise ValueError("metadata too large for one JPEG segment")
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _is_photoshop(marker: int, payload: bytes) -> bool:
    return marker == 0xED and payload.startswith(PHOTOSHOP_HEADER)


def _read_jpeg(data: bytes) -> Blocks:
    """Return the main XMP packet and the IPTC record of a JPEG."""
    segments, _ = _jpeg_segments(data)
    xmp = next((p[len(XMP_HEADER):] for m, p in segments if m == 0xE1 and p.startswith(XMP_HEADER)), None)
    iptc = next((block for m, p in segments if _is_photoshop(m, p)
                 for code, _, block in _photoshop_resources(p) if code == IPTC_RESOURCE), None)
    return Blocks(xmp=xmp, iptc=iptc)


def _write_jpeg(data: bytes, xmp: bytes, iptc: bytes | None, description: str) -> bytes:
    """Replace the XMP (and IPTC when given) of a JPEG; the compressed image data is copied unchanged."""
    segments, rest = _jpeg_segments(data)
    kept: list[tuple[int, bytes]] = []
    resources: list[tuple[int, bytes, bytes]] = []
    for marker, payload in segments:
        if marker == 0xE1 and payload.startswith(XMP_HEADER):
            continue
        if iptc is not None and _is_photoshop(marker, payload):
            resources += [r for r in _photoshop_resources(payload)
                          if r[0] not in (IPTC_RESOURCE, IPTC_DIGEST_RESOURCE)]
            continue
        if description and marker == 0xE1 and payload.startswith(EXIF_PREFIX):
            payload = set_image_description(payload, description) or payload
        kept.append((marker, payload))
    ours = [(0xE1, XMP_HEADER + xmp)]
    if iptc is not None:
        resources += [(IPTC_RESOURCE, b"\x00\x00", iptc),
                      (IPTC_DIGEST_RESOURCE, b"\x00\x00", hashlib.md5(iptc, usedforsecurity=False).digest())]
        ours.append((0xED, _photoshop_payload(resources)))
    # JFIF (APP0) and EXIF (APP1) come first by convention; ours follow them, before any extended XMP.
    at = next((i for i, (m, p) in enumerate(kept)
               if m not in (0xE0, 0xE1) or p.startswith(XMP_EXTENSION_HEADER)), len(kept))
    ordered = kept[:at] + ours + kept[at:]
    return b"\xff\xd8" + b"".join(_segment(m, p) for m, p in ordered) + rest


# --- PNG --------------------------------------------------------------------------------------------


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, data) chunks."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset + 12 <= len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        kind = data[offset + 4 : offset + 8]
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _is_png_xmp(kind: bytes, body: bytes) -> bool:
    """Return True for a text chunk that carries XMP."""
    return kind in (b"iTXt", b"tEXt", b"zTXt") and body.split(b"\x00", 1)[0] == PNG_XMP_KEYWORD


def _is_png_iptc(kind: bytes, body: bytes) -> bool:
    """Return True for a raw IPTC profile text chunk."""
    return kind in (b"iTXt", b"tEXt", b"zTXt") and body.split(b"\x00", 1)[0] == PNG_IPTC_KEYWORD


def _png_text(kind: bytes, body: bytes) -> bytes:
    """Return the text of an iTXt, zTXt or tEXt chunk."""
    rest = body[body.index(b"\x00") + 1 :]
    if kind == b"tEXt":
        return rest
    if kind == b"zTXt":
        return zlib.decompress(rest[1:])
    is_compressed = rest[0] == 1
    text = rest[2:].split(b"\x00", 2)[2]
    return zlib.decompress(text) if is_compressed else text


def _raw_profile_iptc(text: bytes) -> bytes | None:
    """Return the IIM record inside a raw profile ("\\niptc\\n  length\\nhex..."), held as 8BIM resources."""
    _name, length, hexdigits = text.strip().split(b"\n", 2)
    payload = bytes.fromhex(hexdigits.decode("ascii"))[: int(length)]
    if payload.startswith(b"\x1c"):
        return payload
    resources = _photoshop_resources(PHOTOSHOP_HEADER + payload)
    return next((block for code, _, block in resources if code == IPTC_RESOURCE), None)


def _raw_profile_chunk(iptc: bytes) -> bytes:
    """Return a zTXt raw IPTC profile body holding the record as an 8BIM resource."""
    payload = _photoshop_payload([(IPTC_RESOURCE, b"\x00\x00", iptc)])[len(PHOTOSHOP_HEADER) :]
    digits = payload.hex()
    lines = "\n".join(digits[i : i + 72] for i in range(0, len(digits), 72))
    text = f"\nIPTC profile\n{len(payload):8d}\n{lines}\n".encode("ascii")
    return PNG_IPTC_KEYWORD + b"\x00\x00" + zlib.compress(text)


def _read_png(data: bytes) -> Blocks:
    """Return the XMP packet of a PNG, and the IPTC record of a raw IPTC profile chunk if it has one."""
    chunks = _png_chunks(data)
    xmp = next((_png_text(k, b) for k, b in chunks if _is_png_xmp(k, b)), None)
    iptc = next((_raw_profile_iptc(_png_text(k, b)) for k, b in chunks if _is_png_iptc(k, b)), None)
    return Blocks(xmp=xmp, iptc=iptc)


def _write_png(data: bytes, xmp: bytes, iptc: bytes | None, description: str) -> bytes:
    """Replace the XMP iTXt chunk of a PNG (placed before the image data) and an IPTC profile it already has."""
    chunks = [(k, b) for k, b in _png_chunks(data) if not _is_png_xmp(k, b)]
    if iptc is not None:  # PNG has no standard IPTC: only a profile the file already carries is updated
        chunks = [(b"zTXt", _raw_profile_chunk(iptc)) if _is_png_iptc(k, b) else (k, b) for k, b in chunks]
    if description:
        chunks = [(k, (set_image_description(b, description) or b) if k == b"eXIf" else b) for k, b in chunks]
    itxt = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + xmp
    at = next((i for i, (k, _) in enumerate(chunks) if k == b"IDAT"), len(chunks) - 1)
    chunks.insert(at, (b"iTXt", itxt))
    body = b"".join(
        struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF) for k, b in chunks
    )
    return PNG_SIGNATURE + body


# --- WebP -------------------------------------------------------------------------------------------


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a WebP RIFF container into (fourcc, data) chunks."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        raise ValueError("not a WebP file")
    chunks, offset, end = [], 12, min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while offset + 8 <= end:
        kind, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        chunks.append((kind, data[offset + 8 : offset + 8 + size]))
        offset += 8 + size + (size & 1)
    return chunks


def _read_webp(data: bytes) -> Blocks:
    """Return the XMP chunk of a WebP."""
    return Blocks(xmp=next((b for k, b in _webp_chunks(data) if k == b"XMP "), None))


def _write_webp(data: bytes, xmp: bytes, description: str) -> bytes:
    """Replace the "XMP " chunk of a WebP, turning a simple file into an extended (VP8X) one."""
    chunks = [(k, b) for k, b in _webp_chunks(data) if k != b"XMP "]
    if description:
        chunks = [(k, (set_image_description(b, description) or b) if k == b"EXIF" else b) for k, b in chunks]
    if chunks[0][0] == b"VP8X":
        header = bytearray(chunks[0][1])
        header[0] |= 0x04
        chunks[0] = (b"VP8X", bytes(header))
    else:
        img = imaging.open_image(data)
        flags = 0x04 | (0x10 if imaging.has_alpha(img) else 0)
        size = (img.width - 1).to_bytes(3, "little") + (img.height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", bytes((flags, 0, 0, 0)) + size))
    chunks.append((b"XMP ", xmp))
    body = b"".join(k + struct.pack("<I", len(b)) + b + (b"\x00" if len(b) & 1 else b"") for k, b in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# --- Public -----------------------------------------------------------------------------------------


def read_blocks(data: bytes, fmt: imaging.ImageFormat) -> Blocks:
    """Return the XMP packet and IPTC record of a file (ValueError when its structure is broken)."""
    return {"jpg": _read_jpeg, "png": _read_png, "webp": _read_webp}[fmt](data)


def write_blocks(data: bytes, fmt: imaging.ImageFormat, xmp: bytes, iptc: bytes | None = None,
                 description: str = "") -> bytes:
    """Return the file with `xmp` and `iptc` (JPEG, or a PNG's existing IPTC profile) written, and an EXIF
    ImageDescription set to `description`; an empty `description` or None `iptc` leaves those as they are."""
    if fmt == "jpg":
        return _write_jpeg(data, xmp, iptc, description)
    if fmt == "png":
        return _write_png(data, xmp, iptc, description)
    return _write_webp(data, xmp, description)
