"""RetryService: its own worker over a persistent queue of processing-only retries and manual approvals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gif_app.domain import CancelToken, FailureStage, ImageStatus, RetryStatus, RetryTask
from gif_app.errors import AppError, ConflictError, ProcessingError, ValidationError
from gif_app.jobs.planning import ProviderAccess
from gif_app.jobs.retry_work import RETRY_STAGES, RetryRequest, run_retry
from gif_app.paths import HomeLayout
from gif_app.store.repository import Repository

log = logging.getLogger(__name__)

RETRYABLE = {ImageStatus.QC_FAILED, ImageStatus.RETRY_FAILED}


class RetryService:
    """Queue, run and cancel retries; the queue lives in the database and survives a restart."""

    def __init__(self, repo: Repository, home: HomeLayout, access: Callable[[], ProviderAccess]) -> None:
        self._repo = repo
        self._home = home
        self._access = access
        self._lock = threading.Condition()
        self._is_shutting_down = False
        self._cancel = CancelToken()
        self._current: tuple[int, int] | None = None  # (task id, image id)
        self._thread: threading.Thread | None = None
        self._done_listeners: list[Callable[[RetryTask], None]] = []

    def start_worker(self) -> None:
        """Start the worker thread (once)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="gif-retry-worker", daemon=True)
                self._thread.start()

    def shutdown(self, timeout: float = 30.0) -> None:
        """End the worker after the task in hand (bounded wait)."""
        with self._lock:
            self._is_shutting_down = True
            self._cancel.request_abort()
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def add_listener(self, listener: Callable[[RetryTask], None]) -> None:
        """Call `listener(task)` whenever a task ends (tests, UI refresh)."""
        self._done_listeners.append(listener)

    def enqueue(self, image_ids: list[int], *, mode: str, processing: dict[str, Any] | None = None,
                include_metadata: bool = False, hard_fail: list[str] | None = None) -> list[RetryTask]:
        """Queue retries of QC-failed or retry-failed images (mode original | modified | approve)."""
        if mode not in {"original", "modified", "approve"}:
            raise ValidationError("Retry mode must be original, modified or approve.")
        unknown = set(hard_fail or ()) - set(RETRY_STAGES)
        if unknown:
            raise ValidationError(f"Unknown steps: {', '.join(sorted(unknown))}.")
        if not image_ids:
            raise ValidationError("Select at least one image.")
        tasks = []
        with self._lock:
            for image_id in image_ids:
                image = self._repo.get_image(int(image_id))
                if image.status not in RETRYABLE:
                    raise ConflictError(f"Image {image.id} is {image.status.value}; only failed images can be "
                                        "retried or approved.")
            for image_id in image_ids:
                image = self._repo.get_image(int(image_id))
                data = {"processing": processing or {}, "include_metadata": include_metadata,
                        "hard_fail": list(hard_fail or ()),
                        "previous": {"status": image.status.value, "reason": image.reason}}
                tasks.append(self._repo.enqueue_retry(image.id, mode, data))
                self._repo.update_image(image.id, status=ImageStatus.RETRY_PENDING)
            self._lock.notify_all()
        return tasks

    def cancel(self, task_id: int) -> RetryTask:
        """Take a queued retry out of the queue; the image returns to where it was."""
        with self._lock:
            task = next((t for t in self._repo.retry_tasks((RetryStatus.PENDING,)) if t.id == task_id), None)
            if task is None:
                raise ConflictError("Only a queued retry can be cancelled.")
            previous = task.settings.get("previous") or {}
            self._repo.update_image(task.image_id, status=ImageStatus(previous.get("status", "qc_failed")),
                                    reason=previous.get("reason"))
            return self._repo.update_retry_task(task.id, RetryStatus.CANCELLED)

    def status(self) -> dict[str, Any]:
        """Return queue counts and the image in hand."""
        counts = {s.value: 0 for s in RetryStatus}
        for task in self._repo.retry_tasks():
            counts[task.status.value] += 1
        with self._lock:
            current = self._current
        return {"processing": counts["processing"], "queued": counts["retry_pending"], "done": counts["approved"],
                "failed": counts["retry_failed"], "cancelled": counts["cancelled"],
                "current_image_id": current[1] if current else None,
                "pending_tasks": [{"task_id": t.id, "image_id": t.image_id, "mode": t.mode}
                                  for t in self._repo.retry_tasks((RetryStatus.PENDING,))]}

    def _loop(self) -> None:
        while True:
            with self._lock:
                task = None
                while not self._is_shutting_down:
                    task = self._repo.next_retry_task()
                    if task is not None:
                        break
                    self._lock.wait()
                if self._is_shutting_down or task is None:
                    return
                self._current = (task.id, task.image_id)
            try:
                self._run(task)
            except Exception:  # noqa: BLE001 - the worker loop must survive anything
                log.exception("retry task %s crashed", task.id)
                self._finish(task, RetryStatus.FAILED, ImageStatus.RETRY_FAILED, "processing_failed:processing",
                             "Internal error; see the log file.")
            finally:
                with self._lock:
                    self._current = None
                self._repo.close()

    def _run(self, task: RetryTask) -> None:
        self._repo.update_retry_task(task.id, RetryStatus.PROCESSING)
        image = self._repo.update_image(task.image_id, status=ImageStatus.PROCESSING)
        execution = self._repo.get_execution(image.execution_id)
        request = RetryRequest.from_task(task.mode, task.settings)
        try:
            result = run_retry(image, execution, request, self._access(), self._home, self._cancel)
        except ProcessingError as exc:
            self._finish(task, RetryStatus.FAILED, ImageStatus.RETRY_FAILED, FailureStage(exc.stage).reason,
                         exc.message)
            return
        except AppError as exc:
            self._finish(task, RetryStatus.FAILED, ImageStatus.RETRY_FAILED, "processing_failed:processing",
                         exc.message)
            return
        reason = "Approved manually" if task.mode == "approve" else "Retry processing successful"
        self._repo.update_image(image.id, status=ImageStatus.APPROVED, reason=reason, temp_path=None,
                                final_path=str(result.final_path), metadata=result.metadata,
                                processing=result.record)
        self._repo.refresh_counts(image.execution_id)
        done = self._repo.update_retry_task(task.id, RetryStatus.DONE)
        self._notify(done)

    def _finish(self, task: RetryTask, status: RetryStatus, image_status: ImageStatus, reason: str,
                error: str) -> None:
        image = self._repo.get_image(task.image_id)
        self._repo.update_image(task.image_id, status=image_status, reason=reason,
                                processing=replace(image.processing, error=error))
        self._repo.refresh_counts(image.execution_id)
        self._notify(self._repo.update_retry_task(task.id, status, error))

    def _notify(self, task: RetryTask) -> None:
        for listener in list(self._done_listeners):
            try:
                listener(task)
            except Exception:  # noqa: BLE001 - a listener must not break the worker
                log.exception("retry listener failed")
