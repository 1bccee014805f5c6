"""Embed title, description and keywords into JPG/PNG/WebP files as IPTC IIM and XMP, without re-encoding.

JPEG gets an XMP APP1 segment and an IPTC record (Photoshop APP13, resource 0x0404, UTF-8 declared by
1:90 = ESC % G); PNG gets an iTXt "XML:com.adobe.xmp" chunk; WebP gets an "XMP " chunk (adding VP8X when
the file is a simple one). We own these blocks: embedding again replaces our XMP packet and IPTC record
(other Photoshop resources, EXIF, ICC and pixel data are kept byte for byte).
"""

from __future__ import annotations

import logging
import os
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from gif_app import imaging
from gif_app.domain import StockMetadata
from gif_app.errors import ProcessingError, StorageError

logger = logging.getLogger(__name__)

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXTENSION_HEADER = b"http://ns.adobe.com/xmp/extension/\x00"
PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
IPTC_RESOURCE = 0x0404
_MAX_SEGMENT = 65533  # a JPEG segment's payload limit (length field counts itself)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# IPTC IIM dataset byte limits (ObjectName 64, Headline 256, Caption 2000, each keyword 64).
_LIMITS = {5: 64, 105: 256, 120: 2000, 25: 64}


def _clean(text: str) -> str:
    """Drop characters XML cannot carry and surrounding whitespace."""
    return _INVALID_XML.sub("", text).strip()


def _keywords(metadata: StockMetadata) -> list[str]:
    """Return the non-empty cleaned keywords in order."""
    return [k for k in (_clean(k) for k in metadata.keywords) if k]


def build_xmp(metadata: StockMetadata) -> bytes:
    """Return an XMP packet with dc:title, dc:description (x-default) and dc:subject (Bag)."""
    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(_clean(text))}</rdf:li></rdf:Alt>'

    items = "".join(f"<rdf:li>{escape(k)}</rdf:li>" for k in _keywords(metadata))
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{_RDF}">\n'
        f'  <rdf:Description rdf:about="" xmlns:dc="{_DC}">\n'
        f"   <dc:title>{alt(metadata.title)}</dc:title>\n"
        f"   <dc:description>{alt(metadata.description)}</dc:description>\n"
        f"   <dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def parse_xmp(packet: bytes) -> StockMetadata:
    """Read dc:title, dc:description and dc:subject from an XMP packet."""
    root = ET.fromstring(packet.strip(b"\x00 \r\n\t"))

    def alt(tag: str) -> str:
        items = root.findall(f".//{{{_DC}}}{tag}//{{{_RDF}}}li")
        preferred = [i for i in items if i.get(_XML_LANG) == "x-default"] or items
        return (preferred[0].text or "") if preferred else ""

    keywords = tuple(i.text or "" for i in root.findall(f".//{{{_DC}}}subject//{{{_RDF}}}li"))
    return StockMetadata(title=alt("title"), description=alt("description"), keywords=keywords)


def _truncate(text: str, limit: int) -> bytes:
    """Encode as UTF-8 and cut to `limit` bytes without splitting a character."""
    return text.encode()[:limit].decode("utf-8", "ignore").encode()


def _dataset(record: int, number: int, value: bytes) -> bytes:
    """Return one IIM dataset: tag marker, record, dataset number, 2-byte length, value."""
    return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value


def build_iptc(metadata: StockMetadata) -> bytes:
    """Return an IPTC IIM block: UTF-8 marker, record version, title, headline, caption, keywords."""
    title, caption = _clean(metadata.title), _clean(metadata.description)
    parts = [_dataset(1, 90, b"\x1b%G"), _dataset(2, 0, b"\x00\x04")]
    if title:
        parts += [_dataset(2, 5, _truncate(title, _LIMITS[5])), _dataset(2, 105, _truncate(title, _LIMITS[105]))]
    parts += [_dataset(2, 25, _truncate(k, _LIMITS[25])) for k in _keywords(metadata)]
    if caption:
        parts.append(_dataset(2, 120, _truncate(caption, _LIMITS[120])))
    return b"".join(parts)


def parse_iptc(block: bytes) -> StockMetadata:
    """Read ObjectName (else Headline), Caption-Abstract and Keywords from an IIM block (UTF-8)."""
    fields: dict[int, list[str]] = {}
    offset = 0
    while offset + 5 <= len(block) and block[offset] == 0x1C:
        record, number, size = struct.unpack(">BBH", block[offset + 1 : offset + 5])
        value = block[offset + 5 : offset + 5 + size]
        if record == 2:
            fields.setdefault(number, []).append(value.decode("utf-8", "replace"))
        offset += 5 + size
    title = (fields.get(5) or fields.get(105) or [""])[0]
    return StockMetadata(title=title, description=(fields.get(120) or [""])[0], keywords=tuple(fields.get(25, [])))


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


def _embed_jpeg(data: bytes, metadata: StockMetadata) -> bytes:
    """Replace our XMP and IPTC in a JPEG; the compressed image data is copied unchanged."""
    segments, rest = _jpeg_segments(data)
    kept: list[tuple[int, bytes]] = []
    resources: list[tuple[int, bytes, bytes]] = []
    for marker, payload in segments:
        if marker == 0xE1 and payload.startswith((XMP_HEADER, XMP_EXTENSION_HEADER)):
            continue
        if marker == 0xED and payload.startswith(PHOTOSHOP_HEADER):
            resources += [r for r in _photoshop_resources(payload) if r[0] != IPTC_RESOURCE]
            continue
        kept.append((marker, payload))
    resources.append((IPTC_RESOURCE, b"\x00\x00", build_iptc(metadata)))
    ours = [(0xE1, XMP_HEADER + build_xmp(metadata)), (0xED, _photoshop_payload(resources))]
    # JFIF (APP0) and EXIF (APP1) come first by convention; ours follow them.
    at = next((i for i, (m, _) in enumerate(kept) if m not in (0xE0, 0xE1)), len(kept))
    ordered = kept[:at] + ours + kept[at:]
    return b"\xff\xd8" + b"".join(_segment(m, p) for m, p in ordered) + rest


def _read_jpeg(data: bytes) -> StockMetadata:
    """Read our XMP, else the IPTC record, from a JPEG."""
    segments, _ = _jpeg_segments(data)
    for marker, payload in segments:
        if marker == 0xE1 and payload.startswith(XMP_HEADER):
            return parse_xmp(payload[len(XMP_HEADER) :])
    for marker, payload in segments:
        if marker == 0xED and payload.startswith(PHOTOSHOP_HEADER):
            for code, _, block in _photoshop_resources(payload):
                if code == IPTC_RESOURCE:
                    return parse_iptc(block)
    return StockMetadata()


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


def _embed_png(data: bytes, metadata: StockMetadata) -> bytes:
    """Replace the XMP iTXt chunk of a PNG, placed before the image data."""
    chunks = [(k, b) for k, b in _png_chunks(data) if not _is_png_xmp(k, b)]
    itxt = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + build_xmp(metadata)
    at = next((i for i, (k, _) in enumerate(chunks) if k == b"IDAT"), len(chunks) - 1)
    chunks.insert(at, (b"iTXt", itxt))
    body = b"".join(
        struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF) for k, b in chunks
    )
    return PNG_SIGNATURE + body


def _read_png(data: bytes) -> StockMetadata:
    """Read the XMP of a PNG (iTXt, uncompressed or zlib-compressed)."""
    for kind, body in _png_chunks(data):
        if kind == b"iTXt" and _is_png_xmp(kind, body):
            rest = body[len(PNG_XMP_KEYWORD) + 1 :]
            is_compressed = rest[0] == 1
            text = rest[2:].split(b"\x00", 2)[2]
            return parse_xmp(zlib.decompress(text) if is_compressed else text)
    return StockMetadata()


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


def _embed_webp(data: bytes, metadata: StockMetadata) -> bytes:
    """Replace the "XMP " chunk of a WebP, turning a simple file into an extended (VP8X) one."""
    chunks = [(k, b) for k, b in _webp_chunks(data) if k != b"XMP "]
    if chunks[0][0] == b"VP8X":
        header = bytearray(chunks[0][1])
        header[0] |= 0x04
        chunks[0] = (b"VP8X", bytes(header))
    else:
        img = imaging.open_image(data)
        flags = 0x04 | (0x10 if imaging.has_alpha(img) else 0)
        size = (img.width - 1).to_bytes(3, "little") + (img.height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", bytes((flags, 0, 0, 0)) + size))
    chunks.append((b"XMP ", build_xmp(metadata)))
    body = b"".join(k + struct.pack("<I", len(b)) + b + (b"\x00" if len(b) & 1 else b"") for k, b in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _read_webp(data: bytes) -> StockMetadata:
    """Read the XMP chunk of a WebP."""
    packet = next((b for k, b in _webp_chunks(data) if k == b"XMP "), None)
    return parse_xmp(packet) if packet else StockMetadata()


# --- Public -----------------------------------------------------------------------------------------

_EMBEDDERS = {"jpg": _embed_jpeg, "png": _embed_png, "webp": _embed_webp}
_READERS = {"jpg": _read_jpeg, "png": _read_png, "webp": _read_webp}


def embed_metadata_bytes(data: bytes, fmt: str, metadata: StockMetadata) -> bytes:
    """Return the file with title, description and keywords embedded; raise ValueError on a bad file."""
    return _EMBEDDERS[imaging.normalise_format(fmt)](data, metadata)


def embed_metadata(path: Path, metadata: StockMetadata) -> None:
    """Embed metadata into the file at `path` in place (temp file + atomic replace)."""
    temp = path.with_name(f".{path.name}.embed.tmp")
    try:
        data = path.read_bytes()
        updated = embed_metadata_bytes(data, imaging.sniff_format(data), metadata)
        temp.write_bytes(updated)
        os.replace(temp, path)
    except ValueError as exc:
        raise ProcessingError("save_final", f"Could not embed metadata into {path.name}: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"Could not write metadata into {path.name}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def read_embedded_metadata(path: Path) -> StockMetadata:
    """Return the title, description and keywords embedded in a JPG/PNG/WebP file (empty if none)."""
    data = path.read_bytes()
    try:
        return _READERS[imaging.sniff_format(data)](data)
    except (ValueError, IndexError, struct.error, ET.ParseError) as exc:
        logger.warning("Unreadable embedded metadata in %s: %s", path.name, exc)
        return StockMetadata()
