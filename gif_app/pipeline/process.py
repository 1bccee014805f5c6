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
- Nothing on: the source bytes come back unchanged (no re-encode) with the source extension.
- Pixels unchanged and the output format equals the current file's format: no re-encode either.
- Convert off: the output keeps the source format, except that a JPG source whose pixels gained
  transparency (background removal) is written as PNG, so the cut-out is not flattened behind the user's
  back. The ICC profile of the source is carried to the output.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from PIL import Image

from gif_app import imaging
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
    "min_megapixels": "min_megapixels", "rembg_model": "rembg_model", "srgb": "convert_srgb",
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
    srgb: bool = _default("srgb")

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
        return not (self.remove_bg or self.trim or self.is_enhancing or self.convert or is_resizing or self.srgb)

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
    image: Image.Image | None = None
    is_dirty: bool = False
    applied: list[str] = field(default_factory=list)
    soft_failures: list[dict[str, str]] = field(default_factory=list)
    credits: float = 0.0

    def pixels(self) -> Image.Image:
        """Return the decoded current image, decoding the current bytes on first use."""
        if self.image is None:
            self.image = imaging.open_image(self.data)
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


def _read_icc(source: bytes) -> bytes | None:
    """Return the source's ICC profile without decoding its pixels (None when absent or unreadable)."""
    try:
        with Image.open(io.BytesIO(source)) as img:
            profile = img.info.get("icc_profile")
    except (OSError, ValueError):
        return None
    return profile if isinstance(profile, bytes) and profile else None


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
        result = remover.remove(run.data, name, cancel)
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
        image = imaging.open_image(result.data)
        fmt = imaging.sniff_format(result.data)
    except Exception as exc:  # an undecodable cut-out is a remover failure too
        _fail(run, "remove_bg", f"Background removal ({remover.name}) failed: {_message(exc)}", is_hard)
        return
    # A cut-out that lost the source's colour profile is re-encoded so the profile is carried over.
    has_lost_profile = run.icc_profile is not None and not image.info.get("icc_profile")
    run.data, run.fmt, run.image, run.is_dirty = result.data, fmt, image, has_lost_profile
    run.credits += result.credits
    run.applied.append("remove_bg")


def _local_steps(run: _Run, settings: ProcessingSettings, is_hard: dict[str, bool]) -> None:
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
    if settings.min_megapixels > 0 or settings.is_enhancing:
        try:
            # Upscale first so that sharpening works at the output resolution.
            steps: list[tuple[str, Callable[[Image.Image], Image.Image]]] = [
                ("resize", lambda im: imaging.resize_to_min_megapixels(im, settings.min_megapixels)),
            ]
            if settings.enhance:
                steps.append(("sharpen", lambda im: imaging.sharpen(im, settings.sharpening)))
                steps.append(("saturation", lambda im: imaging.saturate(im, settings.saturation)))
            for step, operation in steps:
                image = run.pixels()
                changed = operation(image)
                if changed is not image:
                    run.update(changed, step)
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


def _encode(run: _Run, settings: ProcessingSettings, fmt: imaging.ImageFormat) -> bytes:
    """Encode the current pixels in `fmt` with the user's quality and flatten colour."""
    quality = settings.jpg_quality if fmt == "jpg" else settings.webp_quality
    return imaging.encode(run.pixels(), fmt, quality, run.icc_profile, settings.flatten_colour)


def _convert(run: _Run, settings: ProcessingSettings, source_fmt: imaging.ImageFormat, is_hard: bool) -> None:
    """Write the final bytes: no re-encode when nothing changed and the format stays."""
    try:
        fmt = _output_format(run, settings, source_fmt)
        if run.is_dirty or fmt != run.fmt:
            run.data, run.fmt = _encode(run, settings, fmt), fmt
            if settings.convert:
                run.applied.append(f"convert:{fmt}")
    except Exception as exc:  # policy decides hard or soft
        _fail(run, "convert", f"Convert failed: {_message(exc)}", is_hard)
        if run.is_dirty:
            # Keep the processed pixels in a lossless file rather than dropping the work.
            try:
                run.data, run.fmt = imaging.encode(run.pixels(), "png", icc_profile=run.icc_profile), "png"
            except Exception as exc2:  # nothing left to fall back to
                raise ProcessingError("convert", f"Convert failed: {_message(exc2)}") from exc2


def _to_srgb(run: _Run, is_hard: bool) -> None:
    """Convert pixels with a non-sRGB ICC profile to sRGB and tag them so (no profile: taken as sRGB)."""
    if run.icc_profile is None or imaging.is_srgb_profile(run.icc_profile):
        return
    try:
        run.update(imaging.to_srgb(run.pixels(), run.icc_profile), "srgb")
        run.icc_profile = imaging.srgb_profile()
    except Exception as exc:  # policy decides hard or soft
        _fail(run, "convert", f"Conversion to sRGB failed: {_message(exc)}", is_hard)


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
    if settings.is_noop:
        record = ProcessingRecord(settings=settings.to_json())
        return ProcessOutcome(data=source, extension=source_fmt, record=record)

    def hard(stage: str) -> bool:
        return hard_fail_stages is None or stage in hard_fail_stages

    run = _Run(data=source, fmt=source_fmt, icc_profile=_read_icc(source))
    if settings.remove_bg:
        _check_cancel(cancel)
        is_hard = settings.remove_bg_failure_mode == "mark_failed" or (
            hard_fail_stages is not None and "remove_bg" in hard_fail_stages
        )
        _remove_background(run, source_name, settings, remover, cancel, is_hard)
    _check_cancel(cancel)
    _local_steps(run, settings, {"trim": hard("trim"), "enhancement": hard("enhancement")})
    _check_cancel(cancel)
    if settings.srgb:
        _to_srgb(run, hard("convert"))
    _convert(run, settings, source_fmt, hard("convert"))
    record = ProcessingRecord(
        applied=tuple(run.applied),
        soft_failures=tuple(run.soft_failures),
        credits=run.credits,
        settings=settings.to_json(),
    )
    # New bytes (re-encoded, converted or from the remover) keep the source's title, keywords, creator, rights.
    return ProcessOutcome(data=carry_metadata(source, run.data, run.fmt), extension=run.fmt, record=record)
