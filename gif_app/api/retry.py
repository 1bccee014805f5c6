"""API methods for Failed Images Review: tab counts, failed lists, retry, manual approve, retry queue."""

from __future__ import annotations

from typing import Any

from gif_app.api.args import as_dict, as_ids, as_int, as_page
from gif_app.api.context import ApiContext
from gif_app.api.envelope import envelope
from gif_app.api.serialize import image_json, iso, page_json
from gif_app.domain import RetryStatus, RetryTask, reason_label
from gif_app.jobs.retry import RetryService
from gif_app.jobs.retry_plan import RETRY_STAGES
from gif_app.store.images_repo import QC_REASON
from gif_app.store.repository import ImageFilter

TABS: dict[str, tuple[str, ...]] = {
    "failed": ("qc_failed",),
    "retry_pending": ("retry_pending",),
    "processing": ("processing",),
    "retry_failed": ("retry_failed",),
    "all": ("qc_failed", "retry_pending", "processing", "retry_failed"),
}

# A retry task's status as the page shows per-image progress.
RETRY_STATES = {RetryStatus.PENDING: "queued", RetryStatus.PROCESSING: "running", RetryStatus.DONE: "done",
                RetryStatus.FAILED: "failed", RetryStatus.CANCELLED: "cancelled"}
MODE_LABELS = {"original": "Retry with the job's settings", "modified": "Retry with modified settings",
               "approve": "Manual approve"}


def retry_task_json(task: RetryTask) -> dict[str, Any]:
    """Return one retry attempt as the review modal's history shows it."""
    return {"id": task.id, "mode": task.mode, "mode_label": MODE_LABELS.get(task.mode, task.mode),
            "state": RETRY_STATES[task.status], "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at), "error": task.error}


class RetryApi:
    """Failed images and their retries."""

    ctx: ApiContext

    @property
    def _retries(self) -> RetryService:
        return self.ctx.services.retries

    @envelope
    def failed_counts(self) -> dict[str, int]:
        """Return the live count of each Failed Images Review tab."""
        counts = self.ctx.repo.count_images_by_status()
        result = {tab: sum(counts.get(s, 0) for s in statuses) for tab, statuses in TABS.items()}
        return result

    @envelope
    def list_failed(self, tab: str = "failed", query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return one page of a Failed Images Review tab (filtered by job and text on the server)."""
        q = as_dict(query, "query")
        page_no, page_size = as_page(q, 48, 200)
        flt = ImageFilter(statuses=TABS.get(tab, TABS["failed"]),
                          execution_ids=as_ids(q.get("execution_ids"), "execution_ids"),
                          search=str(q.get("search") or ""), sort=str(q.get("sort") or "newest"),
                          reason=str(q.get("reason") or ""), page=page_no, page_size=page_size)
        page = self.ctx.repo.list_images(flt)
        # Each card shows its latest retry's state (queued / running / done / failed): per-image progress.
        latest = {t.image_id: t for t in self.ctx.repo.retry_tasks_of_images(tuple(i.id for i in page.items))}
        items = []
        for image in page.items:
            item = image_json(image)
            task = latest.get(image.id)
            item["retry_state"] = RETRY_STATES[task.status] if task else None
            items.append(item)
        return page_json(page, items)

    @envelope
    def failed_filters(self, tab: str = "failed") -> dict[str, Any]:
        """Return the jobs and failure reasons a tab's images have, with counts, for its filter menus."""
        statuses = TABS.get(tab, TABS["failed"])
        reasons = self.ctx.repo.failed_reasons(statuses)
        return {"jobs": [{"id": i, "label": label, "count": n} for i, label, n in self.ctx.repo.failed_jobs(statuses)],
                # QC's rejections first, then the processing steps in words, alphabetically.
                "reasons": sorted(({"value": value, "count": n,
                                    "label": "Rejected by QC" if value == QC_REASON else reason_label(value)}
                                   for value, n in reasons.items()),
                                  key=lambda r: (r["value"] != QC_REASON, r["label"]))}

    @envelope
    def retry_history(self, image_id: int) -> list[dict[str, Any]]:
        """Return every retry attempt of one image, newest first (mode, state, times, error)."""
        tasks = self.ctx.repo.retry_tasks_of_images((as_int(image_id, "image_id"),))
        return [retry_task_json(t) for t in reversed(tasks)]

    @envelope
    def retry_options(self) -> dict[str, Any]:
        """Return what the retry modal offers: the steps that can hard-fail."""
        return {"stages": list(RETRY_STAGES)}

    @envelope
    def retry_images(self, image_ids: list[int], mode: str = "original", processing: dict[str, Any] | None = None,
                     include_metadata: bool = False, hard_fail: list[str] | None = None) -> dict[str, Any]:
        """Queue processing-only retries with each job's own settings or with modified ones."""
        tasks = self._retries.enqueue(list(as_ids(image_ids, "image_ids")), mode=mode, processing=processing,
                                      include_metadata=include_metadata, hard_fail=hard_fail)
        return {"queued": len(tasks), "task_ids": [t.id for t in tasks]}

    @envelope
    def approve_images(self, image_ids: list[int]) -> dict[str, Any]:
        """Approve QC-failed images by hand: their job's processing and metadata run, then they move to output."""
        tasks = self._retries.enqueue(list(as_ids(image_ids, "image_ids")), mode="approve")
        return {"queued": len(tasks), "task_ids": [t.id for t in tasks]}

    @envelope
    def retry_status(self) -> dict[str, Any]:
        """Return the retry queue's counts and the image in hand."""
        return self._retries.status()

    @envelope
    def cancel_retry(self, task_id: int) -> dict[str, Any]:
        """Cancel one queued retry."""
        task = self._retries.cancel(as_int(task_id, "task_id"))
        return {"task_id": task.id, "status": task.status.value}

    @envelope
    def get_failed_image(self, image_id: int) -> dict[str, Any]:
        """Return one failed image for its details modal."""
        return image_json(self.ctx.repo.get_image(as_int(image_id, "image_id")))
