"""Upload-ready pixels: sRGB through the embedded profile, upright, 8-bit, still and not too large."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, ImageStat

from gif_app import pixels
from tests.helpers.bomb import bomb_png
from tests.helpers.icc import cmyk_press_colour, cmyk_profile, rgb_profile


def _save(img: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def _ready(data: bytes) -> tuple[Image.Image, list[str]]:
    return pixels.upload_ready(pixels.decode(data))


def test_an_srgb_image_needs_nothing_and_comes_back_as_is() -> None:
    img = Image.new("RGB", (32, 16), (10, 120, 240))
    img.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert pixels.upload_ready(img) == (img, [])
    plain = Image.new("RGBA", (8, 8), (1, 2, 3, 4))
    assert pixels.upload_ready(plain) == (plain, [])


def test_srgb_is_recognised_by_what_the_profile_does_not_by_its_name() -> None:
    assert pixels.is_srgb(pixels.srgb_profile())
    srgb_like = rgb_profile("Some vendor's display profile",  # sRGB primaries, gamma 2.2: close but not sRGB
                            ((0.4360747, 0.2225045, 0.0139322), (0.3850649, 0.7168786, 0.0971045),
                             (0.1430804, 0.0606169, 0.7141733)), 2.2)
    assert not pixels.is_srgb(srgb_like)
    assert not pixels.is_srgb(rgb_profile("sRGB (mislabelled Adobe RGB)"))


def test_wide_gamut_pixels_are_converted_to_srgb_and_carry_the_srgb_profile() -> None:
    img = Image.new("RGB", (16, 16), (40, 180, 60))
    img.paste((128, 128, 128), (0, 0, 8, 8))
    img.info["icc_profile"] = rgb_profile("Adobe RGB (1998) lookalike")
    out, changes = _ready(_save(img, "JPEG", quality=95, subsampling=0, icc_profile=img.info["icc_profile"]))
    assert changes == ["srgb"] and out.mode == "RGB"
    assert out.info["icc_profile"] == pixels.srgb_profile()
    red, green, blue = out.getpixel((12, 12))  # type: ignore[misc]
    # The same numbers mean a more saturated green in Adobe RGB: in sRGB red and blue drop, green stays.
    assert red < 20 and 170 <= green <= 190 and blue < 55
    grey = out.getpixel((3, 3))
    assert max(grey) - min(grey) <= 2  # type: ignore[arg-type]  # neutral stays neutral


def test_cmyk_with_its_profile_goes_through_the_profile() -> None:
    profile = cmyk_profile()
    img = Image.new("CMYK", (16, 8), (0, 0, 0, 255))
    img.paste((255, 0, 0, 0), (8, 0, 16, 8))
    out, changes = _ready(_save(img, "JPEG", quality=100, icc_profile=profile))
    assert changes == ["srgb"] and out.mode == "RGB" and out.info["icc_profile"] == pixels.srgb_profile()
    expected_black = round(255 * cmyk_press_colour(0, 0, 0, 1)[0])  # this press's black is a dark grey
    assert all(abs(v - expected_black) <= 4 for v in out.getpixel((2, 2)))  # type: ignore[union-attr]
    red, green, blue = out.getpixel((12, 4))  # type: ignore[misc]
    assert red < 60 and green > 220 and blue > 220  # cyan


def test_cmyk_without_a_profile_still_becomes_sensible_rgb() -> None:
    img = Image.new("CMYK", (16, 8), (0, 0, 0, 0))
    img.paste((0, 255, 255, 0), (8, 0, 16, 8))
    out, changes = _ready(_save(img, "JPEG", quality=100))
    assert changes == ["srgb"] and out.mode == "RGB" and "icc_profile" not in out.info
    assert min(out.getpixel((2, 2))) > 245  # type: ignore[type-var]  # no ink = white
    red, green, blue = out.getpixel((12, 4))  # type: ignore[misc]
    assert red > 240 and green < 20 and blue < 20  # magenta + yellow = red


def test_exif_orientation_is_applied_and_the_tag_dropped() -> None:
    img = Image.new("RGB", (40, 20), (0, 0, 200))
    img.paste((250, 0, 0), (0, 0, 10, 20))  # a red band on the stored image's left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    out, changes = _ready(_save(img, "JPEG", quality=95, exif=exif))
    assert changes == ["upright"]
    assert out.size == (20, 40)  # upright: portrait
    assert out.getpixel((10, 2))[0] > 200  # type: ignore[index]  # the left edge is now the top
    assert 0x0112 not in out.getexif()


def test_sixteen_bit_grey_keeps_its_tones() -> None:
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.TRANSPOSE).crop((0, 0, 256, 64))  # 0..255
    wide = ramp.convert("I").point(lambda v: v * 257)  # the same ramp in 16 bits
    out, changes = _ready(_save(wide.convert("I;16"), "PNG"))
    assert changes == ["8bit"] and out.mode == "L"
    assert abs(ImageStat.Stat(out).mean[0] - ImageStat.Stat(ramp).mean[0]) < 0.05 * 255
    assert out.getpixel((0, 32)) == 0 and out.getpixel((255, 32)) == 255


def test_animated_images_are_refused_with_the_frame_count() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(pixels.UnusableImageError, match=r"animated image \(3 frames\)"):
        pixels.decode(data)
    apng = _save(Image.new("RGB", (8, 8)), "PNG", save_all=True,
                 append_images=[Image.new("RGB", (8, 8), (255, 0, 0))])
    with pytest.raises(pixels.UnusableImageError, match="animated"):
        pixels.decode(apng)


@pytest.mark.parametrize("side", [10_001, 14_000])  # just over the limit (Pillow only warns) and far over
def test_decompression_bombs_are_refused_naming_the_maximum(side: int) -> None:
    with pytest.raises(pixels.UnusableImageError) as caught:
        pixels.decode(bomb_png(side))
    assert f"{side * side:,} pixels" in str(caught.value)
    assert "the maximum is 100,000,000 pixels" in str(caught.value)


def test_damaged_files_are_refused() -> None:
    good = _save(Image.effect_noise((64, 64), 50), "PNG")
    with pytest.raises(pixels.UnusableImageError, match="damaged image data"):
        pixels.decode(good[: len(good) // 2])
    with pytest.raises(pixels.UnusableImageError, match="not a readable image"):
        pixels.decode(b"not an image at all")
