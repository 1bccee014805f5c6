"""The remove.bg sandbox's image work: parse options, resize by size class, cut out, encode."""

from __future__ import annotations

import io
import logging
import math
import zipfile
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageColor

from gif_app.sandbox import images

logger = logging.getLogger(__name__)

# size name -> (max megapixels, credits)
SIZES: dict[str, tuple[float, float]] = {
    "preview": (0.25, 0.25), "small": (0.25, 0.25), "regular": (0.25, 0.25), "medium": (1.5, 1.0),
    "hd": (4.0, 1.0), "full": (25.0, 1.0), "4k": (25.0, 1.0), "auto": (25.0, 1.0), "50mp": (50.0, 1.0),
}
TYPES = ("auto", "person", "product", "car", "animal", "graphic", "transportation")
FORMATS = ("auto", "png", "jpg", "webp", "zip")


class RemoveBgError(Exception):
    """A request problem answered with remove.bg's `errors` envelope (code "" = no code field)."""

    def __init__(self, status: int, title: str, code: str | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.code = status, title, code


def _flag(value: Any) -> bool:
    """Return a form boolean ("true", "1", true)."""
    return str(value).strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class Options:
    """The cut-out options a request asked for."""

    size: str = "preview"
    kind: str = "auto"
    fmt: str = "auto"
    bg_color: tuple[int, int, int, int] | None = None
    crop: bool = False
    alpha_only: bool = False

    @classmethod
    def parse(cls, params: dict[str, Any]) -> Options:
        """Validate request parameters into options, raising a 400 RemoveBgError on bad values."""
        size = str(params.get("size") or "preview").lower()
        kind = str(params.get("type") or "auto").lower()
        fmt = str(params.get("format") or "auto").lower()
        for name, value, allowed in (("size", size, tuple(SIZES)), ("type", kind, TYPES), ("format", fmt, FORMATS)):
            if value not in allowed:
                raise RemoveBgError(400, f"Invalid {name} parameter: {value!r}", "invalid_parameter")
        bg_color = None
        if params.get("bg_color"):
            bg_color = _colour(str(params["bg_color"]))
        channels = str(params.get("channels") or "rgba").lower()
        if channels not in ("rgba", "alpha"):
            raise RemoveBgError(400, f"Invalid channels parameter: {channels!r}", "invalid_parameter")
        return cls(size, kind, fmt, bg_color, _flag(params.get("crop", False)), channels == "alpha")


def _colour(text: str) -> tuple[int, int, int, int]:
    """Parse a remove.bg colour: hex (3, 4, 6 or 8 digits, no #) or a colour name."""
    candidate = text.strip()
    if all(c in "0123456789abcdefABCDEF" for c in candidate) and len(candidate) in (3, 4, 6, 8):
        candidate = "#" + candidate
    try:
        rgba = ImageColor.getcolor(candidate, "RGBA")
    except ValueError as error:
        raise RemoveBgError(400, f"Invalid bg_color parameter: {text!r}", "invalid_parameter") from error
    assert isinstance(rgba, tuple)
    return (int(rgba[0]), int(rgba[1]), int(rgba[2]), int(rgba[3]))


@dataclass(frozen=True)
class Result:
    """Encoded result and what the response headers report."""

    data: bytes
    mime: str
    size: tuple[int, int]
    foreground: tuple[int, int, int, int]
    credits: float
    kind: str


def _scaled(image: Image.Image, max_megapixels: float) -> Image.Image:
    """Return the image shrunk to at most `max_megapixels`, keeping its aspect ratio."""
    pixels = image.width * image.height
    if pixels <= max_megapixels * 1_000_000:
        return image
    factor = math.sqrt(max_megapixels * 1_000_000 / pixels)
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(cut: Image.Image, options: Options) -> tuple[bytes, str]:
    """Encode the cut-out as the requested format; return bytes and MIME type."""
    if options.alpha_only:
        cut = cut.getchannel("A")
    elif options.bg_color is not None:
        backdrop = Image.new("RGBA", cut.size, options.bg_color)
        cut = Image.alpha_composite(backdrop, cut)
    has_alpha = cut.mode == "RGBA" and (options.bg_color is None or options.bg_color[3] < 255)
    fmt = options.fmt if options.fmt != "auto" else ("png" if has_alpha or options.alpha_only else "jpg")
    if fmt == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("color.jpg", images.encode(cut.convert("RGB"), "JPG", 90))
            archive.writestr("alpha.png", images.encode(cut.convert("RGBA").getchannel("A"), "PNG"))
        return out.getvalue(), "application/zip"
    if fmt == "jpg":
        flat = Image.new("RGB", cut.size, (255, 255, 255))
        flat.paste(cut.convert("RGBA"), mask=cut.convert("RGBA").getchannel("A"))
        cut = flat
    key = {"png": "PNG", "jpg": "JPG", "webp": "WEBP"}[fmt]
    return images.encode(cut, key, 90), images.mime_type(key)


def process(image: Image.Image, options: Options) -> Result:
    """Cut the plain background out of an image according to the options."""
    max_megapixels, credits = SIZES[options.size]
    cut = images.cut_out(_scaled(image, max_megapixels))
    box = cut.getchannel("A").getbbox()
    if box is None or box == (0, 0, cut.width, cut.height) and cut.getchannel("A").getextrema()[0] == 255:
        raise RemoveBgError(400, "Could not identify foreground in image. For details and recommendations see "
                            "https://www.remove.bg/supported-images.", "unknown_foreground")
    if options.crop:
        cut = cut.crop(box)
    left, top, right, bottom = box
    foreground = (0, 0, cut.width, cut.height) if options.crop else (left, top, right - left, bottom - top)
    data, mime = _encode(cut, options)
    kind = "product" if options.kind == "auto" else options.kind
    return Result(data, mime, cut.size, foreground, credits, kind)
