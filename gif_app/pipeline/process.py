"""Processing recipe (remove background -> trim -> enhance -> convert) with its failure policy.

Policy, in one place:
- Background removal fails (the remover raises, or it is on but no remover is available, e.g. no key):
  mode "mark_failed" (or "remove_bg" in `hard_fail_stages`) raises ProcessingError("remove_bg");
  mode "approve" keeps the pixels, continues and records the soft failure. A cut-out smaller than the
  size asked for (SmallerResultError, e.g. a remove.bg preview) fails by the same rule; "approve" keeps
  the smaller cut-out and records why.
- Trim, enhancement (which includes the upscale to `min_megapixels`) and convert fail hard by default
  (the job marks the image `processing_failed:<stage>`). A retry passes `hard_fail_stages`: the stages it
  names fail hard, the others soft-fail (recorded) and the recipe continues with the last good pixels.
- Every source is decoded first and made upload-ready (gif_app/pixels.py): 16-bit scaled to 8-bit, colours
  converted to sRGB through the embedded profile (only when it is not sRGB), EXIF orientation applied and
  its tag dropped. An unreadable, animated or too large (> pixels.MAX_PIXELS) file is a hard "input"
  failure whatever the other settings, retries included: there are no pixels to go on with.
- Nothing on and nothing to make upload-ready: the source bytes come back unchanged (no re-encode) with the
  source extension.
- Pixels unchanged and the output format equals the current file's format: no re-encode either.
- Convert off: the output keeps the source format, except that a JPG source whose pixels gained
  transparency (background removal) is written as PNG, so the cut-out is not flattened behind the user's
  back. The ICC profile of the source is carried to the output.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from PIL import Image

from gif_app import imaging, pixels
from gif_app import settings as settings_mod
from gif_app.domain import CancelToken, ProcessingRecord
from gif_app.errors import AppError, CancelledError, PossiblyChargedError, ProcessingError
from gif_app.export.carry import carry_metadata
from gif_app.providers.base import BackgroundRemover
from gif_app.providers.removal import SmallerResultError
from gif_app.settings_schema import SETTINGS

logger = logging.getLogger(__name__)

Remover = Literal["removebg", "rembg"]
RemoveBgSize = Literal["auto", "preview", "full", "50MP"]
FailureMode = Literal["approve", "mark_failed"]

# Recipe field -> key of the settings schema's "processing" section. Defaults, bounds and accepted values live
# in gif_app/settings_schema.py only; the recipe is built from settings that passed its validation.
SCHEMA_KEYS = {
    "remove_bg": "remove_bg", "remover": "remover", "remove_bg_size": "remove_bg_size",
    "remove_bg_failure_mode": "remove_bg_failure_mode", "trim": "trim_transparent_background",
    "trim_threshold": "trim_threshold", "enhance": "image_enhancement", "sharpening": "sharpening",
    "saturation": "saturation", "convert": "image_convert", "format": "convert_format",
    "jpg_quality": "jpg_quality", "webp_quality": "webp_quality", "flatten_colour": "jpg_background",
    "min_megapixels": "min_megapixels", "rembg_model": "rembg_model",
}


def _default(field_name: str) -> Any:
    """Return the schema's default for a recipe field."""
    return SETTINGS[f"processing.{SCHEMA_KEYS[field_name]}"].default


@dataclass(frozen=True)
class ProcessingSettings:
    """The processing recipe of a job or retry; its defaults are the settings schema's."""

    remove_bg: bool = _default("remove_bg")
    remover: Remover = _default("remover")
    remove_bg_size: RemoveBgSize = _default("remove_bg_size")
    remove_bg_failure_mode: FailureMode = _default("remove_bg_failure_mode")
    trim: bool = _default("trim")
    trim_threshold: int = _default("trim_threshold")
    enhance: bool = _default("enhance")
    sharpening: float = float(_default("sharpening"))
    saturation: float = float(_default("saturation"))
    convert: bool = _default("convert")
    format: imaging.ImageFormat = _default("format")
    jpg_quality: int = _default("jpg_quality")
    webp_quality: int = _default("webp_quality")
    flatten_colour: imaging.FlattenColour = _default("flatten_colour")
    min_megapixels: float = float(_default("min_megapixels"))
    rembg_model: str = _default("rembg_model")

    @classmethod
    def from_settings(cls, section: Mapping[str, Any]) -> ProcessingSettings:
        """Validate a `processing` section with the settings schema and build the recipe (ValidationError if bad)."""
        return cls.from_validated(settings_mod.validated({"processing": dict(section)}))

    @classmethod
    def from_validated(cls, settings: settings_mod.Settings) -> ProcessingSettings:
        """Build the recipe from settings that already passed the schema's validation."""
        section = settings["processing"]
        values = {name: section[key] for name, key in SCHEMA_KEYS.items()}
        # JSON and the schema's defaults may give a whole number for a float setting.
        for name in ("sharpening", "saturation", "min_megapixels"):
            values[name] = float(values[name])
        return cls(**values)

    @property
    def is_enhancing(self) -> bool:
        """Return True when enhancement is on and would change pixels."""
        return self.enhance and (self.sharpening > 0 or not math.isclose(self.saturation, 1.0))

    @property
    def is_noop(self) -> bool:
        """Return True when no step is on: the source file passes through untouched."""
        is_resizing = self.min_megapixels > 0
        return not (self.remove_bg or self.trim or self.is_enhancing or self.convert or is_resizing)

    def to_json(self) -> dict[str, Any]:
        """Return the as-run settings in JSON form (for the processing record)."""
        return asdict(self)


@dataclass(frozen=True)
class ProcessOutcome:
    """The processed file's bytes, its extension (no dot) and what was done."""

    data: bytes
    extension: str
    record: ProcessingRecord


@dataclass
class _Run:
    """Mutable state of one recipe run: current bytes or pixels, and the growing record."""

    data: bytes
    fmt: imaging.ImageFormat
    icc_profile: bytes | None
    image: Image.Image
    is_dirty: bool = False
    applied: list[str] = field(default_factory=list)
    soft_failures: list[dict[str, str]] = field(default_factory=list)
    credits: float = 0.0

    def pixels(self) -> Image.Image:
        """Return the current pixels."""
        return self.image

    def update(self, image: Image.Image, step: str) -> None:
        """Keep new pixels and record the step that made them."""
        self.image = image
        self.is_dirty = True
        self.applied.append(step)


def _source_format(source: bytes, source_name: str) -> imaging.ImageFormat:
    """Return the source's format from its bytes, else from its extension, else PNG."""
    try:
        return imaging.sniff_format(source)
    except ValueError:
        try:
            return imaging.normalise_format(PurePath(source_name).suffix or "png")
        except ValueError:
            return "png"


def _upload_ready_source(source: bytes) -> tuple[Image.Image, list[str]]:
    """Decode the source and make it upload-ready; raise ProcessingError("input") for an unusable file."""
    try:
        return pixels.upload_ready(pixels.decode(source))
    except pixels.UnusableImageError as exc:
        raise ProcessingError("input", f"Unusable image: {exc}") from exc
    except Exception as exc:  # a profile or EXIF block Pillow cannot handle: still this file's problem only
        raise ProcessingError("input", f"Unusable image: {type(exc).__name__}: {exc}") from exc


def _profile_of(image: Image.Image) -> bytes | None:
    """Return the ICC profile the pixels carry (sRGB after a conversion), None when absent."""
    profile = image.info.get("icc_profile")
    return profile if isinstance(profile, bytes) and profile else None


def _is_our_format(source: bytes) -> bool:
    """Return True when the bytes are PNG, JPEG or WebP (anything else must be re-encoded to be kept)."""
    try:
        imaging.sniff_format(source)
    except ValueError:
        return False
    return True


def _check_cancel(cancel: CancelToken | None) -> None:
    """Raise CancelledError at a stage boundary once a force stop was asked for."""
    if cancel is not None and cancel.is_aborted:
        raise CancelledError("Processing was cancelled by a force stop.")


def _message(exc: Exception) -> str:
    """Return a user-facing message for an exception (AppError keeps its own words)."""
    return exc.message if isinstance(exc, AppError) else f"{type(exc).__name__}: {exc}"


def _fail(run: _Run, stage: str, message: str, is_hard: bool) -> None:
    """Raise ProcessingError for a hard failure, else record the soft failure and go on."""
    if is_hard:
        raise ProcessingError(stage, message)
    # Debug only: the caller reports the soft failure (the job log, or `gif-app process`), so it shows once.
    logger.debug("Processing stage %s soft-failed: %s", stage, message)
    run.soft_failures.append({"stage": stage, "message": message})


def _remove_background(
    run: _Run, name: str, settings: ProcessingSettings, remover: BackgroundRemover | None,
    cancel: CancelToken | None, is_hard: bool,
) -> None:
    """Run the background remover, applying the approve / mark_failed policy."""
    if remover is None:
        message = (
            "Background removal is on but no remover is available"
            + (" (is the remove.bg API key set?)" if settings.remover == "removebg" else "")
        )
        _fail(run, "remove_bg", message, is_hard)
        return
    try:
        result = remover.remove(_remover_input(run), name, cancel)
    except CancelledError:
        raise
    except SmallerResultError as exc:
        # Cut out and paid for, but smaller than asked (a preview): "approve" keeps it, never silently.
        _fail(run, "remove_bg", exc.message, is_hard)
        result = exc.result
    except PossiblyChargedError as exc:
        run.credits += exc.charge  # sent, unanswered and not repeated: it may be billed, so it is on the bill
        _fail(run, "remove_bg", f"Background removal ({remover.name}) failed: {_message(exc)}", is_hard)
        return
    except Exception as exc:  # any remover failure is a policy decision, not a crash
        _fail(run, "remove_bg", f"Background removal ({remover.name}) failed: {_message(exc)}", is_hard)
        return
    try:
        image, changes = pixels.upload_ready(pixels.decode(result.data))
        fmt = imaging.sniff_format(result.data)
    except Exception as exc:  # an undecodable cut-out is a remover failure too
        _fail(run, "remove_bg", f"Background removal ({remover.name}) failed: {_message(exc)}", is_hard)
        return
    # A cut-out that lost the source's colour profile is re-encoded so the profile is carried over.
    has_lost_profile = run.icc_profile is not None and not image.info.get("icc_profile")
    run.data, run.fmt, run.image, run.is_dirty = result.data, fmt, image, has_lost_profile or bool(changes)
    run.credits += result.credits
    run.applied.append("remove_bg")


def _remover_input(run: _Run) -> bytes:
    """Return the bytes to send to the remover: the source, or the upload-ready pixels when they changed."""
    if not run.is_dirty:
        return run.data
    image = run.pixels()
    # Lossless when the source was PNG or has alpha; JPEG q95 otherwise keeps photos under remove.bg's 22 MB.
    fmt: imaging.ImageFormat = "png" if run.fmt == "png" or imaging.has_alpha(image) else "jpg"
    return imaging.encode(image, fmt, 95, run.icc_profile)


def _local_steps(
    run: _Run, settings: ProcessingSettings, source_fmt: imaging.ImageFormat, is_hard: dict[str, bool]
) -> None:
    """Run trim and enhancement on the decoded pixels, each under its own failure policy."""
    if settings.trim:
        try:
            image = run.pixels()
            if imaging.has_alpha(image):
                trimmed = imaging.trim_transparent(image, settings.trim_threshold)
                if trimmed is not image:
                    run.update(trimmed, "trim")
        except Exception as exc:  # policy decides hard or soft
            _fail(run, "trim", f"Trim failed: {_message(exc)}", is_hard["trim"])
    if settings.min_megapixels > 0:  # upscale first, so that sharpening works at the output resolution
        try:
            image = run.pixels()
            resized = imaging.resize_to_min_megapixels(image, settings.min_megapixels)
            if resized is not image:
                run.update(resized, "resize")
        except Exception as exc:  # policy decides hard or soft
            _fail(run, "enhancement", f"Enhancement failed: {_message(exc)}", is_hard["enhancement"])
    if settings.is_enhancing:
        try:
            image = run.pixels()
            # A JPG output is flattened in the same pass (in the encoder's YCbCr), after sharpening as sharp does.
            is_jpg = _output_format(run, settings, source_fmt) == "jpg"
            enhanced = imaging.enhance(image, settings.sharpening, settings.saturation,
                                       settings.flatten_colour if is_jpg and imaging.has_alpha(image) else None)
            steps = [name for name, is_on in (("sharpen", settings.sharpening > 0),
                                              ("saturation", not math.isclose(settings.saturation, 1.0)))
                     if is_on]
            run.update(enhanced, steps[0])
            run.applied.extend(steps[1:])
        except Exception as exc:  # policy decides hard or soft
            _fail(run, "enhancement", f"Enhancement failed: {_message(exc)}", is_hard["enhancement"])


def _output_format(
    run: _Run, settings: ProcessingSettings, source_fmt: imaging.ImageFormat
) -> imaging.ImageFormat:
    """Return the format to write: the chosen one, else the source's (PNG for a JPG that gained alpha)."""
    if settings.convert:
        return settings.format
    if source_fmt == "jpg" and run.fmt != "jpg" and imaging.has_alpha(run.pixels()):
        return "png"
    return source_fmt


def _output_bytes(run: _Run, settings: ProcessingSettings, fmt: imaging.ImageFormat) -> bytes:
    """Produce the output file's bytes from the current pixels: the ONE place processed output is encoded.

    The pixels are upload-ready here (8-bit, sRGB, upright; run.icc_profile is the source's sRGB profile,
    Pillow's sRGB after a conversion, or None); anything to carry into the file belongs in this function.
    """
    quality = settings.jpg_quality if fmt == "jpg" else settings.webp_quality
    return imaging.encode(run.pixels(), fmt, quality, run.icc_profile, settings.flatten_colour)


def _convert(run: _Run, settings: ProcessingSettings, source_fmt: imaging.ImageFormat, is_hard: bool) -> None:
    """Write the final bytes: no re-encode when nothing changed and the format stays."""
    try:
        fmt = _output_format(run, settings, source_fmt)
        if run.is_dirty or fmt != run.fmt:
            run.data, run.fmt = _output_bytes(run, settings, fmt), fmt
            if settings.convert:
                run.applied.append(f"convert:{fmt}")
    except Exception as exc:  # policy decides hard or soft
        _fail(run, "convert", f"Convert failed: {_message(exc)}", is_hard)
        if run.is_dirty:
            # Keep the processed pixels in a lossless file rather than dropping the work.
            try:
                run.data, run.fmt = _output_bytes(run, settings, "png"), "png"
            except Exception as exc2:  # nothing left to fall back to
                raise ProcessingError("convert", f"Convert failed: {_message(exc2)}") from exc2


def process_image(
    source: bytes,
    source_name: str,
    settings: ProcessingSettings,
    remover: BackgroundRemover | None,
    cancel: CancelToken | None = None,
    hard_fail_stages: frozenset[str] | None = None,
) -> ProcessOutcome:
    """Run the processing recipe on one image; raise ProcessingError on a hard failure."""
    source_fmt = _source_format(source, source_name)
    _check_cancel(cancel)
    image, changes = _upload_ready_source(source)
    is_foreign = not _is_our_format(source)  # e.g. a GIF or TIFF named .png: written in the named format
    if settings.is_noop and not changes and not is_foreign:
        record = ProcessingRecord(settings=settings.to_json())
        return ProcessOutcome(data=source, extension=source_fmt, record=record)

    def hard(stage: str) -> bool:
        return hard_fail_stages is None or stage in hard_fail_stages

    run = _Run(data=source, fmt=source_fmt, icc_profile=_profile_of(image), image=image,
               is_dirty=bool(changes) or is_foreign, applied=changes)
    if settings.remove_bg:
        _check_cancel(cancel)
        is_hard = settings.remove_bg_failure_mode == "mark_failed" or (
            hard_fail_stages is not None and "remove_bg" in hard_fail_stages
        )
        _remove_background(run, source_name, settings, remover, cancel, is_hard)
    _check_cancel(cancel)
    _local_steps(run, settings, source_fmt, {"trim": hard("trim"), "enhancement": hard("enhancement")})
    _check_cancel(cancel)
    _convert(run, settings, source_fmt, hard("convert"))
    record = ProcessingRecord(
        applied=tuple(run.applied),
        soft_failures=tuple(run.soft_failures),
        credits=run.credits,
        settings=settings.to_json(),
    )
    # New bytes (re-encoded, converted or from the remover) keep the source's title, keywords, creator, rights.
    return ProcessOutcome(data=carry_metadata(source, run.data, run.fmt), extension=run.fmt, record=record)
