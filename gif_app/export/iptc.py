"""IPTC IIM records: parse, merge our fields into an existing record, and cut text at byte limits.

Merging keeps every dataset we do not write (creator, rights, city, instructions, ...). A record without
the UTF-8 marker (1:90 = ESC % G) is read as Windows Latin-1, as ExifTool does, and its text is re-encoded
to UTF-8 so the marker we add tells the truth about every dataset.
"""

from __future__ import annotations

import re
import struct

from gif_app.domain import Ownership, StockMetadata

UTF8_MARKER = b"\x1b%G"
RECORD_VERSION = b"\x00\x04"
OBJECT_NAME, KEYWORDS, BYLINE, HEADLINE, COPYRIGHT, CAPTION = 5, 25, 80, 105, 116, 120
# Byte limits of the IIM specification for the datasets we write.
LIMITS = {OBJECT_NAME: 64, KEYWORDS: 64, BYLINE: 32, HEADLINE: 256, COPYRIGHT: 128, CAPTION: 2000}
# Record 2 datasets that hold binary values, never text (record version, object preview).
_BINARY = {0, 200, 201, 202}
_TRAILING = " \t\r\n,;:-\u2013\u2014"
_SPACE = re.compile(r"\s")

Dataset = tuple[int, int, bytes]


def cut_utf8(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` UTF-8 bytes at a word boundary (a lone long word at a character)."""
    if len(text.encode()) <= limit:
        return text
    head = text.encode()[:limit].decode("utf-8", "ignore")
    # The next character being a space means the cut already falls between words.
    rest = text[len(head):]
    if rest[:1].isspace():
        return head.rstrip(_TRAILING) or head
    spaces = [m.start() for m in _SPACE.finditer(head)]
    words = head[: spaces[-1]].rstrip(_TRAILING) if spaces else ""
    return words or head


def parse_datasets(block: bytes) -> list[Dataset]:
    """Split an IIM block into (record, dataset, value) in file order; stop at the first malformed tag."""
    found: list[Dataset] = []
    offset = 0
    while offset + 5 <= len(block) and block[offset] == 0x1C:
        record, number, size = struct.unpack(">BBH", block[offset + 1 : offset + 5])
        start = offset + 5
        if size & 0x8000:  # extended dataset: the low bits give the length of the length field
            width = size & 0x7FFF
            size = int.from_bytes(block[start : start + width], "big")
            start += width
        found.append((record, number, block[start : start + size]))
        offset = start + size
    return found


def _dataset(record: int, number: int, value: bytes) -> bytes:
    """Return one IIM dataset: tag marker, record, dataset number, 2-byte length, value."""
    return struct.pack(">BBBH", 0x1C, record, number, len(value)) + value


def build_block(datasets: list[Dataset]) -> bytes:
    """Join datasets into an IIM block, ordered by record and dataset number (repeats keep their order)."""
    ordered = sorted(datasets, key=lambda d: (d[0], d[1]))
    return b"".join(_dataset(r, n, v) for r, n, v in ordered)


def _to_utf8(datasets: list[Dataset]) -> list[Dataset]:
    """Re-encode the text of a record that had no UTF-8 marker from Windows Latin-1 to UTF-8."""
    return [(r, n, v.decode("cp1252", "replace").encode() if r == 2 and n not in _BINARY else v)
            for r, n, v in datasets]


def _text(value: str, number: int) -> bytes:
    """Encode a value for one dataset, cut at its byte limit."""
    return cut_utf8(value, LIMITS[number]).encode()


def merge_iptc(existing: bytes | None, metadata: StockMetadata, ownership: Ownership) -> bytes:
    """Return an IIM block with our non-empty fields written over `existing` and every other dataset kept."""
    datasets = parse_datasets(existing) if existing else []
    if (1, 90, UTF8_MARKER) not in datasets:
        datasets = _to_utf8(datasets)
    replaced: dict[tuple[int, int], list[bytes]] = {(1, 90): [UTF8_MARKER]}
    title, caption = metadata.title.strip(), metadata.description.strip()
    if title:
        replaced[(2, OBJECT_NAME)] = [_text(title, OBJECT_NAME)]
        replaced[(2, HEADLINE)] = [_text(title, HEADLINE)]
    if caption:
        replaced[(2, CAPTION)] = [_text(caption, CAPTION)]
    keywords = [_text(k, KEYWORDS) for k in (k.strip() for k in metadata.keywords) if k]
    if keywords:
        replaced[(2, KEYWORDS)] = list(dict.fromkeys(keywords))  # two long keywords may cut to the same words
    if ownership.creator.strip():
        replaced[(2, BYLINE)] = [_text(ownership.creator.strip(), BYLINE)]
    if ownership.copyright.strip():
        replaced[(2, COPYRIGHT)] = [_text(ownership.copyright.strip(), COPYRIGHT)]
    kept = [d for d in datasets if (d[0], d[1]) not in replaced]
    if not any(r == 2 and n == 0 for r, n, _ in kept):
        kept.append((2, 0, RECORD_VERSION))
    return build_block(kept + [(r, n, v) for (r, n), values in replaced.items() for v in values])


def iptc_text(datasets: list[Dataset]) -> dict[int, list[str]]:
    """Return record 2's text datasets by number, decoded as the record declares (UTF-8 or Latin-1)."""
    codec = "utf-8" if (1, 90, UTF8_MARKER) in datasets else "cp1252"
    fields: dict[int, list[str]] = {}
    for record, number, value in datasets:
        if record == 2 and number not in _BINARY:
            fields.setdefault(number, []).append(value.decode(codec, "replace"))
    return fields
