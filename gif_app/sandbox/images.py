"""Deterministic sandbox pictures: a rounded subject on a plain light background, and its cut-out."""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import logging

from PIL import Image, ImageChops, ImageDraw

logger = logging.getLogger(__name__)

FORMATS: dict[str, tuple[str, str, str]] = {
    # request name -> (Pillow format, MIME type, file extension)
    "PNG": ("PNG", "image/png", "png"),
    "JPG": ("JPEG", "image/jpeg", "jpg"),
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "WEBP": ("WEBP", "image/webp", "webp"),
    "SVG": ("SVG", "image/svg+xml", "svg"),  # drawn by render_svg, never by Pillow
}
_CANVAS_LONG_SIDE = 384
# Alpha ramps from 0 to 255 between these colour distances from the background (max channel difference).
_CUT_LOW, _CUT_HIGH = 24, 56


def digest(*parts: object) -> bytes:
    """Return a stable SHA-256 digest of the parts' text."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()


def stable_int(*parts: object, modulo: int = 2**31 - 1) -> int:
    """Return a stable non-negative integer below `modulo` derived from the parts."""
    return int.from_bytes(digest(*parts)[:8], "big") % modulo


def _rgb(h: float, s: float, v: float) -> tuple[int, int, int]:
    """Convert HSV fractions into an 8-bit RGB triple."""
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def palette(prompt: str) -> dict[str, tuple[int, int, int]]:
    """Return the background, subject, accent and highlight colours the prompt's hash picks."""
    hue = stable_int("hue", prompt.strip().lower(), modulo=360) / 360.0
    return {
        "background": _rgb(hue + 0.5, 0.06, 0.96),
        "subject": _rgb(hue, 0.85, 0.72),
        "accent": _rgb(hue + 0.08, 0.9, 0.5),
        "highlight": _rgb(hue, 0.45, 0.88),
    }


def draw_subject(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """Draw the (prompt, seed) picture in RGB at width x height; same inputs give the same pixels."""
    scale = _CANVAS_LONG_SIDE / max(width, height)
    cw, ch = max(16, round(width * scale)), max(16, round(height * scale))
    colours = palette(prompt)
    canvas = Image.new("RGB", (cw, ch), colours["background"])
    draw = ImageDraw.Draw(canvas)
    noise = digest("seed", prompt.strip().lower(), seed)
    side = min(cw, ch)
    cx = cw / 2 + (noise[0] / 255 - 0.5) * 0.1 * side
    cy = ch / 2 + (noise[1] / 255 - 0.5) * 0.1 * side
    radius = side * (0.24 + noise[2] / 255 * 0.06)
    # An accent shape tucked behind the main body gives each seed its own silhouette.
    ax = cx + (noise[3] / 255 - 0.5) * radius * 1.6
    ay = cy + radius * (0.35 + noise[4] / 255 * 0.3)
    arad = radius * (0.45 + noise[5] / 255 * 0.25)
    box = (ax - arad * 1.3, ay - arad * 0.7, ax + arad * 1.3, ay + arad * 0.7)
    if noise[6] % 2:
        draw.rounded_rectangle(box, radius=arad * 0.5, fill=colours["accent"])
    else:
        draw.ellipse(box, fill=colours["accent"])
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colours["subject"])
    hr = radius * 0.32
    hx, hy = cx - radius * 0.35, cy - radius * 0.35
    draw.ellipse((hx - hr, hy - hr * 0.75, hx + hr, hy + hr * 0.75), fill=colours["highlight"])
    if (cw, ch) == (width, height):
        return canvas
    return canvas.resize((width, height), Image.Resampling.BICUBIC)


def normalise_format(name: str) -> str:
    """Return the canonical format key (PNG, JPG, WEBP, SVG) for a case-insensitive name; KeyError if unknown."""
    key = name.strip().upper()
    if key not in FORMATS:
        raise KeyError(name)
    return "JPG" if key == "JPEG" else key


def mime_type(fmt: str) -> str:
    """Return the MIME type of a format key."""
    return FORMATS[normalise_format(fmt)][1]


def extension(fmt: str) -> str:
    """Return the file extension (no dot) of a format key."""
    return FORMATS[normalise_format(fmt)][2]


def encode(image: Image.Image, fmt: str, quality: int = 95) -> bytes:
    """Encode an image as PNG, JPG or WEBP quickly and deterministically."""
    pil_format = FORMATS[normalise_format(fmt)][0]
    out = io.BytesIO()
    if pil_format == "PNG":
        image.save(out, "PNG", compress_level=1)
    elif pil_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        image.save(out, "WEBP", quality=quality, method=0)
    return out.getvalue()


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def render_svg(prompt: str, seed: int, width: int, height: int) -> bytes:
    """Return a small valid SVG of the (prompt, seed) subject: what a text-to-vector model hands back."""
    colours = palette(prompt)
    noise = digest("seed", prompt.strip().lower(), seed)
    side = min(width, height)
    cx, cy = width / 2 + (noise[0] / 255 - 0.5) * 0.1 * side, height / 2 + (noise[1] / 255 - 0.5) * 0.1 * side
    radius = side * (0.24 + noise[2] / 255 * 0.06)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="{_hex(colours["background"])}"/>'
        f'<ellipse cx="{cx:.1f}" cy="{cy + radius * 0.6:.1f}" rx="{radius * 0.9:.1f}" ry="{radius * 0.45:.1f}" '
        f'fill="{_hex(colours["accent"])}"/>'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{_hex(colours["subject"])}"/>'
        f'<circle cx="{cx - radius * 0.35:.1f}" cy="{cy - radius * 0.35:.1f}" r="{radius * 0.3:.1f}" '
        f'fill="{_hex(colours["highlight"])}"/></svg>\n'
    ).encode()


@functools.lru_cache(maxsize=64)
def render_bytes(
    prompt: str, seed: int, width: int, height: int, fmt: str = "PNG", quality: int = 95
) -> bytes:
    """Return the encoded (prompt, seed) picture; cached because clients download the same URL again."""
    if normalise_format(fmt) == "SVG":
        return render_svg(prompt, seed, width, height)
    return encode(draw_subject(prompt, seed, width, height), fmt, quality)


@functools.lru_cache(maxsize=16)
def render_grid(prompt: str, seeds: tuple[int, int, int, int], width: int, height: int) -> bytes:
    """Return a PNG 2x2 grid of the four seeds' pictures, each width x height (a Midjourney grid)."""
    grid = Image.new("RGB", (width * 2, height * 2))
    for index, seed in enumerate(seeds):
        grid.paste(draw_subject(prompt, seed, width, height), ((index % 2) * width, (index // 2) * height))
    return encode(grid, "PNG")


def background_of(image: Image.Image) -> tuple[int, int, int]:
    """Return the per-channel median of the four corner pixels: the plain background's colour."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    corners = [rgb.getpixel(xy) for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
    channels = [sorted(int(c[i]) for c in corners if isinstance(c, tuple)) for i in range(3)]
    return (channels[0][1], channels[1][1], channels[2][1])


def cut_out(image: Image.Image) -> Image.Image:
    """Return an RGBA copy whose pixels close to the corner colour are transparent, the rest opaque."""
    rgb = image.convert("RGB")
    background = Image.new("RGB", rgb.size, background_of(rgb))
    r, g, b = ImageChops.difference(rgb, background).split()
    distance = ImageChops.lighter(ImageChops.lighter(r, g), b)
    span = _CUT_HIGH - _CUT_LOW
    lut = [0 if v < _CUT_LOW else 255 if v >= _CUT_HIGH else (v - _CUT_LOW) * 255 // span for v in range(256)]
    alpha = distance.point(lut)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        alpha = ImageChops.darker(alpha, image.convert("RGBA").getchannel("A"))
    result = rgb.convert("RGBA")
    result.putalpha(alpha)
    return result
