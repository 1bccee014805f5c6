"""Embed and read XMP (title, description, keywords, creator, rights) in an SVG's `<metadata>` element.

SVG 1.1 section 21 puts foreign metadata, such as an XMP packet, inside `<metadata>`; Adobe Illustrator
writes its XMP there with the xpacket wrapper, and stock sites read it from there. The document is edited
as text, not re-serialised: ElementTree would rename every namespace prefix of the artwork. A packet
already in the file (between `<?xpacket begin` and `<?xpacket end`) is merged field by field like in
raster files (export/embed.py); without one, a `<metadata>` element holding ours is put first in the root.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gif_app import vector
from gif_app.domain import Ownership, StockMetadata
from gif_app.export.embed import embed_metadata, metadata_of_xmp, open_xmp, rewrite_in_place, update_xmp
from gif_app.export.xmp import XmpPacket, tag

_PACKET = re.compile(rb"<\?xpacket\s+begin=.*?\?>.*?<\?xpacket\s+end=[^>]*\?>", re.DOTALL)
# The root's start tag: `<svg` or `<prefix:svg`, attributes whose quoted values may hold '>' or '/'.
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
_SKIP = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)  # comments and processing instructions before it


def _root_tag(data: bytes) -> re.Match[bytes]:
    """Return the match of the root <svg> start tag (the first one outside comments and PIs)."""
    position = 0
    while True:
        skipped = _SKIP.match(data, _leading_space(data, position))
        if skipped is None:
            break
        position = skipped.end()
    found = _ROOT.search(data, position)
    if found is None:
        raise vector.SvgError("no <svg> start tag found")
    return found


def _leading_space(data: bytes, position: int) -> int:
    """Return the index of the first non-space byte at or after `position`."""
    while position < len(data) and data[position:position + 1] in (b" ", b"\t", b"\r", b"\n", b"\xef", b"\xbb",
                                                                    b"\xbf"):
        position += 1
    return position


def embed_svg_metadata(data: bytes, metadata: StockMetadata, ownership: Ownership | None = None) -> bytes:
    """Return the SVG with our fields merged into its XMP packet; raise SvgError when it is not an SVG."""
    vector.check_svg(data)
    owner = ownership or Ownership()
    found = _PACKET.search(data)
    if found is not None:
        packet = update_xmp(open_xmp(found.group(0)), metadata, owner).to_bytes()
        updated = data[:found.start()] + packet + data[found.end():]
    else:
        packet = update_xmp(XmpPacket(), metadata, owner).to_bytes()
        root = _root_tag(data)
        block = b"<metadata>" + packet + b"</metadata>"
        if root.group(1):  # <svg .../>: the element opens to hold the metadata
            start = root.group(0)[:-2].rstrip() + b">"
            updated = data[:root.start()] + start + block + b"</" + _name(root.group(0)) + b">" + data[root.end():]
        else:
            updated = data[:root.end()] + block + data[root.end():]
    vector.check_svg(updated)  # never hand back a document that no longer parses
    return updated


def _name(start_tag: bytes) -> bytes:
    """Return the element name of a start tag (`svg` or `prefix:svg`)."""
    return re.split(rb"[\s/>]", start_tag[1:], maxsplit=1)[0]


def read_svg_metadata(data: bytes) -> StockMetadata:
    """Return the title, description and keywords of the XMP packet in an SVG (empty when it has none)."""
    root = vector.parse_svg(data)
    meta = root.find(f".//{tag('x:xmpmeta')}")
    if meta is None:
        return StockMetadata()
    return metadata_of_xmp(XmpPacket(ET.tostring(meta)))


def embed_vector_file(path: Path, metadata: StockMetadata, ownership: Ownership | None = None) -> None:
    """Embed metadata into the SVG at `path` in place (temp file + atomic replace), and into its preview."""
    rewrite_in_place(path, lambda data: embed_svg_metadata(data, metadata, ownership))
    preview = vector.preview_path(path)
    if preview.is_file():
        embed_metadata(preview, metadata, ownership)
