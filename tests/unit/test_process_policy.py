"""The processing recipe and its failure policy (story 1.20: remove.bg "Mark Failed" enforcement)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw

from gif_app import imaging
from gif_app import settings as settings_mod
from gif_app.domain import CancelToken
from gif_app.errors import CancelledError, InsufficientCreditsError, ProcessingError, ValidationError
from gif_app.pipeline.process import ProcessingSettings, process_image
from gif_app.providers.base import RemovalResult
from gif_app.providers.removal import SmallerResultError
from tests.helpers.processing import recipe


class BrokeRemover:
    """A remover whose account has no credits left (what remove.bg answers with HTTP 402)."""

    name = "removebg"

    def __init__(self) -> None:
        self.calls = 0

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        self.calls += 1
        raise InsufficientCreditsError("Insufficient credits", vendor="removebg", status=402)


class CutoutRemover:
    """A remover that really cuts the light background away (alpha = distance from the corner colour)."""

    name = "removebg"

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        img = Image.open(io.BytesIO(image)).convert("RGB")
        corner = Image.new("RGB", img.size, img.getpixel((0, 0)))  # type: ignore[arg-type]
        alpha = ImageChops.difference(img, corner).convert("L").point(lambda v: 255 if v > 20 else 0)
        out = img.convert("RGBA")
        out.putalpha(alpha)
        buffer = io.BytesIO()
        out.save(buffer, "PNG")
        return RemovalResult(data=buffer.getvalue(), credits=1.0, width=img.width, height=img.height)


class PreviewRemover(CutoutRemover):
    """A remover that cuts out for real but answers at half the side, as remove.bg's preview does."""

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        full = _open(super().remove(image, filename, cancel).data)
        small = full.resize((full.width // 2, full.height // 2))
        buffer = io.BytesIO()
        small.save(buffer, "PNG")
        result = RemovalResult(data=buffer.getvalue(), credits=0.25, width=small.width, height=small.height)
        raise SmallerResultError("remove.bg returned 120x90, smaller than asked", vendor="removebg", result=result)


class AbortingRemover:
    """A remover interrupted by a force stop."""

    name = "rembg"

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        raise CancelledError("force stop")


def _render(fmt: str = "png", with_profile: bool = False) -> bytes:
    """A rendered image like the providers deliver: a red disc on a plain light background."""
    img = Image.new("RGB", (240, 180), (236, 236, 232))
    ImageDraw.Draw(img).ellipse((70, 40, 170, 140), fill=(200, 30, 40))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() if with_profile else None
    return imaging.encode(img, fmt, quality=92, icc_profile=profile)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


REMOVE_BG = {"remove_bg": True, "remover": "removebg"}


def test_nothing_on_returns_the_source_bytes_unchanged() -> None:
    for fmt in ("png", "jpg", "webp"):
        source = _render(fmt)
        settings = recipe()
        assert settings.is_noop
        outcome = process_image(source, f"img.{fmt}", settings, None)
        assert outcome.data is source
        assert outcome.extension == fmt
        assert outcome.record.applied == () and outcome.record.soft_failures == ()


def test_enhance_with_neutral_values_is_a_no_op() -> None:
    settings = recipe({"image_enhancement": True, "sharpening": 0, "saturation": 1})
    source = _render("jpg")
    assert process_image(source, "a.jpg", settings, None).data is source


def test_from_settings_reads_the_schemas_snake_case_keys() -> None:
    settings = ProcessingSettings.from_settings({
        "remove_bg": "true", "remover": "rembg", "remove_bg_size": "full", "remove_bg_failure_mode": "mark_failed",
        "trim_transparent_background": True, "trim_threshold": 20, "image_enhancement": True,
        "sharpening": 10, "saturation": 1.2, "image_convert": True, "convert_format": "jpg",
        "jpg_quality": 1, "webp_quality": 70, "jpg_background": "black", "min_megapixels": 4,
    })
    assert settings.remove_bg and settings.remover == "rembg" and settings.remove_bg_size == "full"
    assert settings.remove_bg_failure_mode == "mark_failed"
    assert settings.trim and settings.trim_threshold == 20
    assert settings.sharpening == 10 and settings.saturation == 1.2
    assert settings.format == "jpg" and settings.jpg_quality == 1 and settings.webp_quality == 70
    assert settings.flatten_colour == "black" and settings.min_megapixels == 4
    assert ProcessingSettings.from_settings({"remove_bg_size": "50MP"}).remove_bg_size == "50MP"


def test_the_recipes_defaults_are_the_settings_schemas() -> None:
    assert ProcessingSettings() == ProcessingSettings.from_validated(settings_mod.defaults())


def test_the_default_recipe_makes_a_small_render_upload_ready_for_adobe_stock() -> None:
    settings = ProcessingSettings.from_settings({})
    assert not settings.is_noop
    outcome = process_image(_render("png"), "a.png", settings, None)
    out = _open(outcome.data)
    assert outcome.extension == "jpg" and out.format == "JPEG" and out.mode == "RGB"
    assert out.width * out.height >= 4_000_000 and out.width / out.height == pytest.approx(240 / 180, rel=0.01)
    assert outcome.record.applied == ("resize", "convert:jpg")


@pytest.mark.parametrize("key, value", [("sharpening", 25), ("jpg_quality", 0), ("remove_bg_size", "4k"),
                                        ("remove_bg_failure_mode", "fail"), ("convert_format", "JPEG"),
                                        ("jpg_background", "transparent")])
def test_from_settings_refuses_what_the_settings_panel_refuses(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        ProcessingSettings.from_settings({key: value})
    panel = settings_mod.validate({f"processing.{key}": value})[1]
    assert caught.value.fields == panel and f"processing.{key}" in panel


def test_approve_mode_keeps_pixels_and_records_the_soft_failure() -> None:
    source = _render("png")
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "approve"})
    remover = BrokeRemover()
    outcome = process_image(source, "a.png", settings, remover)
    assert remover.calls == 1
    assert outcome.data == source  # nothing else was asked for: the original file goes on
    assert "remove_bg" not in outcome.record.applied
    assert outcome.record.soft_failures == (
        {"stage": "remove_bg", "message": "Background removal (removebg) failed: Insufficient credits"},
    )
    assert outcome.record.to_json()["soft_failures"][0]["stage"] == "remove_bg"


def test_approve_mode_continues_with_the_later_steps() -> None:
    settings = recipe(
        {**REMOVE_BG, "image_convert": True, "convert_format": "jpg", "jpg_quality": 80}
    )
    outcome = process_image(_render("png"), "a.png", settings, BrokeRemover())
    assert outcome.extension == "jpg" and _open(outcome.data).format == "JPEG"
    assert outcome.record.applied == ("convert:jpg",)
    assert [f["stage"] for f in outcome.record.soft_failures] == ["remove_bg"]


def test_mark_failed_mode_raises_remove_bg_processing_error() -> None:
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "mark_failed"})
    with pytest.raises(ProcessingError) as caught:
        process_image(_render(), "a.png", settings, BrokeRemover())
    assert caught.value.stage == "remove_bg"
    assert caught.value.code == "processing_failed:remove_bg"
    assert "Insufficient credits" in caught.value.message


def test_mark_failed_mode_with_missing_key_fails_the_image() -> None:
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "mark_failed"})
    with pytest.raises(ProcessingError) as caught:
        process_image(_render(), "a.png", settings, None)
    assert caught.value.code == "processing_failed:remove_bg"
    assert "API key" in caught.value.message


def test_approve_mode_with_missing_key_records_not_applied() -> None:
    settings = recipe(REMOVE_BG)
    outcome = process_image(_render(), "a.png", settings, None)
    assert outcome.record.soft_failures[0]["stage"] == "remove_bg"
    assert "remove_bg" not in outcome.record.applied


def test_mark_failed_mode_success_gives_a_real_cutout() -> None:
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "mark_failed"})
    outcome = process_image(_render(), "a.png", settings, CutoutRemover())
    cut = _open(outcome.data)
    assert outcome.extension == "png" and cut.mode == "RGBA"
    assert cut.getpixel((0, 0))[3] == 0 and cut.getpixel((120, 90))[3] == 255
    assert outcome.record.applied == ("remove_bg",) and outcome.record.soft_failures == ()
    assert outcome.record.credits == 1.0


def test_retry_hard_fail_list_makes_remove_bg_hard_even_in_approve_mode() -> None:
    settings = recipe(REMOVE_BG)
    with pytest.raises(ProcessingError):
        process_image(_render(), "a.png", settings, BrokeRemover(), hard_fail_stages=frozenset({"remove_bg"}))


def test_force_stop_inside_the_remover_is_not_a_soft_failure() -> None:
    settings = recipe(REMOVE_BG)
    with pytest.raises(CancelledError):
        process_image(_render(), "a.png", settings, AbortingRemover())


def test_force_stop_before_processing_cancels() -> None:
    cancel = CancelToken()
    cancel.request_abort()
    settings = recipe({"image_convert": True, "convert_format": "webp"})
    with pytest.raises(CancelledError):
        process_image(_render(), "a.png", settings, None, cancel=cancel)


def test_full_recipe_cutout_trim_enhance_jpg_on_black() -> None:
    settings = recipe({
        **REMOVE_BG, "trim_transparent_background": True, "image_enhancement": True, "sharpening": 5,
        "saturation": 1.4, "image_convert": True, "convert_format": "jpg", "jpg_background": "black",
        "jpg_quality": 90,
    })
    outcome = process_image(_render("png", with_profile=True), "a.png", settings, CutoutRemover())
    out = _open(outcome.data)
    assert outcome.extension == "jpg" and out.format == "JPEG"
    assert out.size == (101, 101)  # trimmed to the disc
    assert max(out.getpixel((1, 1))) < 40  # transparent corner flattened on black
    assert outcome.record.applied == ("remove_bg", "trim", "sharpen", "saturation", "convert:jpg")
    assert out.info.get("icc_profile")  # the source's colour profile survives


def test_cutout_keeps_the_source_colour_profile() -> None:
    settings = recipe(REMOVE_BG)
    source = _render("png", with_profile=True)
    outcome = process_image(source, "a.png", settings, CutoutRemover())
    assert _open(outcome.data).info.get("icc_profile") == _open(source).info.get("icc_profile")
    assert _open(outcome.data).getpixel((0, 0))[3] == 0


def test_trim_only_runs_when_there_is_alpha() -> None:
    settings = recipe({"trim_transparent_background": True})
    source = _render("png")
    outcome = process_image(source, "a.png", settings, None)
    assert outcome.data == source and outcome.record.applied == ()


def test_convert_off_keeps_the_source_format_but_not_for_a_jpg_cutout() -> None:
    settings = recipe(REMOVE_BG)
    outcome = process_image(_render("jpg"), "a.jpg", settings, CutoutRemover())
    assert outcome.extension == "png" and _open(outcome.data).getpixel((0, 0))[3] == 0
    webp = process_image(_render("webp"), "a.webp", settings, CutoutRemover())
    assert webp.extension == "webp" and _open(webp.data).mode == "RGBA"
    enhanced = process_image(
        _render("jpg"), "a.jpg", recipe({"image_enhancement": True}), None
    )
    assert enhanced.extension == "jpg" and _open(enhanced.data).format == "JPEG"


def test_min_megapixels_upscales_for_stock_sites() -> None:
    settings = recipe({"min_megapixels": 0.5})
    outcome = process_image(_render(), "a.png", settings, None)
    width, height = _open(outcome.data).size
    assert width * height >= 500_000 and outcome.record.applied == ("resize",)


@pytest.mark.parametrize("steps", [{}, {"trim_transparent_background": True}])
def test_corrupt_source_is_a_hard_input_failure_even_with_no_step_on_or_in_retry_mode(
    steps: dict[str, object]
) -> None:
    garbage = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    settings = recipe(steps)
    for hard_stages in (None, frozenset({"convert"})):
        with pytest.raises(ProcessingError) as caught:
            process_image(garbage, "a.png", settings, None, hard_fail_stages=hard_stages)
        assert caught.value.code == "processing_failed:input"
        assert "not a readable image" in caught.value.message


def test_retry_soft_convert_failure_keeps_processed_pixels_as_png() -> None:
    settings = recipe({**REMOVE_BG, "image_convert": True, "convert_format": "jpg"})
    # A format the encoder cannot write stands in for a disk or codec failure at the convert stage.
    broken = ProcessingSettings(**{**settings.to_json(), "format": "bmp"})
    outcome = process_image(
        _render(), "a.png", broken, CutoutRemover(), hard_fail_stages=frozenset({"remove_bg"})
    )
    assert outcome.extension == "png"
    assert [f["stage"] for f in outcome.record.soft_failures] == ["convert"]
    with pytest.raises(ProcessingError) as caught:
        process_image(_render(), "a.png", broken, CutoutRemover())
    assert caught.value.code == "processing_failed:convert"


def test_a_smaller_cut_out_is_kept_in_approve_mode_and_recorded() -> None:
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "approve"})
    outcome = process_image(_render("png"), "a.png", settings, PreviewRemover())
    assert _open(outcome.data).size == (120, 90) and _open(outcome.data).mode == "RGBA"
    assert outcome.record.applied == ("remove_bg",) and outcome.record.credits == 0.25
    assert outcome.record.soft_failures == (
        {"stage": "remove_bg", "message": "remove.bg returned 120x90, smaller than asked"},
    )


def test_a_smaller_cut_out_fails_the_image_in_mark_failed_mode() -> None:
    settings = recipe({**REMOVE_BG, "remove_bg_failure_mode": "mark_failed"})
    with pytest.raises(ProcessingError) as caught:
        process_image(_render("png"), "a.png", settings, PreviewRemover())
    assert caught.value.code == "processing_failed:remove_bg" and "smaller than asked" in caught.value.message


def test_nothing_on_still_makes_awkward_files_upload_ready() -> None:
    settings = recipe()
    buffer = io.BytesIO()
    Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(buffer, "JPEG", quality=95)
    outcome = process_image(buffer.getvalue(), "ink.jpg", settings, None)
    assert outcome.extension == "jpg" and outcome.record.applied == ("srgb",)
    out = _open(outcome.data)
    assert out.format == "JPEG" and out.mode == "RGB" and out.getpixel((20, 15))[0] > 230  # type: ignore[index]
    gif = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(gif, "GIF")
    renamed = process_image(gif.getvalue(), "still.png", settings, None)  # a GIF under a .png name
    assert renamed.extension == "png" and _open(renamed.data).format == "PNG"


class SizeRecordingRemover(CutoutRemover):
    """A cutting remover that notes the size of the image it was sent."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def remove(self, image: bytes, filename: str, cancel: CancelToken | None = None) -> RemovalResult:
        self.sizes.append(_open(image).size)
        return super().remove(image, filename, cancel)


def test_the_remover_is_sent_upright_pixels() -> None:
    img = Image.new("RGB", (240, 180), (236, 236, 232))
    ImageDraw.Draw(img).ellipse((70, 40, 170, 140), fill=(200, 30, 40))
    exif = Image.Exif()
    exif[0x0112] = 8  # "rotate 90 CCW to display"
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95, exif=exif)
    remover = SizeRecordingRemover()
    outcome = process_image(buffer.getvalue(), "a.jpg", recipe(REMOVE_BG), remover)
    assert remover.sizes == [(180, 240)]
    assert outcome.record.applied == ("upright", "remove_bg") and _open(outcome.data).size == (180, 240)
