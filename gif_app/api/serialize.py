"""JSON shapes the page receives for jobs, images and logs (one place, so every view agrees)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gif_app.domain import GeneratedImage, JobExecution, Page

REASON_LABELS = {
    "processing_failed:download": "Download failed",
    "processing_failed:remove_bg": "Background removal failed",
    "processing_failed:trim": "Trim failed",
    "processing_failed:enhancement": "Enhancement failed",
    "processing_failed:convert": "Conversion failed",
    "processing_failed:save_final": "Save failed",
    "processing_failed:metadata": "Metadata failed",
    "processing_failed:qc": "QC analysis failed",
    "processing_failed:generation": "Generation failed",
}


def iso(value: datetime | None) -> str | None:
    """Return local ISO time with offset, or None."""
    return value.astimezone().isoformat(timespec="seconds") if value else None


def reason_label(reason: str | None) -> str:
    """Return the reason in words a user understands (the QC model's own reason passes through)."""
    if not reason:
        return ""
    return REASON_LABELS.get(reason, reason)


def execution_json(execution: JobExecution) -> dict[str, Any]:
    """Return the page form of an execution (the settings snapshot only via get_job)."""
    return {
        "id": execution.id, "label": execution.label, "status": execution.status.value,
        "configuration_id": execution.configuration_id, "parent_id": execution.parent_id,
        "created_at": iso(execution.created_at), "started_at": iso(execution.started_at),
        "finished_at": iso(execution.finished_at), "duration_s": execution.duration_seconds,
        "planned": execution.planned, "generated": execution.generated, "approved": execution.approved,
        "qc_failed": execution.qc_failed, "processing_failed": execution.failed, "cost": execution.cost,
        "error": execution.error, "queue_position": execution.queue_position,
        "completed_generations": len(execution.completed_generations),
    }


def image_json(image: GeneratedImage) -> dict[str, Any]:
    """Return the page form of an image with its media URLs."""
    version = int(image.updated_at.timestamp())
    return {
        "id": image.id, "mapping_id": image.mapping_id, "execution_id": image.execution_id,
        "job_label": image.execution_label, "generation_index": image.generation_index,
        "variation_index": image.variation_index, "prompt": image.prompt, "keyword": image.keyword,
        "seed": image.seed, "provider": image.provider, "provider_ids": image.provider_ids,
        "status": image.status.value, "reason": image.reason, "reason_label": reason_label(image.reason),
        "temp_path": image.temp_path, "final_path": image.final_path,
        "metadata": image.metadata.to_json(), "processing": image.processing.to_json(), "cost": image.cost,
        "created_at": iso(image.created_at), "updated_at": iso(image.updated_at),
        "thumb_url": f"/media/{image.id}/thumb?v={version}", "original_url": f"/media/{image.id}/original?v={version}",
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
