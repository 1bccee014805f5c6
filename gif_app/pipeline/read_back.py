"""Resume's way to a lost answer: ask the vendor for the task's result by its id (free) and record what it says."""

from __future__ import annotations

from collections.abc import Iterable

from gif_app import charges
from gif_app.domain import CHARGE_UNKNOWN, NO_RESULT, ChargeStep, GeneratedImage, ImageStatus, lost_task_id
from gif_app.errors import ProviderError
from gif_app.pipeline.charging import Priced, record_render_shares, render_shares, settle_render_shares
from gif_app.pipeline.context import RunContext
from gif_app.pipeline.finalize import write_atomic
from gif_app.pipeline.generate import temp_name
from gif_app.prices import Call
from gif_app.providers.base import NO_RESULT_CODE, RenderedImage, ResultReader


def read_back_lost_images(ctx: RunContext, images: Iterable[GeneratedImage]) -> list[GeneratedImage]:
    """Read each lost answer back by its task id; return the images now pending.

    Images the vendor sends are recorded like any fetched download (pending, or download_failed with their URL);
    a task the vendor has no result for is marked so (NO_RESULT) and never asked about again.
    """
    reader = ctx.providers.generator
    if not isinstance(reader, ResultReader):
        return []
    tasks: dict[str, list[GeneratedImage]] = {}
    for image in images:
        task_id = lost_task_id(image.provider_ids)
        if image.status.needs_download and task_id is not None and image.provider == reader.name:
            tasks.setdefault(task_id, []).append(image)
    pending: list[GeneratedImage] = []
    for task_id, rows in tasks.items():
        if ctx.cancel.is_stopping:
            break
        pending.extend(_read_task(ctx, reader, task_id, sorted(rows, key=lambda row: row.variation_index)))
    return pending


def _read_task(ctx: RunContext, reader: ResultReader, task_id: str,
               rows: list[GeneratedImage]) -> list[GeneratedImage]:
    """Ask for one task's result and record it over the task's rows, in order."""
    sub_step = f"generation {rows[0].generation_index + 1}"
    held: list[Priced] = []

    def sink(call: Call) -> None:
        held.append(Priced(call, ctx.spend.price(call, ChargeStep.RENDER)))

    try:
        with charges.reporting(sink):  # the render's charge as the answer states it (read back for free)
            results = reader.read_back(task_id, len(rows), ctx.cancel)
    except ProviderError as exc:
        if exc.code != NO_RESULT_CODE:  # a question that may succeed later: the rows wait for the next resume
            ctx.log.warning(f"Task {task_id} could not be read back yet: {exc.message}", step="download",
                            sub_step=sub_step, error_code=exc.code)
            return []
        _no_result(ctx, rows, exc.message)
        return []
    shares, unassigned = render_shares(held, min(len(results), len(rows)))
    record_render_shares(ctx, unassigned, None)  # billed beyond the rows on record: on the job
    ctx.spend.add(sum(amount for _, amount in unassigned))
    pending = [row for row in (_record(ctx, row, result, share) for row, result, share in
                               zip(rows, results, shares, strict=False)) if row is not None]
    if len(results) < len(rows):
        _no_result(ctx, rows[len(results):], f"The vendor's answer for task {task_id} holds {len(results)} "
                                             f"image(s), not {len(rows)}; the others may not have been billed.")
    ctx.log.info(f"Read task {task_id} back from {reader.name}: {len(pending)} image(s) recovered",
                 step="download", sub_step=sub_step)
    return pending


def _record(ctx: RunContext, row: GeneratedImage, result: RenderedImage,
            share: list[tuple[Priced, float]]) -> GeneratedImage | None:
    """Record one image read back: its ids and settled charge, then its file (pending); None if it is missing."""
    ids = {key: value for key, value in row.provider_ids.items() if key != CHARGE_UNKNOWN}
    # The ids first: if the file never lands, the row still names its source URL for the next resume.
    ctx.events.update_provider_ids(row.id, {**ids, **result.provider_ids})
    settle_render_shares(ctx, share, row.id)
    if result.is_missing:
        ctx.log.warning(f"Image {row.mapping_id} was read back but could not be downloaded; resume the job to "
                        f"fetch it again ({result.download_error})", step="download",
                        sub_step=f"generation {row.generation_index + 1}", error_code="download_failed")
        return None
    plan = ctx.plan
    plan.temp_dir.mkdir(parents=True, exist_ok=True)
    path = plan.temp_dir / temp_name(plan.execution_id, row.generation_index, row.variation_index, row.mapping_id,
                                     result.extension)
    write_atomic(path, result.data)
    return ctx.events.update_image(row.id, status=ImageStatus.PENDING, reason=None, temp_path=str(path))


def _no_result(ctx: RunContext, rows: list[GeneratedImage], message: str) -> None:
    """Mark rows whose task the vendor has no result for: they stay download_failed and are never asked again."""
    for row in rows:
        ctx.events.update_provider_ids(row.id, {**row.provider_ids, NO_RESULT: message})
    ctx.log.warning(message, step="download", sub_step=f"generation {rows[0].generation_index + 1}",
                    error_code=NO_RESULT_CODE)
