"""Render one generation and put every result on disk and in the database at once."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from gif_app import vector
from gif_app.domain import ChargeStep, FailureStage, GeneratedImage, ImageStatus, NewImage, lost_task_id
from gif_app.errors import ProviderError
from gif_app.pipeline.charging import Priced, Share, paid_call, record_render_shares, render_shares
from gif_app.pipeline.context import Generation, RunContext
from gif_app.pipeline.finalize import write_atomic
from gif_app.providers.base import RenderedImage
from gif_app.providers.fetch import fetch_source, is_fetchable


def temp_name(execution_id: int, generation: int, variation: int, mapping_id: str, extension: str) -> str:
    """Return the temp file name; it encodes the execution so crash recovery can adopt orphans."""
    return f"e{execution_id}_g{generation}_v{variation}_{mapping_id}.{extension}"


def new_mapping_id() -> str:
    """Return a unique, URL-safe image id."""
    return f"img_{int(time.time() * 1000):x}_{secrets.token_hex(4)}"


def render_generation(ctx: RunContext, generation: Generation, prompt: str) -> list[GeneratedImage]:
    """Render the generation's images, save each to temp and record it as pending."""
    generator = ctx.providers.generator
    assert generator is not None, "a run with generations has an image generator"
    request = replace(generation.request, prompt=prompt)
    started = time.perf_counter()
    held: list[Priced] = []
    try:
        with paid_call(ctx, ChargeStep.RENDER, held=held, is_admitted=True):  # the runner admitted it
            results = generator.render(request, ctx.cancel)
    except ProviderError as exc:
        if exc.paid_results:  # billed before the error: on record (pending) before the error ends anything
            record_results(ctx, generation, prompt, exc.paid_results, held)
        else:
            record_render_shares(ctx, render_shares(held, 0)[1], None)  # billed calls of a failed render: on the job
        raise
    except BaseException:
        record_render_shares(ctx, render_shares(held, 0)[1], None)
        raise
    ctx.log.info(f"Rendered {len(results)} image(s) with {generator.name}", step="generation",
                 sub_step=f"generation {generation.index + 1}",
                 duration_ms=(time.perf_counter() - started) * 1000)
    return record_results(ctx, generation, prompt, results, held)


def record_results(ctx: RunContext, generation: Generation, prompt: str, results: list[RenderedImage],
                   held: list[Priced]) -> list[GeneratedImage]:
    """Save each rendered result to temp and record it pending (a missing one download_failed) with its share of
    the render's charges, at once."""
    plan = ctx.plan
    plan.temp_dir.mkdir(parents=True, exist_ok=True)
    # Each image's share is recorded with its row at once: a crash later in the loop keeps what is on record.
    shares, unassigned = render_shares(held, len(results))
    try:
        recorded = _record_results(ctx, generation, prompt, results, shares)
    finally:
        for rest in [*shares, unassigned]:  # images never recorded (an error mid-way), calls beyond the results
            record_render_shares(ctx, rest, None)
    ctx.events.generation_recorded(generation.index)
    return recorded


def _record_results(ctx: RunContext, generation: Generation, prompt: str, results: list[RenderedImage],
                    shares: list[list[Share]]) -> list[GeneratedImage]:
    """Write each result to temp and record it pending (a missing download as download_failed), with its share."""
    plan, generator = ctx.plan, ctx.providers.generator
    assert generator is not None
    recorded: list[GeneratedImage] = []
    for variation, result in enumerate(results):
        mapping_id = new_mapping_id()
        # The vendor's own seed when it reports one (Runware); else the one sent (Midjourney's --seed).
        seed = result.seed if result.seed is not None else generation.request.seed
        image = NewImage(
            mapping_id=mapping_id, execution_id=plan.execution_id, generation_index=generation.index,
            variation_index=variation, prompt=prompt, keyword=generation.pick.keyword, seed=seed,
            provider=generator.name, provider_ids=dict(result.provider_ids), temp_path="",
        )  # its cost is its share of the render, recorded with the row
        if result.is_missing:
            # Paid for (or perhaps) but not here: the row keeps its source URL, when there is one, so resume can
            # fetch it without a new render; without one it stays on record as what the vendor may have billed.
            row = ctx.events.record_image(replace(image, status=ImageStatus.DOWNLOAD_FAILED,
                                                  reason=FailureStage.DOWNLOAD.reason))
            record_render_shares(ctx, shares[variation], row.id)
            shares[variation] = []
            if is_fetchable(result.provider_ids):
                then = "resume the job to fetch it again"
            elif lost_task_id(result.provider_ids):
                then = "resume the job to read it back from the vendor by its task id"
            else:
                then = "it cannot be fetched again"
            ctx.log.warning(f"Image {variation + 1} could not be downloaded; {then} ({result.download_error})",
                            step="download", sub_step=f"generation {generation.index + 1}",
                            error_code="download_failed")
            continue
        path = plan.temp_dir / temp_name(plan.execution_id, generation.index, variation, mapping_id,
                                         result.extension)
        write_atomic(path, result.data)
        if vector.is_svg_path(path):
            _write_preview(ctx, path)
        recorded.append(ctx.events.record_image(replace(image, temp_path=str(path))))
        record_render_shares(ctx, shares[variation], recorded[-1].id)
        shares[variation] = []
    return recorded


def _write_preview(ctx: RunContext, svg: Path) -> None:
    """Render a vector file's PNG preview beside it; a failure is logged, QC renders it again or fails it."""
    try:
        vector.write_preview(svg)
    except (vector.SvgError, OSError) as exc:
        ctx.log.warning(f"Could not render a preview of {svg.name}: {exc}", step="generation")


def is_missing_file(image: GeneratedImage) -> bool:
    """Return whether resume can still fetch an image's file: download failed, and its source URL is known."""
    return image.status.needs_download and is_fetchable(image.provider_ids)


def fetch_missing_images(ctx: RunContext, images: Iterable[GeneratedImage], *, timeout_s: float,
                         backoff_s: float) -> list[GeneratedImage]:
    """Fetch each download-failed image from its recorded URL; return those now pending (others stay as they are)."""
    plan = ctx.plan
    fetched: list[GeneratedImage] = []
    for image in images:
        if not is_missing_file(image) or ctx.cancel.is_stopping:
            continue
        try:
            data, extension = fetch_source(image.provider_ids, vendor=image.provider, timeout_s=timeout_s,
                                           backoff_s=backoff_s, cancel=ctx.cancel)
        except ProviderError as exc:
            ctx.log.warning(f"Image {image.mapping_id} still cannot be downloaded: {exc.message}", step="download",
                            sub_step=f"generation {image.generation_index + 1}", error_code=exc.code)
            continue
        plan.temp_dir.mkdir(parents=True, exist_ok=True)
        path = plan.temp_dir / temp_name(plan.execution_id, image.generation_index, image.variation_index,
                                         image.mapping_id, extension)
        write_atomic(path, data)
        fetched.append(ctx.events.update_image(image.id, status=ImageStatus.PENDING, reason=None,
                                               temp_path=str(path)))
        ctx.log.info(f"Fetched image {image.mapping_id} again from its recorded URL", step="download",
                     sub_step=f"generation {image.generation_index + 1}")
    return fetched


def parse_temp_name(path: Path) -> tuple[int, int, int, str] | None:
    """Return (execution, generation, variation, mapping id) from a temp file name, if it is one of ours."""
    if path.name.endswith(vector.PREVIEW_SUFFIX):
        return None  # a vector's preview belongs to its SVG, never an image of its own
    stem, _ = os.path.splitext(path.name)
    parts = stem.split("_", 3)
    if len(parts) != 4 or not parts[0].startswith("e") or not parts[1].startswith("g") or not \
            parts[2].startswith("v"):
        return None
    try:
        return int(parts[0][1:]), int(parts[1][1:]), int(parts[2][1:]), parts[3]
    except ValueError:
        return None
