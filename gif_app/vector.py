"""Vector (SVG) images: recognise and check an SVG file, name its PNG preview, render that preview.

A vector image is an .svg file with a PNG preview beside it (`<stem>.preview.png`): QC, metadata and
thumbnails read the preview, because vision models and Pillow take raster images only.

The preview is drawn by resvg through resvg-py (github.com/baseplate-admin/resvg-py, MIT; resvg itself
is Apache-2.0 OR MIT). Chosen because it is permissive, ships manylinux/macOS/Windows wheels with no
system library (cairosvg needs libcairo and is LGPL, so it cannot go in the bundle; svglib renders through
reportlab's rlPyCairo/libart paths and handles less of SVG), and resvg is the most complete static-SVG
renderer in the Rust ecosystem. It is imported on first use only.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from gif_app.file_ops import replace_file

SVG_NS = "http://www.w3.org/2000/svg"
EXTENSION = "svg"
PREVIEW_SUFFIX = ".preview.png"
PREVIEW_EDGE = 2048  # long edge of the preview: enough for a vision model and a thumbnail, small on disk
PROCESSING_SKIPPED = ("not applied to a vector (SVG) image: background removal, trim, enhancement, upscaling and "
                      "format conversion work on pixels, so the SVG is kept as the model drew it")
_HEAD = 4096  # bytes looked at to tell an SVG from anything else
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class SvgError(ValueError):
    """The bytes are not a usable SVG document."""


def is_svg_path(path: Path | str) -> bool:
    """Return whether a file name names a vector image (.svg)."""
    return Path(path).suffix.lower() == "." + EXTENSION


def looks_like_svg(data: bytes) -> bool:
    """Return whether the bytes start like an SVG document (cheap; check_svg decides)."""
    head = data[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<svg" in head


def parse_svg(data: bytes) -> ET.Element:
    """Parse an SVG document and return its root; raise SvgError when it is not one.

    A DTD is refused: entity expansion ("billion laughs") is the one XML attack ElementTree is open to,
    and no generator we call writes one.
    """
    if _DTD.search(data):  # anywhere: comments before the root can push a DOCTYPE past any fixed window
        raise SvgError("the SVG declares a DTD or entities, which are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SvgError(f"not well-formed XML: {exc}") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise SvgError(f"the root element is {root.tag!r}, not an SVG <svg>")
    return root


def check_svg(data: bytes) -> None:
    """Raise SvgError unless the bytes are a well-formed SVG document."""
    parse_svg(data)


def preview_path(svg: Path) -> Path:
    """Return where the PNG preview of a vector file lives: beside it, `<stem>.preview.png`."""
    return svg.with_name(svg.stem + PREVIEW_SUFFIX)


def files_of(path: Path) -> list[Path]:
    """Return the files an image owns on disk: the file, and for a vector its preview too."""
    return [path, preview_path(path)] if is_svg_path(path) else [path]


def render_preview(data: bytes, max_edge: int = PREVIEW_EDGE) -> bytes:
    """Return a PNG rendering of the SVG whose long edge is `max_edge`; raise SvgError when it cannot draw."""
    root = parse_svg(data)
    import resvg_py  # imported here: only vector jobs pay for loading the renderer

    # Drawn straight at the preview size (resvg scales the other side): a document claiming a huge canvas
    # is never rendered at its natural size first.
    is_wide = _is_landscape(root)
    try:
        png = resvg_py.svg_to_bytes(svg_string=data.decode("utf-8", errors="replace"),
                                    width=max_edge if is_wide else None, height=None if is_wide else max_edge)
    except Exception as exc:  # resvg raises plain exceptions for SVGs it cannot draw
        raise SvgError(f"the SVG cannot be rendered: {exc}") from exc
    _png_size(png)
    return bytes(png)


def _is_landscape(root: ET.Element) -> bool:
    """Return whether the document is at least as wide as tall (viewBox first, then width/height)."""
    box = [_number(part) for part in re.split(r"[\s,]+", (root.get("viewBox") or "").strip()) if part]
    if len(box) == 4 and box[2] and box[3]:
        return (box[2] or 0) >= (box[3] or 0)
    width, height = _number(root.get("width") or ""), _number(root.get("height") or "")
    return width is None or height is None or width >= height


def _number(text: str) -> float | None:
    """Return the leading number of an SVG length ("100", "12.5px"), or None."""
    found = re.match(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)", text)
    return float(found.group(1)) if found else None


def _png_size(png: bytes) -> tuple[int, int]:
    """Return (width, height) from a PNG's IHDR."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise SvgError("the renderer returned no PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def write_preview(svg: Path) -> Path:
    """Render the preview of the vector file at `svg` beside it and return its path."""
    # Written beside and renamed over, so a reader never sees half a preview.
    target = preview_path(svg)
    png = render_preview(svg.read_bytes())
    temp = target.with_name(f".{target.name}.part")
    temp.write_bytes(png)
    replace_file(temp, target)  # the preview may be open in a viewer
    return target


def ensure_preview(svg: Path) -> Path:
    """Return the vector file's preview, rendering it first when it is missing (e.g. after a crash)."""
    target = preview_path(svg)
    return target if target.is_file() else write_preview(svg)
