"""Pure Pillow image operations: trim, sharpen, saturate, flatten, resize, encode, thumbnails."""

from __future__ import annotations

import io
import logging
import math
from typing import Literal

from PIL import Image, ImageCms, ImageEnhance, ImageFilter

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


def sharpen(img: Image.Image, amount: float) -> Image.Image:
    """Sharpen with an unsharp mask scaled from the 0-10 slider; 0 returns the image untouched."""
    if amount <= 0:
        return img
    radius, percent, threshold = sharpen_parameters(amount)
    rgba = _to_rgb_or_rgba(img)
    unsharp = ImageFilter.UnsharpMask(radius=radius, percent=percent, threshold=threshold)
    if rgba.mode == "RGB":
        return rgba.filter(unsharp)
    # Sharpen colour only: a sharpened alpha band would draw halos around cut-outs.
    sharpened = rgba.convert("RGB").filter(unsharp)
    sharpened.putalpha(rgba.getchannel("A"))
    return sharpened


def saturate(img: Image.Image, factor: float) -> Image.Image:
    """Scale colour saturation (0 = grey, 1.0 = unchanged, 2 = double); alpha is kept."""
    if math.isclose(factor, 1.0):
        return img
    rgba = _to_rgb_or_rgba(img)
    return ImageEnhance.Color(rgba).enhance(max(factor, 0.0))


def flatten(img: Image.Image, colour: FlattenColour = "white") -> Image.Image:
    """Composite transparent pixels onto a white or black background and return an RGB image."""
    if not has_alpha(img):
        return img if img.mode == "RGB" else img.convert("RGB")
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (0, 0, 0, 255) if colour == "black" else (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


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
        out = flatten(img, flatten_colour)
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

    An image already within `max_edge` in a format the models accept is returned unchanged.
    """
    img = Image.open(io.BytesIO(data))
    if max(img.size) <= max_edge:
        try:
            return data, mime_type(sniff_format(data))
        except ValueError:
            pass  # e.g. a GIF or TIFF: re-encode below.
    img.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    if has_alpha(img):
        return encode(img, "png"), "image/png"
    return encode(img, "jpg", quality=85), "image/jpeg"


def srgb_profile() -> bytes:
    """Return the bytes of Pillow's built-in sRGB ICC profile (embedded after a conversion to sRGB)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def is_srgb_profile(profile: bytes) -> bool:
    """Return True when an ICC profile describes sRGB (by its description, as colour tools do)."""
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    except (OSError, ImageCms.PyCMSError):
        return False
    return "srgb" in description.lower().replace(" ", "")


def to_srgb(img: Image.Image, profile: bytes) -> Image.Image:
    """Return the pixels converted from their ICC profile to sRGB (perceptual intent; alpha kept)."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    target = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    rgb = _to_rgb_or_rgba(img)
    alpha = rgb.getchannel("A") if rgb.mode == "RGBA" else None
    converted = ImageCms.profileToProfile(rgb.convert("RGB"), source, target,
                                          renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
    assert converted is not None  # inPlace=False always returns the new image
    if alpha is not None:
        converted.putalpha(alpha)
    return converted
