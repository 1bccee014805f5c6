"""Embed title, description and keywords into JPG/PNG/WebP files as IPTC IIM and XMP, without re-encoding.

Embedding merges: the file's XMP packet and IPTC record are updated, not replaced. We write dc:title,
dc:description and dc:subject (and photoshop:Headline when the packet has one), IPTC ObjectName,
Headline, Caption-Abstract and Keywords, and the creator (dc:creator, By-line 2:80) and copyright
(dc:rights, CopyrightNotice 2:116) when the user set them; every other field (rating, location, other
creators' tools' data) is kept. Empty values never erase what the file has. An EXIF ImageDescription
already in the file is set to the new caption so the two never contradict each other.

Length: XMP keeps the full text the user approved (stock sites read XMP first; the site's own limits
were applied when the metadata was written). IPTC datasets have byte limits (ObjectName 64, Caption 2000,
each keyword 64, By-line 32, CopyrightNotice 128): the IPTC copy is cut there at a word boundary, never
inside a UTF-8 character, and declared UTF-8 (1:90 = ESC % G). Headline (256 bytes) carries the title
in IPTC when ObjectName had to be cut. Stock-site categories are not embedded: no field that sites read
holds them (IPTC 2:15 / photoshop:Category is a deprecated 3-character code), they go in the CSVs.
"""

from __future__ import annotations

import logging
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable
from pathlib import Path

from gif_app import imaging
from gif_app.domain import Ownership, StockMetadata
from gif_app.errors import ProcessingError, StorageError
from gif_app.export.containers import read_blocks, write_blocks
from gif_app.export.iptc import CAPTION, HEADLINE, KEYWORDS, OBJECT_NAME, iptc_text, merge_iptc, parse_datasets
from gif_app.export.xmp import XmpPacket, clean
from gif_app.file_ops import replace_file

logger = logging.getLogger(__name__)


def open_xmp(packet: bytes | None) -> XmpPacket:
    """Return the file's XMP packet to update, or a new one when it has none or it cannot be read."""
    if packet is None:
        return XmpPacket()
    try:
        return XmpPacket(packet)
    except ValueError as exc:
        # Nothing in an unreadable packet can be kept field by field: it is replaced, and that is logged.
        logger.warning("Replacing an unreadable XMP packet: %s", exc)
        return XmpPacket()


def update_xmp(packet: XmpPacket, metadata: StockMetadata, ownership: Ownership) -> XmpPacket:
    """Write the non-empty fields of `metadata` and `ownership` into the packet, in full."""
    title, description = clean(metadata.title), clean(metadata.description)
    keywords = [k for k in (clean(k) for k in metadata.keywords) if k]
    if title:
        packet.set_alt("dc:title", title)
        if packet.has("photoshop:Headline"):
            packet.set_text("photoshop:Headline", title)
    if description:
        packet.set_alt("dc:description", description)
    if keywords:
        packet.set_list("dc:subject", keywords)
    if clean(ownership.creator):
        packet.set_list("dc:creator", [clean(ownership.creator)], kind="Seq")
    if clean(ownership.copyright):
        packet.set_alt("dc:rights", clean(ownership.copyright))
    return packet


def build_xmp(metadata: StockMetadata, ownership: Ownership | None = None) -> bytes:
    """Return a new XMP packet with our fields."""
    return update_xmp(XmpPacket(), metadata, ownership or Ownership()).to_bytes()


def metadata_of_xmp(packet: XmpPacket) -> StockMetadata:
    """Read dc:title, dc:description and dc:subject."""
    return StockMetadata(title=packet.text("dc:title"), description=packet.text("dc:description"),
                         keywords=tuple(packet.texts("dc:subject")))


def metadata_of_iptc(block: bytes) -> StockMetadata:
    """Read ObjectName (else Headline), Caption-Abstract and Keywords from an IIM block."""
    fields = iptc_text(parse_datasets(block))
    title = (fields.get(OBJECT_NAME) or fields.get(HEADLINE) or [""])[0]
    return StockMetadata(title=title, description=(fields.get(CAPTION) or [""])[0],
                         keywords=tuple(fields.get(KEYWORDS, [])))


def embed_metadata_bytes(data: bytes, fmt: str, metadata: StockMetadata,
                         ownership: Ownership | None = None) -> bytes:
    """Return the file with our fields merged into its metadata; raise ValueError on a bad file."""
    kind = imaging.normalise_format(fmt)
    owner = ownership or Ownership()
    try:
        found = read_blocks(data, kind)
        xmp = update_xmp(open_xmp(found.xmp), metadata, owner).to_bytes()
        has_iptc = kind == "jpg" or found.iptc is not None  # a PNG's IPTC profile is kept in step too
        iptc = merge_iptc(found.iptc, metadata, owner) if has_iptc else None
        return write_blocks(data, kind, xmp, iptc, description=clean(metadata.description))
    except (IndexError, struct.error, zlib.error) as exc:  # a truncated block: the file is broken
        raise ValueError(f"broken metadata block ({exc})") from exc


def embed_metadata(path: Path, metadata: StockMetadata, ownership: Ownership | None = None) -> None:
    """Embed metadata into the file at `path` in place (temp file + atomic replace)."""
    rewrite_in_place(path, lambda data: embed_metadata_bytes(data, imaging.sniff_format(data), metadata, ownership))


def rewrite_in_place(path: Path, transform: Callable[[bytes], bytes]) -> None:
    """Replace a file's bytes with `transform(bytes)` atomically; a refusal or a failed write names the file."""
    temp = path.with_name(f".{path.name}.embed.tmp")
    try:
        temp.write_bytes(transform(path.read_bytes()))
        replace_file(temp, path)  # a viewer holding the file: retried, then the holder is named
    except ValueError as exc:
        raise ProcessingError("save_final", f"Could not embed metadata into {path.name}: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"Could not write metadata into {path.name}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


def read_embedded_metadata(path: Path) -> StockMetadata:
    """Return the title, description and keywords embedded in a JPG/PNG/WebP file (XMP first, else IPTC)."""
    data = path.read_bytes()
    try:
        found = read_blocks(data, imaging.sniff_format(data))
        if found.xmp is not None:
            return metadata_of_xmp(XmpPacket(found.xmp))
        return metadata_of_iptc(found.iptc) if found.iptc is not None else StockMetadata()
    except (ValueError, IndexError, struct.error, ET.ParseError, zlib.error) as exc:
        logger.warning("Unreadable embedded metadata in %s: %s", path.name, exc)
        return StockMetadata()
