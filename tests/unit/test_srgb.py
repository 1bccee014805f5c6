"""Conversion to sRGB: a wide-gamut source is converted and tagged sRGB; an sRGB or untagged one is left."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

from gif_app import imaging
from gif_app.pipeline.process import ProcessingSettings, process_image
from tests.helpers.icc_profile import wide_rgb_profile

COLOUR = (40, 200, 60)


def _jpeg(profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options = {"icc_profile": profile} if profile else {}
    Image.new("RGB", (64, 48), COLOUR).save(buffer, "JPEG", quality=95, subsampling=0, **options)
    return buffer.getvalue()


def _description(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as img:
        profile = img.info.get("icc_profile")
    assert profile, "the output carries a profile"
    return str(ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))).strip()


def test_a_wide_gamut_image_is_converted_and_tagged_srgb() -> None:
    source = _jpeg(wide_rgb_profile())
    outcome = process_image(source, "a.jpg", ProcessingSettings(srgb=True), None)
    assert "srgb" in outcome.record.applied and outcome.extension == "jpg"
    assert "sRGB" in _description(outcome.data)
    with Image.open(io.BytesIO(outcome.data)) as img:
        red, green, blue = img.convert("RGB").getpixel((32, 24))  # type: ignore[misc]
    # Adobe RGB's green is more saturated than sRGB can show: red drops, blue drops towards clipping.
    assert red < COLOUR[0] - 20 and blue < COLOUR[2] - 10 and abs(green - COLOUR[1]) < 15


def test_srgb_and_untagged_sources_pass_through_untouched() -> None:
    for source in (_jpeg(None), _jpeg(imaging.srgb_profile())):
        outcome = process_image(source, "a.jpg", ProcessingSettings(srgb=True), None)
        assert outcome.data == source and "srgb" not in outcome.record.applied


def test_the_profile_check_reads_the_description() -> None:
    assert imaging.is_srgb_profile(imaging.srgb_profile())
    assert not imaging.is_srgb_profile(wide_rgb_profile())
    assert not imaging.is_srgb_profile(b"not a profile")
