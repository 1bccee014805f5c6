"""Source pixels made upload-ready: one still, upright, 8-bit sRGB image, or the reason a file cannot be one."""

from __future__ import annotations

import functools
import io
import logging
import re
import warnings

from PIL import Image, ImageChops, ImageCms, ImageOps

logger = logging.getLogger(__name__)

# Adobe Stock's "Maximum image resolution: 100 MP" (helpx.adobe.com/stock/contributor/help/
# photography-illustrations.html, the strictest maximum among the stock sites we export for): a larger file
# cannot be uploaded there, and decoding one costs > 400 MB of memory per worker, so it is refused up front.
MAX_PIXELS = 100_000_000

_ORIENTATION_TAG = 0x0112
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_PLAIN_MODES = frozenset({"1", "L", "LA", "P", "PA", "RGB", "RGBA"})
_PROFILE_INPUT_MODES = {"RGB": "RGB", "CMYK": "CMYK", "GRAY": "L"}
# Relative colorimetric with black-point compensation: Photoshop's default for photos; matrix/TRC
# profiles (Adobe RGB, Display P3, ProPhoto) have no perceptual table anyway.
_INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC
# NOCACHE: a cached transform is shared by the job's worker threads, and LittleCMS's one-pixel cache
# inside a transform is not safe to share.
_FLAGS = ImageCms.Flags.BLACKPOINTCOMPENSATION | ImageCms.Flags.NOCACHE


class UnusableImageError(ValueError):
    """The file cannot become an upload: unreadable, animated or larger than MAX_PIXELS."""


def open_checked(data: bytes) -> Image.Image:
    """Open an image lazily (pixels not decoded); raise UnusableImageError if unreadable or above MAX_PIXELS."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from ~89 MP; our own limit below decides, before any pixel is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow refuses beyond twice its own warning limit before we see the size; its message has the count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise UnusableImageError(_too_large(f"{int(found[1]):,} pixels" if found else "far too many pixels")) from exc
    except Exception as exc:  # Pillow's plugins raise OSError, SyntaxError, ValueError, struct.error...
        raise UnusableImageError(f"not a readable image ({type(exc).__name__}: {exc})") from exc
    if img.width * img.height > MAX_PIXELS:
        raise UnusableImageError(_too_large(f"{img.width}x{img.height} = {img.width * img.height:,} pixels"))
    return img


def decode(data: bytes) -> Image.Image:
    """Decode one still image fully; raise UnusableImageError for a damaged, animated or too large file."""
    img = open_checked(data)
    if getattr(img, "is_animated", False):
        frames = getattr(img, "n_frames", 2)
        raise UnusableImageError(
            f"animated image ({frames} frames): stock sites accept still images only; save one frame first"
        )
    try:
        img.load()
    except Exception as exc:  # a truncated or damaged pixel stream
        raise UnusableImageError(f"damaged image data ({type(exc).__name__}: {exc})") from exc
    return img


def _too_large(detail: str) -> str:
    """Return the refusal for an image above MAX_PIXELS, naming the maximum."""
    return (f"image too large ({detail}); the maximum is {MAX_PIXELS:,} pixels "
            f"({MAX_PIXELS // 1_000_000} MP, Adobe Stock's limit)")


def upload_ready(img: Image.Image) -> tuple[Image.Image, list[str]]:
    """Return the image in 8 bits, sRGB and upright, with the changes made ("8bit", "srgb", "upright").

    An image that needs none of them comes back as the same object with an empty list.
    """
    changes: list[str] = []
    if img.mode in _SIXTEEN_BIT_MODES:
        img = _to_8bit(img)
        changes.append("8bit")
    converted = _to_srgb(img)
    if converted is not img:
        img = converted
        changes.append("srgb")
    if _orientation(img) != 1:
        # exif_transpose turns the pixels and removes the tag (EXIF and XMP), so no viewer turns them again.
        img = ImageOps.exif_transpose(img)
        changes.append("upright")
    return img, changes


def _orientation(img: Image.Image) -> int:
    """Return the EXIF orientation (1-8); 1 when absent, out of range or the EXIF block is damaged."""
    try:
        value = img.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block: the pixels are still good, shown as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_8bit(img: Image.Image) -> Image.Image:
    """Scale 16-bit grey samples (0-65535) to 8 bits; Pillow's own convert clips them, turning them white."""
    scaled = img if img.mode == "I" else img.convert("I")
    # point() with a linear function stays in C; + 0.5 rounds instead of truncating.
    out = scaled.point(lambda v: v * (1 / 257) + 0.5).convert("L")
    out.info = dict(img.info)
    return out


def _to_srgb(img: Image.Image) -> Image.Image:
    """Convert through the embedded ICC profile when it is not sRGB; return the same object when nothing to do."""
    profile = img.info.get("icc_profile")
    space = _colour_space(profile) if isinstance(profile, bytes) and profile else None
    if space is not None and not _fits(space, img.mode):
        space = None  # a profile that does not describe these pixels (a grey profile on RGB) is no guide
    if space is None or (space == "RGB" and isinstance(profile, bytes) and is_srgb(profile)):
        if space is None and profile:
            logger.warning("Unreadable or unsupported ICC profile dropped; colours taken as sRGB")
            img = img.copy()
            del img.info["icc_profile"]
        return img if img.mode in _PLAIN_MODES else _plain(img)
    assert isinstance(profile, bytes)
    colour_mode = _PROFILE_INPUT_MODES[space]
    if img.mode in ("P", "PA"):
        img = img.convert("RGBA" if img.mode == "PA" or "transparency" in img.info else "RGB")
    alpha = img.getchannel("A") if img.mode in ("RGBA", "LA") else None
    colour = img if img.mode == colour_mode else img.convert(colour_mode)
    out = ImageCms.applyTransform(colour, _transform(profile, colour_mode))
    assert out is not None  # applyTransform returns None only when asked to work in place
    if alpha is not None:
        out.putalpha(alpha)
    out.info = {k: v for k, v in img.info.items() if k != "icc_profile"}
    out.info["icc_profile"] = srgb_profile()
    return out


def _fits(space: str, mode: str) -> bool:
    """Return True when a profile of `space` can describe pixels of `mode`."""
    if space == "CMYK":
        return mode == "CMYK"
    if space == "GRAY":
        return mode in ("L", "LA")
    return mode in ("RGB", "RGBA", "P", "PA", "L", "LA")


def _plain(img: Image.Image) -> Image.Image:
    """Convert a mode without a profile (CMYK with none, YCbCr, LAB...) to RGB or RGBA, dropping any profile."""
    # Without a profile there is no better knowledge of CMYK than Pillow's own conversion.
    out = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    out.info.pop("icc_profile", None)
    return out


@functools.lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """Return the bytes of the sRGB profile written into converted images."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@functools.lru_cache(maxsize=32)
def _colour_space(profile: bytes) -> str | None:
    """Return "RGB", "CMYK" or "GRAY" for a readable profile of those spaces, else None."""
    try:
        space = ImageCms.ImageCmsProfile(io.BytesIO(profile)).profile.xcolor_space.strip()
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return space if space in _PROFILE_INPUT_MODES else None


@functools.lru_cache(maxsize=32)
def _transform(profile: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    """Build (once per profile) the transform from `profile` to sRGB RGB."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    target = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ImageCms.buildTransform(source, target, mode, "RGB", renderingIntent=_INTENT, flags=_FLAGS)


@functools.lru_cache(maxsize=32)
def is_srgb(profile: bytes) -> bool:
    """Return True when an RGB profile maps colours to sRGB within one level (so no conversion is needed)."""
    # A probe of 512 colours through the real transform: names and versions of sRGB profiles vary, the
    # mapping does not.
    levels = (0, 36, 73, 109, 146, 182, 219, 255)
    probe = Image.frombytes("RGB", (len(levels) ** 3, 1),
                            bytes(v for r in levels for g in levels for b in levels for v in (r, g, b)))
    try:
        mapped = ImageCms.applyTransform(probe, _transform(profile, "RGB"))
    except ImageCms.PyCMSError:
        return False
    assert mapped is not None
    extrema = ImageChops.difference(probe, mapped).getextrema()
    return all(high <= 1 for _, high in extrema)  # type: ignore[misc]  # an RGB image: one pair per band
