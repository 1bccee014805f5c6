"""Pure Pillow image operations: trim, enhance (sharpen, saturate), flatten, resize, encode, thumbnails."""

from __future__ import annotations

import io
import logging
import math
from typing import Literal

from PIL import Image, ImageFilter

from gif_app import pixels

logger = logging.getLogger(__name__)

ImageFormat = Literal["png", "jpg", "webp"]
FlattenColour = Literal["white", "black"]

_PIL_FORMATS: dict[str, str] = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}
_MIME_TYPES: dict[str, str] = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def sniff_format(data: bytes) -> ImageFormat:
    """Return "png", "jpg" or "webp" from the file's magic bytes; raise ValueError otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise ValueError("not a PNG, JPEG or WebP image")


def mime_type(fmt: str) -> str:
    """Return the MIME type of one of our format names ("png", "jpg", "webp")."""
    return _MIME_TYPES[normalise_format(fmt)]


def normalise_format(fmt: str) -> ImageFormat:
    """Map a format name or file extension (".jpeg", "JPG", "webp") to png/jpg/webp; raise ValueError."""
    name = fmt.lower().lstrip(".")
    if name in ("jpg", "jpeg"):
        return "jpg"
    if name == "png":
        return "png"
    if name == "webp":
        return "webp"
    raise ValueError(f"unsupported image format: {fmt!r}")


def open_image(data: bytes) -> Image.Image:
    """Decode image bytes fully into memory (so the buffer can be dropped)."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def has_alpha(img: Image.Image) -> bool:
    """Return True when the image carries an alpha channel or a transparent palette entry."""
    return img.mode in _ALPHA_MODES or "transparency" in img.info


def _to_rgb_or_rgba(img: Image.Image) -> Image.Image:
    """Return the image in RGB or RGBA mode (the modes every filter here supports)."""
    wanted = "RGBA" if has_alpha(img) else "RGB"
    return img if img.mode == wanted else img.convert(wanted)


def trim_transparent(img: Image.Image, alpha_threshold: int = 50) -> Image.Image:
    """Crop away border pixels whose alpha is <= alpha_threshold; images without alpha come back as is."""
    if not has_alpha(img):
        return img
    rgba = _to_rgb_or_rgba(img)
    # A lookup table on the alpha band keeps this in C: no per-pixel Python.
    mask = rgba.getchannel("A").point([0 if v <= alpha_threshold else 255 for v in range(256)])
    bbox = mask.getbbox()
    if bbox is None or bbox == (0, 0, img.width, img.height):
        # Fully transparent or nothing to trim: cropping would lose everything or change nothing.
        return img
    return rgba.crop(bbox)


def sharpen_parameters(amount: float) -> tuple[float, int, int]:
    """Return UnsharpMask (radius, percent, threshold) for the 0-10 sharpening slider.

    radius = 0.2 x amount pixels (the same Gaussian sigma the Electron app gave sharp: 0-2),
    percent = 50 + 10 x amount (so the default 5 gives radius 1.0 at 100 %, 10 gives 2.0 at 150 %),
    threshold = 2 levels (flat areas and faint noise are left alone).
    """
    amount = min(max(amount, 0.0), 10.0)
    return round(0.2 * amount, 3), round(50 + 10 * amount), 2


def enhance(
    img: Image.Image, sharpening: float, saturation: float, flatten_colour: FlattenColour | None = None
) -> Image.Image:
    """Sharpen luminance and scale saturation in one YCbCr pass; alpha is kept (or flattened away).

    Sharpening works on luma only (as sharp/libvips does, in its L channel): no colour fringes, a third of
    the blur work. Saturation scales the chroma planes around neutral, which is exactly blending with the
    Rec. 601 grey that ImageEnhance.Color uses. With `flatten_colour` the result is composited onto that
    colour and returned in YCbCr, ready for the JPG encoder, which would convert to YCbCr anyway.
    """
    is_sharpening = sharpening > 0
    is_saturating = not math.isclose(saturation, 1.0)
    if not (is_sharpening or is_saturating or flatten_colour):
        return img
    unsharp = ImageFilter.UnsharpMask(*sharpen_parameters(sharpening)) if is_sharpening else None
    if img.mode == "L" or (img.mode == "LA" and flatten_colour is None):
        return _enhance_grey(img, unsharp)
    alpha = img.getchannel("A") if has_alpha(img) else None
    luma, blue, red = _to_rgb_or_rgba(img).convert("YCbCr").split()
    if unsharp is not None:
        luma = luma.filter(unsharp)
    if is_saturating:
        factor = max(saturation, 0.0)
        table = [min(max(round(128 + (v - 128) * factor), 0), 255) for v in range(256)]
        blue, red = blue.point(table), red.point(table)
    ycc = Image.merge("YCbCr", (luma, blue, red))
    ycc.info = dict(img.info)
    if flatten_colour is not None:
        return _composite(ycc, alpha, flatten_colour, "YCbCr") if alpha is not None else ycc
    out = ycc.convert("RGB")
    if alpha is not None:
        out.putalpha(alpha)
    return out


def _enhance_grey(img: Image.Image, unsharp: ImageFilter.UnsharpMask | None) -> Image.Image:
    """Sharpen a grey (L or LA) image in place of its own mode: saturation has nothing to change there."""
    grey = img.getchannel("L")
    if unsharp is not None:
        grey = grey.filter(unsharp)
    out = grey if img.mode == "L" else Image.merge("LA", (grey, img.getchannel("A")))
    out.info = dict(img.info)
    return out


def sharpen(img: Image.Image, amount: float) -> Image.Image:
    """Sharpen with an unsharp mask scaled from the 0-10 slider; 0 returns the image untouched."""
    return enhance(img, amount, 1.0) if amount > 0 else img


def saturate(img: Image.Image, factor: float) -> Image.Image:
    """Scale colour saturation (0 = grey, 1.0 = unchanged, 2 = double); alpha is kept."""
    return img if math.isclose(factor, 1.0) else enhance(img, 0.0, factor)


_BACKGROUNDS: dict[tuple[str, str], tuple[int, int, int]] = {
    ("white", "RGB"): (255, 255, 255), ("black", "RGB"): (0, 0, 0),
    ("white", "YCbCr"): (255, 128, 128), ("black", "YCbCr"): (0, 128, 128),
}


def _composite(img: Image.Image, alpha: Image.Image, colour: FlattenColour, mode: str) -> Image.Image:
    """Paste `img` through `alpha` onto a plain `colour` background of `mode` (RGB or YCbCr)."""
    background = Image.new(mode, img.size, _BACKGROUNDS[(colour, mode)])
    # One masked blend in C (out = pixel x alpha + background x (1 - alpha)), no RGBA copies.
    background.paste(img, mask=alpha)
    background.info = dict(img.info)
    return background


def flatten(img: Image.Image, colour: FlattenColour = "white") -> Image.Image:
    """Composite transparent pixels onto a white or black background and return an RGB image."""
    if not has_alpha(img):
        return img if img.mode == "RGB" else img.convert("RGB")
    rgba = img if img.mode == "RGBA" else img.convert("RGBA")
    return _composite(rgba, rgba.getchannel("A"), colour, "RGB")


def resize_to_min_megapixels(img: Image.Image, megapixels: float) -> Image.Image:
    """Upscale with Lanczos, keeping the aspect ratio, until the image has at least `megapixels`."""
    target = megapixels * 1_000_000
    pixels = img.width * img.height
    if megapixels <= 0 or pixels >= target:
        return img
    scale = math.sqrt(target / pixels)
    size = (math.ceil(img.width * scale), math.ceil(img.height * scale))
    # Pillow premultiplies alpha while resampling RGBA, so edges keep their colour.
    return _to_rgb_or_rgba(img).resize(size, Image.Resampling.LANCZOS)


def encode(
    img: Image.Image,
    fmt: str,
    quality: int = 90,
    icc_profile: bytes | None = None,
    flatten_colour: FlattenColour = "white",
) -> bytes:
    """Encode to PNG (lossless), JPG (4:4:4, flattened) or WebP at `quality`, embedding the ICC profile.

    `icc_profile` defaults to the profile the image carries; JPG output is flattened onto `flatten_colour`.
    """
    name = normalise_format(fmt)
    profile = icc_profile if icc_profile is not None else img.info.get("icc_profile")
    quality = min(max(int(quality), 1), 100)
    options: dict[str, object] = {}
    if profile:
        options["icc_profile"] = profile
    if name == "jpg":
        # A YCbCr image comes from enhance(..., flatten_colour): already flat, in the encoder's own space.
        out = img if img.mode == "YCbCr" else flatten(img, flatten_colour)
        options.update(quality=quality, subsampling=0)
    elif name == "webp":
        out = _to_rgb_or_rgba(img)
        options.update(quality=quality, method=4)
    else:
        out = img if img.mode in ("RGB", "RGBA", "L", "LA", "P", "I;16") else _to_rgb_or_rgba(img)
        options.update(compress_level=6)
    buffer = io.BytesIO()
    out.save(buffer, _PIL_FORMATS[name], **options)
    return buffer.getvalue()


def _as_image(data_or_img: bytes | Image.Image) -> Image.Image:
    """Return an Image for bytes or an Image (not yet loaded, so JPEG draft mode can apply)."""
    if isinstance(data_or_img, Image.Image):
        return data_or_img
    return Image.open(io.BytesIO(data_or_img))


def thumbnail(data_or_img: bytes | Image.Image, max_edge: int = 512) -> bytes:
    """Return a WebP thumbnail (image/webp, alpha kept) whose long edge is at most `max_edge`."""
    # Image.thumbnail works in place: never shrink the caller's image.
    img = data_or_img.copy() if isinstance(data_or_img, Image.Image) else _as_image(data_or_img)
    img.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    buffer = io.BytesIO()
    _to_rgb_or_rgba(img).save(buffer, "WEBP", quality=80, method=2)
    return buffer.getvalue()


def downscale_for_vision(data: bytes, max_edge: int = 1024) -> tuple[bytes, str]:
    """Return (bytes, MIME) small enough for a vision model: JPEG, or PNG when the image has alpha.

    An image already within `max_edge` in a format the models accept is returned unchanged; an unreadable or
    too large one raises pixels.UnusableImageError.
    """
    img = pixels.open_checked(data)
    if max(img.size) <= max_edge:
        try:
            return data, mime_type(sniff_format(data))
        except ValueError:
            pass  # e.g. a GIF or TIFF: re-encode below.
    img.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    if has_alpha(img):
        return encode(img, "png"), "image/png"
    return encode(img, "jpg", quality=85), "image/jpeg"

