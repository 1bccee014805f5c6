"""Rewrite the EXIF ImageDescription (tag 0x010E of IFD0) of a TIFF-structured EXIF block in place.

Only that tag's entry and value change: a longer value is appended at the end of the block, so every
other offset (sub-IFDs, GPS, thumbnail, maker notes) stays valid and every other tag is kept byte for byte.
"""

from __future__ import annotations

import struct

IMAGE_DESCRIPTION = 0x010E
EXIF_PREFIX = b"Exif\x00\x00"
_ASCII = 2


def set_image_description(block: bytes, text: str) -> bytes | None:
    """Return the EXIF block with ImageDescription set to `text`, or None when the block has no such tag."""
    prefix = EXIF_PREFIX if block.startswith(EXIF_PREFIX) else b""
    tiff = bytearray(block[len(prefix):])
    if bytes(tiff[:4]) not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    ifd = struct.unpack(order + "I", tiff[4:8])[0]
    if ifd + 2 > len(tiff):
        return None
    count = struct.unpack(order + "H", tiff[ifd : ifd + 2])[0]
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if entry + 12 > len(tiff):
            return None
        tag_id, _kind, length, where = struct.unpack(order + "HHII", tiff[entry : entry + 12])
        if tag_id != IMAGE_DESCRIPTION:
            continue
        value = text.encode() + b"\x00"  # EXIF readers (ExifTool among them) take UTF-8 in ASCII tags
        if len(value) <= 4:
            field = value.ljust(4, b"\x00")
        elif length > 4 and len(value) <= length and where + length <= len(tiff):
            tiff[where : where + length] = value.ljust(length, b"\x00")  # fits where the old text was
            field = struct.pack(order + "I", where)
        else:
            if len(tiff) & 1:  # TIFF values start at even offsets
                tiff.append(0)
            field = struct.pack(order + "I", len(tiff))
            tiff += value
        tiff[entry : entry + 12] = struct.pack(order + "HHI", tag_id, _ASCII, len(value)) + field
        return prefix + bytes(tiff)
    return None
