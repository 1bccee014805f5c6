"""JSON shapes the page receives for jobs, images and logs (one place, so every view agrees)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gif_app.domain import (
    NO_RESULT,
    FailureStage,
    GeneratedImage,
    ImageStatus,
    JobExecution,
    JobStatus,
    Page,
    image_badge_label,
    reason_label,
)


def iso(value: datetime | None) -> str | None:
    """Return local ISO time with offset, or None."""
    return value.astimezone().isoformat(timespec="seconds") if value else None


def execution_json(execution: JobExecution) -> dict[str, Any]:
    """Return the page form of an execution (the settings snapshot only via get_job)."""
    return {
        "id": execution.id, "label": execution.label,
        "configuration_id": execution.configuration_id, "parent_id": execution.parent_id,
        "created_at": iso(execution.created_at), "started_at": iso(execution.started_at),
        "finished_at": iso(execution.finished_at),
        # A queued run has not started; a resumed one would otherwise show its earlier run's time.
        "duration_s": None if execution.status is JobStatus.QUEUED else execution.duration_seconds,
        "planned": execution.planned, "generated": execution.generated, "approved": execution.approved,
        "qc_failed": execution.qc_failed, "processing_failed": execution.failed, "cost": execution.cost,
        "error": execution.error, "queue_position": execution.queue_position,
        "completed_generations": len(execution.completed_generations),
        "awaiting_download": execution.awaiting_download,
        "stop_reason": execution.stop_reason.value if execution.stop_reason else None,
        "stop_reason_label": execution.stop_reason.label if execution.stop_reason else "",
        **job_status_json(execution.status),
        # The execution's own rule: a finished job with billed images still to download resumes too.
        "is_resumable": execution.is_resumable,
    }


def job_status_json(status: JobStatus) -> dict[str, Any]:
    """Return a job status with its words and rule flags (the page decides nothing from status names)."""
    return {
        "status": status.value, "status_label": status.label, "is_active": status.is_active,
        "is_running": status.is_running, "is_terminal": status.is_terminal, "is_complete": status.is_complete,
        "is_resumable": status.is_resumable, "can_rerun": status.can_rerun, "can_delete": status.can_delete,
        "can_cancel": status.can_cancel,
    }


def image_status_json(status: ImageStatus) -> dict[str, Any]:
    """Return an image status with its words and rule flags."""
    return {
        "status": status.value, "status_label": status.label, "is_approved": status.is_approved,
        "is_failed": status.is_failed, "is_in_retry": status.is_in_retry, "is_processing": status.is_processing,
        "can_retry": status.is_retryable, "can_approve": status.is_retryable, "can_delete": status.can_delete,
        "needs_download": status.needs_download,
    }


def image_json(image: GeneratedImage) -> dict[str, Any]:
    """Return the page form of an image with its media URLs."""
    version = int(image.updated_at.timestamp())
    return {
        "id": image.id, "mapping_id": image.mapping_id, "execution_id": image.execution_id,
        "job_label": image.execution_label, "generation_index": image.generation_index,
        "variation_index": image.variation_index, "prompt": image.prompt, "keyword": image.keyword,
        "seed": image.seed, "provider": image.provider, "provider_ids": image.provider_ids,
        # A lost answer the vendor has no result for says so, in place of the bare "Download failed".
        "reason": image.reason,
        "reason_label": str(image.provider_ids.get(NO_RESULT) or "") or reason_label(image.reason),
        "temp_path": image.temp_path, "final_path": image.final_path,
        "metadata": image.metadata.to_json(), "processing": image.processing.to_json(), "cost": image.cost,
        "created_at": iso(image.created_at), "updated_at": iso(image.updated_at),
        "thumb_url": f"/media/{image.id}/thumb?v={version}", "original_url": f"/media/{image.id}/original?v={version}",
        # A soft-failed background removal (Approve mode) kept the original background: the card says so.
        # (A smaller cut-out soft-fails too, but its background is gone: "remove_bg" is in `applied`.)
        "is_background_kept": FailureStage.REMOVE_BG.value not in image.processing.applied
        and any(f.get("stage") == FailureStage.REMOVE_BG.value for f in image.processing.soft_failures),
        **image_status_json(image.status),
        # The badge names the failed stage (background removal, metadata, ...), not the status alone.
        "status_label": image_badge_label(image.status, image.reason),
    }


def page_json(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a page envelope."""
    pages = max(1, -(-page.total // page.page_size)) if page.page_size else 1
    return {"items": items, "total": page.total, "page": page.page, "page_size": page.page_size, "pages": pages}


def parse_date(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """Parse a YYYY-MM-DD or ISO date from the page (local time); empty -> None."""
    if not value:
        return None
    text = str(value)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    if end_of_day and len(text) == 10:
        parsed = parsed.replace(hour=23, minute=59, second=59, microsecond=999999)
    return parsed
