"""RetryService: one Worker over the persistent queue of processing-only retries and manual approvals.

Each task runs its image through the job's own stages (processing -> metadata -> finalize) over a plan built
by jobs/retry_plan.py. A task in hand has its own CancelToken: deleting its job cancels it, shutting the app
down aborts it and puts it back in the queue. Rows that vanish under a running retry end it as cancelled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gif_app import vector
from gif_app.domain import (
    CancelToken,
    FailureStage,
    GeneratedImage,
    ImageStatus,
    ProcessingRecord,
    RetryStatus,
    RetryTask,
)
from gif_app.errors import AppError, ConfigurationError, ConflictError, NotFoundError, ValidationError
from gif_app.file_ops import remove_file
from gif_app.jobs.planning import ProviderAccess
from gif_app.jobs.retry_plan import (
    MODES,
    RETRY_STAGES,
    RetryEvents,
    RetryRequest,
    build_retry_run,
    processing_overrides,
    remove_working_copies,
    retry_settings,
    working_copy,
)
from gif_app.paths import HomeLayout
from gif_app.pipeline.image_stages import run_image
from gif_app.store.repository import Repository
from gif_app.worker import Worker

log = logging.getLogger(__name__)

INTERNAL_REASON = FailureStage.PROCESSING.reason
VANISHED = "The image or its job was deleted while it was being retried."


@dataclass
class _InHand:
    """The task the worker runs now, with its own cancellation."""

    task: RetryTask
    execution_id: int
    cancel: CancelToken
    cancel_reason: str | None = None  # set when cancelled (its job deleted); an abort without one is a shutdown
    events: RetryEvents | None = None


class RetryService:
    """Queue, run and cancel retries; the queue lives in the database and survives a restart."""

    def __init__(self, repo: Repository, home: HomeLayout, access: Callable[[], ProviderAccess]) -> None:
        self._repo = repo
        self._home = home
        self._access = access
        # Serialises claiming a task against cancelling it, so a cancelled task never starts.
        self._lock = threading.RLock()
        self._in_hand: _InHand | None = None
        self._listeners: list[Callable[[RetryTask], None]] = []
        self._worker: Worker[RetryTask] = Worker("gif-retry-worker", self._handle, source=repo.next_retry_task,
                                                 on_error=self._crashed, after_each=repo.close)

    # -- lifecycle ------------------------------------------------------------------------------
    def start_worker(self) -> None:
        """Start the worker thread (once)."""
        self._worker.start()

    def shutdown(self, timeout: float = 30.0) -> None:
        """End the worker; a retry in hand is aborted and queued again for the next start (bounded wait)."""
        with self._lock:
            in_hand = self._in_hand
        if in_hand is not None:
            in_hand.cancel.request_abort()
        self._worker.stop(timeout)

    def add_listener(self, listener: Callable[[RetryTask], None]) -> None:
        """Call `listener(task)` whenever a task ends (done, failed or cancelled)."""
        self._listeners.append(listener)

    # -- commands -------------------------------------------------------------------------------
    def enqueue(self, image_ids: list[int], *, mode: str, processing: dict[str, Any] | None = None,
                include_metadata: bool = False, hard_fail: list[str] | None = None) -> list[RetryTask]:
        """Queue retries of QC-failed or retry-failed images (mode original | modified | approve)."""
        request = _request(image_ids, mode, processing, include_metadata, hard_fail)
        with self._lock:
            images = [self._repo.get_image(int(image_id)) for image_id in image_ids]
            for image in images:
                if not image.status.is_retryable:
                    raise ConflictError(f"Image {image.id} is {image.status.value}; only failed images can be "
                                        "retried or approved.")
            for execution_id in {image.execution_id for image in images}:
                # Refused now, with the Settings panel's messages, rather than failing every image later.
                retry_settings(self._repo.get_execution(execution_id), request)
            tasks = [self._enqueue_one(image, request) for image in images]
        self._worker.wake()
        return tasks

    def cancel(self, task_id: int) -> RetryTask:
        """Take a queued retry out of the queue; the image returns to where it was."""
        with self._lock:
            task = next((t for t in self._repo.retry_tasks((RetryStatus.PENDING,)) if t.id == task_id), None)
            if task is None:
                raise ConflictError("Only a queued retry can be cancelled.")
            ended = self._cancel_queued(task, None)
        self._notify(ended)
        return ended

    def cancel_for_executions(self, execution_ids: Sequence[int], reason: str) -> int:
        """End the queued and running retries of these jobs' images (before the jobs are deleted); return how many."""
        wanted = set(execution_ids)
        ended: list[RetryTask] = []
        with self._lock:
            for task in self._repo.retry_tasks((RetryStatus.PENDING,)):
                if self._repo.get_image(task.image_id).execution_id in wanted:
                    ended.append(self._cancel_queued(task, reason))
            in_hand = self._in_hand
            is_running = in_hand is not None and in_hand.execution_id in wanted and in_hand.cancel_reason is None
            if is_running:
                assert in_hand is not None
                in_hand.cancel_reason = reason
        if is_running:
            assert in_hand is not None
            in_hand.cancel.request_abort()  # the worker ends the task as cancelled and goes on
        for task in ended:
            self._notify(task)
        return len(ended) + int(is_running)

    def status(self) -> dict[str, Any]:
        """Return queue counts and the image in hand."""
        counts = {s.value: 0 for s in RetryStatus}
        for task in self._repo.retry_tasks():
            counts[task.status.value] += 1
        with self._lock:
            current = self._in_hand.task.image_id if self._in_hand else None
        return {"processing": counts["processing"], "queued": counts["retry_pending"], "done": counts["approved"],
                "failed": counts["retry_failed"], "cancelled": counts["cancelled"], "current_image_id": current,
                "pending_tasks": [{"task_id": t.id, "image_id": t.image_id, "mode": t.mode}
                                  for t in self._repo.retry_tasks((RetryStatus.PENDING,))]}

    def _enqueue_one(self, image: GeneratedImage, request: RetryRequest) -> RetryTask:
        data = {"processing": request.processing, "include_metadata": request.include_metadata,
                "hard_fail": sorted(request.hard_fail),
                "previous": {"status": image.status.value, "reason": image.reason}}
        task = self._repo.enqueue_retry(image.id, request.mode, data)
        self._repo.update_image(image.id, status=ImageStatus.RETRY_PENDING)
        return task

    def _cancel_queued(self, task: RetryTask, reason: str | None) -> RetryTask:
        self._restore(task)
        return self._repo.update_retry_task(task.id, RetryStatus.CANCELLED, reason)

    def _restore(self, task: RetryTask) -> None:
        """Put the image back where it was before the retry was queued."""
        previous = task.settings.get("previous") or {}
        self._repo.update_image(task.image_id, status=ImageStatus(previous.get("status", "qc_failed")),
                                reason=previous.get("reason"))

    # -- the worker -----------------------------------------------------------------------------
    def _handle(self, task: RetryTask) -> None:
        in_hand = self._claim(task)
        if in_hand is None:
            return
        try:
            ended = self._run(in_hand)
        except NotFoundError:
            ended = self._vanished(in_hand)
        except Exception:  # noqa: BLE001 - recorded on the image; the worker goes on with the next task
            log.exception("retry task %s crashed", in_hand.task.id)
            ended = self._crashed_run(in_hand)
        finally:
            with self._lock:
                self._in_hand = None
        if ended.status is not RetryStatus.PENDING:  # a retry put back by a shutdown has not ended
            self._notify(ended)

    def _claim(self, task: RetryTask) -> _InHand | None:
        """Make the queued task the one in hand; None when it left the queue since it was read."""
        with self._lock:
            if self._worker.is_stopping:
                return None
            if not any(t.id == task.id for t in self._repo.retry_tasks((RetryStatus.PENDING,))):
                return None
            image = self._repo.get_image(task.image_id)
            if image.status is ImageStatus.APPROVED:
                # Its move completed before a crash (recovery approved it): nothing is left to do.
                self._repo.update_retry_task(task.id, RetryStatus.DONE)
                return None
            claimed = self._repo.update_retry_task(task.id, RetryStatus.PROCESSING)
            self._in_hand = _InHand(claimed, image.execution_id, CancelToken())
            return self._in_hand

    def _run(self, in_hand: _InHand) -> RetryTask:
        """Run the job's image stages on the task's image and record how it ended."""
        task = in_hand.task
        image = self._repo.get_image(task.image_id)
        execution = self._repo.get_execution(image.execution_id)
        try:
            run = build_retry_run(self._repo, execution, RetryRequest.from_task(task), self._home, self._access(),
                                  in_hand.cancel)
        except AppError as exc:
            reason = FailureStage.METADATA.reason if isinstance(exc, ConfigurationError) else INTERNAL_REASON
            return self._fail(task, reason, _described(exc))
        in_hand.events = run.events
        # A fresh record: this attempt's steps, soft failures and move intent, not an earlier run's.
        image = self._repo.update_image(image.id, status=ImageStatus.PROCESSING,
                                        processing=ProcessingRecord(settings=run.context.plan.processing.to_json()))
        if not image.temp_path or not Path(image.temp_path).is_file():
            return self._fail(task, FailureStage.SAVE_FINAL.reason, "The image file is no longer on disk.")
        original = Path(image.temp_path)
        run.context.log.info(f"Retry of image {image.mapping_id} started ({task.mode})", step="retry")
        try:
            # The stages work on a copy: the original stays as it was unless the retry succeeds.
            run.events.working_path = working_copy(original, image.mapping_id)
            run_image(run.context, replace(image, temp_path=str(run.events.working_path)))
        except NotFoundError:
            raise
        except (AppError, OSError) as exc:
            return self._fail(task, INTERNAL_REASON, str(exc.message if isinstance(exc, AppError) else exc))
        finally:
            remove_working_copies(original, image.mapping_id)
        ended = self._outcome(in_hand)
        if ended.status is RetryStatus.DONE:
            # Its processed copy is in the output folder now (a vector's preview went with it). The image is
            # approved whatever happens here: a temp file another program holds stays as a leftover.
            for leftover in [original, *([vector.preview_path(original)] if vector.is_svg_path(original) else [])]:
                try:
                    remove_file(leftover)
                except OSError as exc:
                    log.warning("retry task %s: could not remove %s: %s", task.id, leftover, exc)
        return ended

    def _outcome(self, in_hand: _InHand) -> RetryTask:
        """Read how the stages left the image: approved, retry_failed, or cut short by a cancellation."""
        task = in_hand.task
        image = self._repo.get_image(task.image_id)
        if image.status is ImageStatus.APPROVED:
            return self._repo.update_retry_task(task.id, RetryStatus.DONE)
        if image.status is ImageStatus.RETRY_FAILED:
            return self._repo.update_retry_task(task.id, RetryStatus.FAILED, image.processing.error or image.reason)
        if in_hand.cancel_reason is not None:
            self._restore(task)
            self._repo.refresh_counts(image.execution_id)
            return self._repo.update_retry_task(task.id, RetryStatus.CANCELLED, in_hand.cancel_reason)
        if in_hand.cancel.is_aborted:
            # The app is closing: the retry runs again at the next start.
            self._repo.update_image(image.id, status=ImageStatus.RETRY_PENDING)
            return self._repo.update_retry_task(task.id, RetryStatus.PENDING)
        return self._fail(task, INTERNAL_REASON, "The retry ended without a result; see the log file.")

    def _fail(self, task: RetryTask, reason: str, error: str) -> RetryTask:
        image = self._repo.get_image(task.image_id)
        self._repo.update_image(task.image_id, status=ImageStatus.RETRY_FAILED, reason=reason,
                                processing=replace(image.processing, error=error, moving_to=""))
        self._repo.refresh_counts(image.execution_id)
        return self._repo.update_retry_task(task.id, RetryStatus.FAILED, error)

    def _vanished(self, in_hand: _InHand) -> RetryTask:
        """End a retry whose image or job was deleted under it: cancelled, and no file left in the output folder."""
        reason = in_hand.cancel_reason or VANISHED
        moved = in_hand.events.moved_to if in_hand.events else None
        if moved is not None and not self._is_recorded(in_hand.task.image_id, moved):
            try:
                remove_file(moved)
                log.info("retry task %s: removed %s, whose image was deleted", in_hand.task.id, moved)
            except OSError as exc:  # held open elsewhere: the task still ends cancelled
                log.warning("retry task %s: could not remove %s, whose image was deleted: %s", in_hand.task.id,
                            moved, exc)
        try:
            return self._repo.update_retry_task(in_hand.task.id, RetryStatus.CANCELLED, reason)
        except NotFoundError:
            return replace(in_hand.task, status=RetryStatus.CANCELLED, error=reason)

    def _is_recorded(self, image_id: int, path: Path) -> bool:
        """Return True when the image row still exists and owns `path` (then the file is not an orphan)."""
        try:
            return self._repo.get_image(image_id).final_path == str(path)
        except NotFoundError:
            return False

    def _crashed_run(self, in_hand: _InHand) -> RetryTask:
        """Record a retry that raised: retry_failed, or cancelled when its rows are gone."""
        try:
            return self._fail(in_hand.task, INTERNAL_REASON, "Internal error; see the log file.")
        except NotFoundError:
            return self._vanished(in_hand)

    def _crashed(self, task: RetryTask, exc: BaseException) -> None:
        """Record a task that failed before it ran (the Worker logged the error)."""
        self._notify(self._fail(task, INTERNAL_REASON, "Internal error; see the log file."))

    def _notify(self, task: RetryTask) -> None:
        for listener in list(self._listeners):
            try:
                listener(task)
            except Exception:  # noqa: BLE001 - a listener must not break the worker
                log.exception("retry listener failed")


def _request(image_ids: list[int], mode: str, processing: dict[str, Any] | None, include_metadata: bool,
             hard_fail: list[str] | None) -> RetryRequest:
    """Check the retry modal's choices and return them as a request."""
    if mode not in MODES:
        raise ValidationError("Retry mode must be original, modified or approve.")
    unknown = set(hard_fail or ()) - set(RETRY_STAGES)
    if unknown:
        raise ValidationError(f"Unknown steps: {', '.join(sorted(unknown))}.")
    if not image_ids:
        raise ValidationError("Select at least one image.")
    overrides = processing_overrides(processing) if mode == "modified" else {}
    return RetryRequest(mode=mode, processing=overrides, include_metadata=bool(include_metadata),
                        hard_fail=frozenset(hard_fail or ()))


def _described(exc: AppError) -> str:
    """Return the error's message with its per-field messages, for a failure shown later on the image."""
    if isinstance(exc, ValidationError) and exc.fields:
        return f"{exc.message} " + " ".join(f"{key}: {text}" for key, text in sorted(exc.fields.items()))
    return exc.message
