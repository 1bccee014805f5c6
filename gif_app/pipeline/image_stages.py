"""The stages one recorded image goes through: QC, processing, metadata, finalize (in that order).

QC comes first so nothing is spent on an image a stock site would refuse; metadata comes after
processing and before the move, so a metadata failure never leaves a file in the output folder.
A retry runs these same stages (without QC) under its own StagePolicy: which failures are hard, the
status a failed image gets, the reason an approved one gets.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from gif_app import imaging, pixels, vector
from gif_app.domain import ChargeStep, FailureStage, GeneratedImage, ImageStatus, StockMetadata
from gif_app.errors import (
    AppError,
    AuthenticationError,
    BudgetReachedError,
    CancelledError,
    InsufficientCreditsError,
    ProcessingError,
)
from gif_app.export.embed import embed_metadata_bytes
from gif_app.export.svg_xmp import embed_svg_metadata
from gif_app.file_ops import remove_file
from gif_app.pipeline.categories import category_fields, with_category_ids
from gif_app.pipeline.charging import paid_call
from gif_app.pipeline.context import RunContext
from gif_app.pipeline.finalize import claim_name, move_onto, write_atomic
from gif_app.pipeline.imports import IMPORT_PROVIDER, combine_metadata, embedded_of
from gif_app.pipeline.metadata import build_metadata_prompt, enforce_limits
from gif_app.pipeline.naming import PathTooLongError, capped_length, name_pattern
from gif_app.pipeline.process import process_image

Stage = Callable[[RunContext, GeneratedImage], GeneratedImage | None]

# A bad key or an empty account fails every later call too: such an error ends the job (the image stays
# pending, so nothing is recorded as a QC verdict that the model never gave). Background removal is the
# exception: its failures, a bad remove.bg key included, follow the user's failure policy.
JOB_ENDING_ERRORS = (AuthenticationError, InsufficientCreditsError)


def image_stages(ctx: RunContext) -> list[tuple[str, Stage]]:
    """Return the stages this run applies, built from its settings (QC first, finalize last)."""
    plan = ctx.plan
    stages: list[tuple[str, Stage]] = []
    if plan.run_qc:
        stages.append(("qc", quality_check))
    if not plan.processing.is_noop:
        stages.append(("processing", process))
    if plan.run_metadata:
        stages.append(("metadata", write_metadata))
    stages.append(("finalize", finalize))
    return stages


def run_image(ctx: RunContext, image: GeneratedImage) -> GeneratedImage:
    """Move one image through every stage; a stage returning None ends its journey (it was recorded)."""
    current: GeneratedImage | None = image
    timings: list[str] = []
    begun = time.perf_counter()
    for name, stage in image_stages(ctx):
        if ctx.cancel.is_aborted:
            ctx.log.warning(ctx.plan.policy.cancelled_message, step=name, image_index=_index(image))
            return current or image
        assert current is not None
        started = time.perf_counter()
        try:
            current = stage(ctx, current)
        except CancelledError as exc:
            message = "Budget reached: image left for resume" if isinstance(exc, BudgetReachedError) else \
                ctx.plan.policy.cancelled_message
            ctx.log.warning(message, step=name, image_index=_index(image))
            return image
        except JOB_ENDING_ERRORS:
            ctx.log.warning("Image left pending: the job is ending", step=name, image_index=_index(image))
            raise
        if current is None:
            return ctx.events.update_image(image.id)
        timings.append(f"{name} {(time.perf_counter() - started) * 1000:.0f} ms")
    assert current is not None
    # One line per image, not per stage: every log line is a database write on the hot path.
    ctx.log.debug(f"Image done: {', '.join(timings)}", step="image", image_index=_index(image),
                  duration_ms=(time.perf_counter() - begun) * 1000)
    return current


def _index(image: GeneratedImage) -> int:
    return image.generation_index * 100 + image.variation_index


def _fail(ctx: RunContext, image: GeneratedImage, stage: FailureStage, exc: AppError,
          metadata: StockMetadata | None = None) -> None:
    record = replace(image.processing, error=exc.message)
    ctx.events.update_image(image.id, status=ctx.plan.policy.failed_status, reason=stage.reason,
                            processing=record, metadata=metadata)
    ctx.log.error(f"{stage.value} failed: {exc.message}", step=stage.value, image_index=_index(image),
                  error_code=exc.code)


def _vision_source(image: GeneratedImage) -> bytes:
    """Return the raster bytes a vision model is shown: the file, or a vector file's PNG preview."""
    assert image.temp_path
    path = Path(image.temp_path)
    if not vector.is_svg_path(path):
        return path.read_bytes()
    try:
        return vector.ensure_preview(path).read_bytes()
    except vector.SvgError as exc:
        raise pixels.UnusableImageError(f"vector file cannot be drawn: {exc}") from exc


def quality_check(ctx: RunContext, image: GeneratedImage) -> GeneratedImage | None:
    """Ask the vision model; fail -> qc_failed with its reason, the file stays in temp."""
    judge = ctx.providers.judge
    assert judge is not None and image.temp_path
    try:
        data, mime = imaging.downscale_for_vision(_vision_source(image))
        with paid_call(ctx, ChargeStep.QC, image.id):
            verdict = judge.judge(data, mime, ctx.plan.qc_prompt, ctx.cancel)
    except (CancelledError, *JOB_ENDING_ERRORS):
        raise
    except pixels.UnusableImageError as exc:  # e.g. a decompression bomb: this image fails, the job goes on
        _fail(ctx, image, FailureStage.INPUT, AppError(f"Unusable image: {exc}", code=FailureStage.INPUT.reason))
        return None
    except (AppError, OSError) as exc:
        error = exc if isinstance(exc, AppError) else AppError(str(exc), code="io_error")
        _fail(ctx, image, FailureStage.QC, error)
        return None
    if not verdict.passed:
        ctx.events.update_image(image.id, status=ImageStatus.QC_FAILED, reason=verdict.reason or "QC failed")
        ctx.log.info(f"QC failed: {verdict.reason}", step="qc", image_index=_index(image))
        return None
    ctx.log.info(f"QC passed: {verdict.reason}", step="qc", image_index=_index(image))
    return image


def process(ctx: RunContext, image: GeneratedImage) -> GeneratedImage | None:
    """Apply the processing recipe; a hard failure -> failed (processing_failed:<stage>), original kept."""
    assert image.temp_path
    source = Path(image.temp_path)
    if vector.is_svg_path(source):
        # Every step works on pixels; the SVG stays as the model drew it, and its record says why.
        record = replace(image.processing, settings=ctx.plan.processing.to_json(), skipped=vector.PROCESSING_SKIPPED)
        ctx.log.info(f"Processing skipped: {vector.PROCESSING_SKIPPED}", step="processing", image_index=_index(image))
        return ctx.events.update_image(image.id, processing=record)
    recipe = ctx.plan.processing
    # remove.bg is the one paid processing step: only then is the step metered (and refused past a cap).
    is_paid = recipe.remove_bg and recipe.remover == "removebg"
    try:
        with paid_call(ctx, ChargeStep.REMOVE_BG, image.id) if is_paid else nullcontext():
            outcome = process_image(source.read_bytes(), source.name, recipe, ctx.providers.remover,
                                    ctx.cancel, hard_fail_stages=ctx.plan.policy.hard_fail_stages)
    except CancelledError:
        raise
    except ProcessingError as exc:
        _fail(ctx, image, FailureStage(exc.stage), exc)
        return None
    except (AppError, OSError) as exc:
        _fail(ctx, image, FailureStage.CONVERT, exc if isinstance(exc, AppError) else AppError(str(exc)))
        return None
    for soft in outcome.record.soft_failures:
        ctx.log.warning(f"{soft.get('stage')} soft failure recorded: {soft.get('message')}", step="processing",
                        image_index=_index(image))
    target = source.with_suffix("." + outcome.extension)
    if outcome.data is not None and (target != source or outcome.record.applied):
        try:
            write_atomic(target, outcome.data)
        except ProcessingError as exc:
            # A temp file held open (a viewer, a scan): the image is failed with the reason, never left mid-way.
            _fail(ctx, image, FailureStage(exc.stage), exc)
            return None
        if target != source:
            try:
                remove_file(source)
            except OSError as exc:  # the processed file is written: the old one is only a leftover in temp
                ctx.log.warning(f"Could not remove {source.name} from the temp folder: {exc}", step="processing",
                                image_index=_index(image))
    return ctx.events.update_image(image.id, temp_path=str(target), processing=outcome.record)


def write_metadata(ctx: RunContext, image: GeneratedImage) -> GeneratedImage | None:
    """Ask the vision model for title, description and keywords, then enforce the site's limits."""
    writer = ctx.providers.metadata_writer
    assert image.temp_path
    if writer is None:
        return _metadata_failed(ctx, image, AppError(ctx.providers.metadata_problem or "No metadata model is set.",
                                                     code="missing_key"))
    try:
        data, mime = imaging.downscale_for_vision(_vision_source(image))
        fields = category_fields()
        system_prompt = build_metadata_prompt(ctx.plan.metadata_template, prompt=image.prompt,
                                              keyword=image.keyword, limits=ctx.plan.limits, categories=fields)
        with paid_call(ctx, ChargeStep.METADATA, image.id):
            raw = writer.describe(data, mime, system_prompt, ctx.cancel, categories=fields)
    except CancelledError:
        raise
    except (AppError, OSError, pixels.UnusableImageError) as exc:
        if isinstance(exc, JOB_ENDING_ERRORS) and ctx.plan.policy.account_errors_end_run:
            raise
        return _metadata_failed(ctx, image, exc if isinstance(exc, AppError) else AppError(str(exc)))
    if image.provider == IMPORT_PROVIDER:  # the file's own title and keywords, as the job chose
        raw = combine_metadata(embedded_of(image), raw, ctx.plan.import_metadata)
    metadata = with_category_ids(enforce_limits(raw, ctx.plan.limits))
    if metadata.is_empty:
        return _metadata_failed(ctx, image, AppError("The model returned no usable metadata."))
    # Stored by finalize together with the move's intent: one database write fewer per image.
    return replace(image, metadata=metadata)


def _metadata_failed(ctx: RunContext, image: GeneratedImage, exc: AppError) -> GeneratedImage | None:
    """Fail the image, or (a soft metadata step) record the failure and go on with the metadata it had."""
    if ctx.plan.policy.is_hard(FailureStage.METADATA.value):
        _fail(ctx, image, FailureStage.METADATA, exc)
        return None
    ctx.log.warning(f"metadata soft failure recorded: {exc.message}", step="metadata", image_index=_index(image))
    soft = (*image.processing.soft_failures, {"stage": FailureStage.METADATA.value, "message": exc.message})
    return replace(image, processing=replace(image.processing, soft_failures=soft))


def finalize(ctx: RunContext, image: GeneratedImage) -> GeneratedImage | None:
    """Name the file, embed its metadata, move it temp -> output and mark it approved in one step."""
    plan = ctx.plan
    assert image.temp_path
    source = Path(image.temp_path)
    preview = _preview_of(ctx, image, source) if vector.is_svg_path(source) else None
    try:
        if plan.embed_metadata and not image.metadata.is_empty:
            _embed(ctx, image, source)
        pattern = name_pattern(plan.filename_template, keyword=image.keyword, title=image.metadata.title,
                               job=plan.label, date=plan.started_at, image_id=image.mapping_id,
                               max_length=_name_limit(ctx, source, has_preview=preview is not None),
                               extension=source.suffix.lstrip(".") or "png")

        def record_intent(target: Path) -> None:
            # The destination is on record before its name is claimed: a crash mid-move is then
            # recoverable, not an orphan (recovery drops a claim that is still empty).
            ctx.events.update_image(image.id, processing=replace(image.processing, moving_to=str(target)),
                                    metadata=None if image.metadata.is_empty else image.metadata)

        final = move_onto(source, claim_name(plan.output_dir, pattern, before_claim=record_intent))
        if preview is not None:
            move_onto(preview, vector.preview_path(final))
    except (AppError, OSError) as exc:
        _fail(ctx, image, FailureStage.SAVE_FINAL, exc if isinstance(exc, AppError) else AppError(str(exc)),
              metadata=None if image.metadata.is_empty else image.metadata)
        return None
    reason = plan.policy.approved_reason or image.reason or "Approved"
    return ctx.events.update_image(image.id, status=ImageStatus.APPROVED, reason=reason,
                                   temp_path=None, final_path=str(final),
                                   processing=replace(image.processing, moving_to=""))


def _name_limit(ctx: RunContext, source: Path, *, has_preview: bool) -> int:
    """Return the file-name limit in the output folder: the plan's, within the OS's whole-path limit."""
    # A vector's preview (<stem>.preview.png) is longer than the file itself: its path must fit too.
    reserve = max(0, len(vector.PREVIEW_SUFFIX) - len(source.suffix)) if has_preview else 0
    try:
        return capped_length(ctx.plan.filename_max_length, os.path.abspath(ctx.plan.output_dir), sys.platform,
                             reserve)
    except PathTooLongError as exc:
        raise ProcessingError(FailureStage.SAVE_FINAL.value, str(exc)) from exc


def _preview_of(ctx: RunContext, image: GeneratedImage, source: Path) -> Path | None:
    """Return a vector file's preview, drawing it first if missing (a retry's working copy has none yet)."""
    try:
        return vector.ensure_preview(source)
    except (vector.SvgError, OSError) as exc:
        # The SVG is still the deliverable: it is saved, and the missing preview is said once.
        ctx.log.warning(f"{source.name} has no preview to save beside it: {exc}", step="finalize",
                        image_index=_index(image))
        return None


def _embed(ctx: RunContext, image: GeneratedImage, source: Path) -> None:
    try:
        data = source.read_bytes()
        if vector.is_svg_path(source):
            # XMP in the SVG's <metadata>; the preview carries the same fields, for sites that read it.
            write_atomic(source, embed_svg_metadata(data, image.metadata, ctx.plan.ownership))
            source = vector.preview_path(source)
            if not source.is_file():
                return
            data = source.read_bytes()
        write_atomic(source, embed_metadata_bytes(data, imaging.sniff_format(data), image.metadata,
                                                    ctx.plan.ownership))
    except (AppError, OSError, ValueError) as exc:
        # The file is still sellable without embedded tags; the CSV export carries them too.
        ctx.log.warning(f"Could not embed metadata: {exc}", step="finalize", image_index=_index(image))
