"""Pure Pillow operations: each one does what the user sees in the output file."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageStat

from gif_app import imaging, pixels
from tests.helpers.bomb import bomb_png


def _cutout(
    size: tuple[int, int] = (200, 160), box: tuple[int, int, int, int] = (40, 30, 120, 100)
) -> Image.Image:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle(box, fill=(200, 40, 40, 255))
    return img


def _edges() -> Image.Image:
    img = Image.new("RGB", (64, 64), (90, 90, 90))
    ImageDraw.Draw(img).rectangle((16, 16, 47, 47), fill=(170, 170, 170))
    return img


def _png(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def test_sniff_format_reads_magic_bytes() -> None:
    img = _edges()
    assert imaging.sniff_format(imaging.encode(img, "png")) == "png"
    assert imaging.sniff_format(imaging.encode(img, "jpg")) == "jpg"
    assert imaging.sniff_format(imaging.encode(img, "webp")) == "webp"
    with pytest.raises(ValueError):
        imaging.sniff_format(b"GIF89a....")


def test_trim_crops_to_the_opaque_subject() -> None:
    trimmed = imaging.trim_transparent(_cutout())
    assert trimmed.size == (81, 71)
    assert trimmed.getpixel((0, 0)) == (200, 40, 40, 255)


def test_trim_ignores_faint_alpha_below_threshold() -> None:
    img = _cutout()
    img.putpixel((5, 5), (255, 255, 255, 30))
    assert imaging.trim_transparent(img, alpha_threshold=50).size == (81, 71)
    assert imaging.trim_transparent(img, alpha_threshold=10).size == (116, 96)


def test_trim_leaves_images_without_alpha_or_without_subject_alone() -> None:
    opaque = _edges()
    assert imaging.trim_transparent(opaque) is opaque
    empty = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    assert imaging.trim_transparent(empty) is empty


def test_sharpen_zero_is_a_no_op_and_positive_raises_edge_contrast() -> None:
    img = _edges()
    assert imaging.sharpen(img, 0) is img
    sharp = imaging.sharpen(img, 5)
    # Just outside the bright square the unsharp mask darkens; just inside it brightens.
    assert sharp.getpixel((15, 32))[0] < 90 < 170 < sharp.getpixel((16, 32))[0]
    # Flat areas stay flat.
    assert sharp.getpixel((2, 2)) == (90, 90, 90)


def test_sharpen_mapping_follows_the_slider() -> None:
    assert imaging.sharpen_parameters(5) == (1.0, 100, 2)
    assert imaging.sharpen_parameters(10) == (2.0, 150, 2)
    assert imaging.sharpen_parameters(50) == (2.0, 150, 2)


def test_sharpen_keeps_the_alpha_band() -> None:
    img = _cutout()
    sharp = imaging.sharpen(img, 8)
    assert sharp.mode == "RGBA"
    assert sharp.getchannel("A").tobytes() == img.getchannel("A").tobytes()


def test_saturation_scales_colourfulness_and_keeps_alpha() -> None:
    img = _cutout()
    assert imaging.saturate(img, 1.0) is img
    grey = imaging.saturate(img, 0.0)
    r, g, b, a = grey.getpixel((60, 60))
    assert r == g == b and a == 255
    vivid = imaging.saturate(img, 1.5)
    assert vivid.getpixel((60, 60))[0] > 200 and vivid.getpixel((60, 60))[1] < 40
    assert vivid.getchannel("A").tobytes() == img.getchannel("A").tobytes()


@pytest.mark.parametrize(("colour", "expected"), [("white", (255, 255, 255)), ("black", (0, 0, 0))])
def test_flatten_fills_transparency_with_the_chosen_colour(
    colour: str, expected: tuple[int, int, int]
) -> None:
    flat = imaging.flatten(_cutout(), colour)  # type: ignore[arg-type]
    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == expected
    assert flat.getpixel((60, 60)) == (200, 40, 40)


def test_encode_formats_and_quality() -> None:
    img = Image.effect_noise((256, 256), 60).convert("RGB")
    png = imaging.encode(img, "png")
    assert Image.open(io.BytesIO(png)).tobytes() == img.tobytes()  # lossless
    low, high = imaging.encode(img, "jpg", quality=30), imaging.encode(img, "jpg", quality=95)
    assert len(low) < len(high)
    webp_low, webp_high = imaging.encode(img, "webp", quality=30), imaging.encode(img, "webp", quality=95)
    assert len(webp_low) < len(webp_high)
    assert Image.open(io.BytesIO(high)).format == "JPEG"
    assert Image.open(io.BytesIO(webp_high)).format == "WEBP"


def test_encode_jpg_flattens_and_webp_keeps_alpha() -> None:
    cut = _cutout()
    jpg = Image.open(io.BytesIO(imaging.encode(cut, "jpg", flatten_colour="black")))
    assert jpg.mode == "RGB" and max(jpg.getpixel((0, 0))) < 10
    webp = Image.open(io.BytesIO(imaging.encode(cut, "webp", quality=90)))
    assert webp.mode == "RGBA" and webp.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("fmt", ["png", "jpg", "webp"])
def test_encode_keeps_the_icc_profile(fmt: str) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img = _edges()
    img.info["icc_profile"] = profile
    out = Image.open(io.BytesIO(imaging.encode(img, fmt)))
    assert out.info.get("icc_profile") == profile
    explicit = Image.open(io.BytesIO(imaging.encode(_edges(), fmt, icc_profile=profile)))
    assert explicit.info.get("icc_profile") == profile


def test_resize_to_min_megapixels_only_upscales() -> None:
    img = _edges()
    bigger = imaging.resize_to_min_megapixels(img, 0.01)
    assert bigger.width * bigger.height >= 10_000
    assert bigger.width == bigger.height  # aspect kept
    big = Image.new("RGB", (300, 200))
    assert imaging.resize_to_min_megapixels(big, 0.05) is big
    assert imaging.resize_to_min_megapixels(img, 0) is img
    wide = imaging.resize_to_min_megapixels(Image.new("RGB", (400, 100)), 0.16)
    assert wide.size == (800, 200)


def test_downscale_for_vision_limits_the_long_edge_with_the_right_mime() -> None:
    photo = Image.effect_noise((2048, 1536), 40).convert("RGB")
    data, mime = imaging.downscale_for_vision(_png(photo))
    out = Image.open(io.BytesIO(data))
    assert max(out.size) == 1024 and out.size == (1024, 768)
    assert mime == "image/jpeg" and out.format == "JPEG"
    cut = _cutout((2000, 1000), (100, 100, 900, 900))
    data, mime = imaging.downscale_for_vision(_png(cut))
    assert mime == "image/png" and Image.open(io.BytesIO(data)).format == "PNG"
    assert max(Image.open(io.BytesIO(data)).size) <= 1024


def test_downscale_for_vision_passes_small_images_through() -> None:
    small = imaging.encode(_edges(), "webp")
    assert imaging.downscale_for_vision(small) == (small, "image/webp")


def test_thumbnail_is_small_webp_with_alpha() -> None:
    thumb = Image.open(io.BytesIO(imaging.thumbnail(_png(_cutout((1000, 800), (100, 100, 500, 500))), 256)))
    assert thumb.format == "WEBP" and max(thumb.size) == 256 and thumb.mode == "RGBA"
    original = _edges()
    imaging.thumbnail(original, 16)
    assert original.size == (64, 64)  # the caller's image is not shrunk in place


def test_enhancement_changes_colour_statistics_visibly() -> None:
    img = Image.effect_noise((64, 64), 30).convert("RGB")
    img = ImageChops.multiply(img, Image.new("RGB", img.size, (255, 180, 120)))
    before = ImageStat.Stat(img.convert("HSV")).mean[1]
    after = ImageStat.Stat(imaging.saturate(img, 1.8).convert("HSV")).mean[1]
    assert after > before * 1.2


def test_downscale_for_vision_refuses_a_decompression_bomb_before_decoding_it() -> None:
    with pytest.raises(pixels.UnusableImageError, match="the maximum is 100,000,000 pixels"):
        imaging.downscale_for_vision(bomb_png(20_000))


def test_enhance_flattens_a_cut_out_for_jpg_in_the_same_pass() -> None:
    cut = _cutout()
    flat = imaging.enhance(cut, 5, 1.4, "white")
    assert flat.mode == "YCbCr" and flat.size == cut.size
    jpg = Image.open(io.BytesIO(imaging.encode(flat, "jpg", quality=95)))
    assert min(jpg.getpixel((2, 2))) > 250  # type: ignore[type-var]  # transparent corner on white
    red, green, blue = jpg.getpixel((80, 65))  # type: ignore[misc]
    assert red > 200 and green < 40 and blue < 40  # the subject, more saturated, not washed out
    grey = imaging.enhance(Image.new("L", (16, 16), 90), 5, 1.4)
    assert grey.mode == "L" and grey.getpixel((8, 8)) == 90  # grey stays grey, flat stays flat
