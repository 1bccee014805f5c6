"""Carry a file's metadata over to its processed (re-encoded or converted) copy.

Pillow writes no XMP, IPTC or EXIF of its own accord, so a converted file would lose the contributor's
title, keywords, creator and rights. The source's XMP packet is copied whole; IPTC and EXIF fields the
packet lacks are added to it as their XMP equivalents (PNG and WebP hold no IPTC, so XMP is where a
JPEG's By-line or City survives); a JPEG output also gets the source's IPTC record, or one built from
the XMP. The EXIF block itself is not copied: its thumbnail and pixel sizes describe the old pixels.
"""

from __future__ import annotations

import io
import logging
import struct
import zlib

from PIL import Image

from gif_app import imaging
from gif_app.domain import Ownership
from gif_app.export.containers import read_blocks, write_blocks
from gif_app.export.embed import metadata_of_xmp, open_xmp
from gif_app.export.iptc import iptc_text, merge_iptc, parse_datasets
from gif_app.export.xmp import XmpPacket

logger = logging.getLogger(__name__)

# IPTC dataset -> XMP property and its form (the IPTC Photo Metadata Standard's mapping).
_FROM_IPTC = (
    (5, "dc:title", "Alt"), (120, "dc:description", "Alt"), (25, "dc:subject", "Bag"),
    (80, "dc:creator", "Seq"), (116, "dc:rights", "Alt"), (105, "photoshop:Headline", "Text"),
    (40, "photoshop:Instructions", "Text"), (90, "photoshop:City", "Text"), (92, "Iptc4xmpCore:Location", "Text"),
    (95, "photoshop:State", "Text"), (101, "photoshop:Country", "Text"), (110, "photoshop:Credit", "Text"),
    (115, "photoshop:Source", "Text"),
)
# EXIF IFD0 tag -> XMP property (Artist, Copyright, ImageDescription).
_FROM_EXIF = ((0x013B, "dc:creator", "Seq"), (0x8298, "dc:rights", "Alt"), (0x010E, "dc:description", "Alt"))


def _fill(packet: XmpPacket, name: str, form: str, values: list[str]) -> None:
    """Set a property the packet lacks (the packet's own value always wins)."""
    values = [v.strip() for v in values if v.strip()]
    if not values or packet.has(name):
        return
    if form == "Alt":
        packet.set_alt(name, values[0])
    elif form == "Text":
        packet.set_text(name, values[0])
    else:
        packet.set_list(name, values, kind=form)


def _exif_texts(source: bytes) -> dict[int, str]:
    """Return the source's EXIF Artist, Copyright and ImageDescription (empty when it has no EXIF)."""
    try:
        with Image.open(io.BytesIO(source)) as img:
            exif = img.getexif()
    except (OSError, ValueError, SyntaxError):
        return {}
    return {tag: _utf8(value) for tag, _, _ in _FROM_EXIF if isinstance(value := exif.get(tag), str)}


def _utf8(text: str) -> str:
    """Return an EXIF text Pillow decoded as Latin-1 read as the UTF-8 writers put there (else as it is)."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def carry_metadata(source: bytes, output: bytes, fmt: str) -> bytes:
    """Return `output` (in `fmt`) with the source's metadata carried over; on any problem, `output` unchanged."""
    if output is source:
        return output
    try:
        kind = imaging.normalise_format(fmt)
        found = read_blocks(source, imaging.sniff_format(source))
        exif = _exif_texts(source)
        if found.xmp is None and found.iptc is None and not exif:
            return output
        packet = open_xmp(found.xmp)
        fields = iptc_text(parse_datasets(found.iptc)) if found.iptc is not None else {}
        for number, name, form in _FROM_IPTC:
            _fill(packet, name, form, fields.get(number, []))
        for tag, name, form in _FROM_EXIF:
            _fill(packet, name, form, [exif.get(tag, "")])
        iptc = None
        if kind == "jpg":
            owner = Ownership(creator="; ".join(packet.texts("dc:creator")), copyright=packet.text("dc:rights"))
            iptc = found.iptc if found.iptc is not None else merge_iptc(None, metadata_of_xmp(packet), owner)
        return write_blocks(output, kind, packet.to_bytes(), iptc)
    except (ValueError, IndexError, struct.error, zlib.error) as exc:
        logger.warning("Metadata not carried over to the processed file: %s", exc)
        return output
