"""JobService: one Worker runs one job at a time from a queue kept in the database."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import CancelToken, GeneratedImage, ImageStatus, JobExecution, JobStatus
from gif_app.errors import AppError, ConflictError, NotFoundError, PreflightError, Problem, ValidationError
from gif_app.jobs.accounts import check_balance
from gif_app.jobs.estimate import Estimate, estimate_job
from gif_app.jobs.events import JobEvent, RepositoryEvents
from gif_app.jobs.planning import (
    ProviderAccess,
    build_plan,
    build_providers,
    images_per_generation,
    timeout_seconds,
)
from gif_app.jobs.preflight import key_problems, preflight
from gif_app.jobs.progress import ProgressTracker
from gif_app.jobs.seed_rerun import (
    require_seed,
    seed_keyword_file,
    seed_rerun_label,
    seed_rerun_overrides,
)
from gif_app.logs import JobLog, Redactor
from gif_app.paths import HomeLayout
from gif_app.pipeline.context import RunContext
from gif_app.pipeline.generate import fetch_missing_images
from gif_app.pipeline.imports import (
    IMPORT_PROVIDER,
    METADATA_CHOICES,
    METADATA_KEY,
    SNAPSHOT_KEY,
    expand_sources,
    snapshot_metadata_choice,
    snapshot_sources,
)
from gif_app.pipeline.read_back import read_back_lost_images
from gif_app.pipeline.runner import ending_message, run_generations
from gif_app.pipeline.spending import Caps, SpendMeter
from gif_app.prices import table_with_overrides
from gif_app.store.repository import Repository
from gif_app.worker import Worker

log = logging.getLogger(__name__)

_RERUN_SUFFIX = re.compile(r" \(rerun \d+\)$")

Listener = Callable[[JobEvent, JobExecution], None]


class JobService:
    """Owns the job worker: start, queue, stop, force stop, rerun, resume."""

    def __init__(self, repo: Repository, home: HomeLayout, settings_file: settings_mod.SettingsFile,
                 access: Callable[[], ProviderAccess], redactor: Redactor) -> None:
        self._repo = repo
        self._home = home
        self._settings_file = settings_file
        self._access = access
        self._redactor = redactor
        self._lock = threading.RLock()
        self._is_shutting_down = False
        self._current: tuple[int, CancelToken, ProgressTracker] | None = None
        self._last: ProgressTracker | None = None
        self._listeners: list[Listener] = []
        # The worker's source only reads the head of the queue; the handler claims the row. The repository
        # is closed after each job to release the worker thread's connection.
        self._worker: Worker[JobExecution] = Worker("gif-job-worker", self._handle, source=self._head_of_queue,
                                                    on_error=self._crashed, after_each=self._repo.close)

    # -- lifecycle ------------------------------------------------------------------------------
    def start_worker(self) -> None:
        """Start the worker thread (once)."""
        self._worker.start()

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the running job gracefully and end the worker (bounded wait)."""
        with self._lock:
            self._is_shutting_down = True
            if self._current is not None:
                self._current[1].request_abort()
        self._worker.stop(timeout)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(event, execution)` on JobEvent.STARTED / FINISHED (tests, the CLI)."""
        self._listeners.append(listener)

    # -- commands -------------------------------------------------------------------------------
    def run_settings(self, overrides: dict[str, Any] | None = None) -> settings_mod.Settings:
        """Return the saved settings with per-run overrides applied and validated."""
        settings = self._settings_file.load().settings
        if overrides:
            settings = settings_mod.validated(_flat_merge(settings, overrides))
        return settings

    def estimate(self, overrides: dict[str, Any] | None = None) -> Estimate:
        """Return what a job started with these overrides would render, call and cost (nothing is created)."""
        settings = self.run_settings(overrides)
        return estimate_job(settings, table_with_overrides(str(settings["advanced"]["price_overrides"])))

    def start_job(self, overrides: dict[str, Any] | None = None, *, when_busy: str = "queue",
                  source_images: list[str] | None = None, import_metadata: str = "replace") -> JobExecution:
        """Create an execution from the saved settings plus per-run overrides; queue it or refuse if busy.

        With `source_images` (files or folders) the job imports those files instead of generating images;
        `import_metadata` (keep | merge | replace) says what becomes of the metadata they already carry.
        Nothing is recorded for a job that could not start: pre-flight problems raise PreflightError first.
        """
        settings = self.run_settings(overrides)
        files = expand_sources(source_images or [])
        if source_images is not None and not files:
            raise ValidationError("No image file was found in the files and folders given.")
        if import_metadata not in METADATA_CHOICES:
            raise ValidationError(f"The metadata choice must be one of {', '.join(METADATA_CHOICES)}.")
        problems = preflight(settings, self._access(), self._home, renders=not files)
        if problems:
            raise PreflightError(problems)
        label = settings["parameters"]["label"].strip() or f"job_{datetime.now():%Y%m%d_%H%M%S}"
        planned = len(files) or settings["parameters"]["count"] * images_per_generation(settings)
        if not files:
            # Refused at once where the vendor reports a balance that cannot cover the plan; checked again when
            # the job runs, since a queued job may wait while the credits go elsewhere.
            check_balance(settings, self._access(), planned)
        # The source list travels in the snapshot (and configuration) beside the settings, so reruns import it too.
        snapshot: dict[str, Any] = {**settings, SNAPSHOT_KEY: files, METADATA_KEY: import_metadata} if files \
            else settings
        with self._lock:
            if when_busy == "refuse" and self.is_busy():
                raise ConflictError("A job is already running. Only one job runs at a time; wait for it or "
                                    "queue this one.")
            config = self._repo.create_configuration(label, snapshot)
            execution = self._repo.create_execution(
                label=label, configuration_id=config.id, settings_snapshot=snapshot, planned=planned, queue=True)
        self._worker.wake()
        return execution

    def preflight(self, overrides: dict[str, Any] | None = None) -> list[Problem]:
        """Return everything that would stop a job with these overrides at once: invalid values, then pre-flight."""
        settings = self._settings_file.load().settings
        clean, errors = settings_mod.validate(_flat_merge(settings, overrides or {}))
        invalid = [Problem(key, message) for key, message in errors.items()]
        # The rest is checked on the valid values (an invalid one counts as its default), so all show at once.
        return invalid + [p for p in preflight(clean, self._access(), self._home) if p.setting not in errors]

    def is_busy(self) -> bool:
        """Return True while a job runs or waits in the queue."""
        with self._lock:
            return self._current is not None or bool(self._repo.queued_executions())

    def stop(self) -> None:
        """Graceful stop: finish in-flight images, start nothing new."""
        with self._lock:
            if self._current is None:
                raise ConflictError("No job is running.")
            self._current[1].request_stop()

    def force_stop(self) -> None:
        """Force stop: abort in-flight provider calls now; images stay recorded for resume."""
        with self._lock:
            if self._current is None:
                raise ConflictError("No job is running.")
            self._current[1].request_abort()

    def rerun(self, execution_id: int) -> JobExecution:
        """Queue a NEW execution from the job's current stored configuration; the original stays untouched."""
        parent, snapshot, planned = self._rerun_plan(execution_id)
        return self._queue_rerun(parent, snapshot, planned)

    def _rerun_plan(self, execution_id: int) -> tuple[JobExecution, dict[str, Any], int]:
        """Return the job to rerun, its snapshot and planned count; raise PreflightError if it could not start."""
        parent = self._repo.get_execution(execution_id)
        settings = parent.settings_snapshot
        if parent.configuration_id is not None:
            try:
                settings = self._repo.get_configuration(parent.configuration_id).settings
            except NotFoundError:
                pass
        files = snapshot_sources(settings) or snapshot_sources(parent.settings_snapshot)
        choice = snapshot_metadata_choice(parent.settings_snapshot)
        settings = settings_mod.validate(settings)[0]
        # A rerun checks what a new job checks: a key removed or a keyword file moved since stops it here.
        problems = preflight(settings, self._access(), self._home, renders=not files)
        if problems:
            raise PreflightError(problems)
        snapshot: dict[str, Any] = {**settings, SNAPSHOT_KEY: files, METADATA_KEY: choice} if files else settings
        return parent, snapshot, len(files) or settings["parameters"]["count"] * images_per_generation(settings)

    def _queue_rerun(self, parent: JobExecution, snapshot: dict[str, Any], planned: int) -> JobExecution:
        base = rerun_base_label(parent.label)
        with self._lock:
            # Numbered across the whole family (reruns of reruns too), so no two runs share a label.
            number = self._repo.last_rerun_number(base) + 1
            execution = self._repo.create_execution(
                label=f"{base} (rerun {number})", configuration_id=parent.configuration_id,
                settings_snapshot=snapshot, parent_id=parent.id, planned=planned, queue=True)
        self._worker.wake()
        return execution

    def rerun_with_seed(self, image_id: int) -> JobExecution:
        """Start a one-image job from the image's job settings with its prompt and its recorded seed fixed."""
        image = self._repo.get_image(image_id)
        seed = require_seed(image)
        parent = self._repo.get_execution(image.execution_id)
        snapshot = settings_mod.validate(parent.settings_snapshot)[0]
        label = seed_rerun_label(rerun_base_label(parent.label), seed)
        keyword_file = seed_keyword_file(self._home.root / "reruns", image)
        return self.start_job(seed_rerun_overrides(image, snapshot, keyword_file, label))

    def bulk_rerun(self, execution_ids: list[int]) -> list[JobExecution]:
        """Queue a rerun of each job, in the given order; none is queued when one of them could not start."""
        plans = [self._rerun_plan(i) for i in execution_ids]
        return [self._queue_rerun(*plan) for plan in plans]

    def resume(self, execution_id: int, budget_usd: float | None = None) -> JobExecution:
        """Queue a resumable execution: finish its remaining generations and fetch its missing downloads.

        `budget_usd` replaces the job's cap for this and later runs (0 = none); None keeps the one it has.
        """
        # The rule is JobExecution.is_resumable; its count of images awaiting a download is kept by every image
        # status change (RepositoryEvents) and the end of each run.
        execution = self._repo.get_execution(execution_id)
        if not execution.is_resumable:
            raise ConflictError("Only an interrupted, stopped or failed job, or a finished one with images still "
                                "to download, can be resumed.")
        # The keys it needs must still be there (its keywords and prompts are already planned and recorded).
        renders = not snapshot_sources(execution.settings_snapshot)
        problems = key_problems(settings_mod.validate(execution.settings_snapshot)[0], self._access(),
                                renders=renders)
        if problems:
            raise PreflightError(problems)
        fields: dict[str, Any] = {}
        if budget_usd is not None:
            snapshot = settings_mod.flatten_values(execution.settings_snapshot)
            fields["settings_snapshot"] = settings_mod.validated({**snapshot, "parameters.budget_usd": budget_usd})
        with self._lock:
            position = max([e.queue_position or 0 for e in self._repo.queued_executions()] or [0]) + 1
            execution = self._repo.update_execution(execution_id, status=JobStatus.QUEUED, queue_position=position,
                                                    **fields)
        self._worker.wake()
        return execution

    def cancel_queued(self, execution_id: int) -> JobExecution:
        """Take a queued execution out of the queue."""
        with self._lock:
            execution = self._repo.get_execution(execution_id)
            if execution.status is not JobStatus.QUEUED:
                raise ConflictError("Only a queued job can be cancelled.")
            if execution_id == self.current_execution_id():
                raise ConflictError("This job is starting now; stop it instead of cancelling it.")
            return self._repo.update_execution(execution_id, status=JobStatus.CANCELLED, queue_position=None,
                                               finished_at=datetime.now())

    def progress(self) -> dict[str, Any] | None:
        """Return the running (or last finished) job's progress."""
        with self._lock:
            tracker = self._current[2] if self._current else self._last
            return tracker.snapshot() if tracker else None

    def current_execution_id(self) -> int | None:
        """Return the running execution's id."""
        with self._lock:
            return self._current[0] if self._current else None

    # -- the worker -----------------------------------------------------------------------------
    def _head_of_queue(self) -> JobExecution | None:
        """Return the next queued execution (the worker's source); None once shutting down."""
        with self._lock:
            if self._is_shutting_down:
                return None
        queued = self._repo.queued_executions()
        return queued[0] if queued else None

    def _handle(self, execution: JobExecution) -> None:
        """Run one picked execution on the worker thread, then tell the listeners it finished."""
        with self._lock:
            if self._is_shutting_down:
                return  # still queued in the database: it runs after the next start
            params = execution.settings_snapshot.get("parameters", {})
            snapshot = settings_mod.validate(execution.settings_snapshot)[0]
            files = snapshot_sources(execution.settings_snapshot)
            tracker = ProgressTracker(execution.id, execution.label, len(files) or int(params.get("count", 0)),
                                      1 if files else images_per_generation(snapshot),
                                      already_done=len(execution.completed_generations))
            token = CancelToken()
            self._current = (execution.id, token, tracker)
        finished = self._run(execution, token, tracker)
        self._end(tracker, finished)

    def _crashed(self, execution: JobExecution, exc: BaseException) -> None:
        """Record a job whose handler raised as failed (the worker's on_error; it already logged the trace)."""
        log.error("job %s crashed the runner: %s", execution.id, exc)
        with self._lock:
            tracker = self._current[2] if self._current and self._current[0] == execution.id else None
        finished: JobExecution | None = None
        try:
            if tracker is not None:
                tracker.finish(JobStatus.FAILED.value)
            # Also ends an execution that crashed before it was claimed, so the queue does not pick it again.
            finished = self._safe_finish(execution.id, JobStatus.FAILED, "Internal error; see the log file.")
        finally:
            self._end(tracker, finished)  # whatever happens, the service must not stay busy

    def _end(self, tracker: ProgressTracker | None, finished: JobExecution | None) -> None:
        with self._lock:
            self._current = None
            if finished is not None and tracker is not None:
                self._last = tracker
        # Listeners hear "finished" only once the service is free, so they may start the next job at once.
        if finished is not None:
            self._notify(JobEvent.FINISHED, finished)

    def _run(self, execution: JobExecution, token: CancelToken, tracker: ProgressTracker) -> JobExecution | None:
        claimed = self._repo.claim_queued(execution.id)
        if claimed is None:
            # Cancelled or deleted between being picked and being started: nothing to run.
            log.info("job %s left the queue before it started", execution.id)
            return None
        execution = claimed
        self._notify(JobEvent.STARTED, execution)
        job_log = JobLog(execution.id, self._repo, self._redactor)
        job_log.info(f"Job '{execution.label}' started", step="initialization")
        try:
            settings = settings_mod.validate(execution.settings_snapshot)[0]
            is_import = bool(snapshot_sources(execution.settings_snapshot))
            providers = build_providers(settings, self._access(), renders=not is_import)
            imported = self._repo.imported_hashes(IMPORT_PROVIDER, self._family(execution)) if is_import else {}
            plan = build_plan(execution, settings, self._home, set(execution.completed_generations), imported)
            if not is_import:
                check_balance(settings, self._access(), len(plan.generations) * plan.variations)
            plan.temp_dir.mkdir(parents=True, exist_ok=True)
            plan.output_dir.mkdir(parents=True, exist_ok=True)
        except (AppError, OSError) as exc:
            message = exc.message if isinstance(exc, AppError) else f"Cannot prepare folders: {exc}"
            job_log.error(message, step="initialization", error_code=getattr(exc, "code", "io_error"))
            tracker.finish("failed")
            return self._safe_finish(execution.id, JobStatus.FAILED, message)
        if providers.remover_problem:
            job_log.warning(f"{providers.remover_problem} Background removal will follow the failure policy "
                            f"({plan.processing.remove_bg_failure_mode}).", step="initialization")
        tracker.initialized()
        job_log.info(f"Planned {len(plan.generations)} generation(s) × {plan.variations} variation(s), "
                     f"concurrency {plan.concurrency}", step="initialization")
        events = RepositoryEvents(self._repo, execution.id, tracker, self._redactor)
        meter = self._spend_meter(execution.id, settings)
        meter.watch(token)
        if meter.caps.job_usd is not None or meter.caps.daily_usd is not None:
            job_log.info(_caps_line(meter.caps), step="initialization")
        ctx = RunContext(plan, providers, events, job_log, token, spend=meter)
        # Paid images whose download failed are fetched from their recorded URL, then run like pending ones.
        params = settings["parameters"]
        fetch_missing_images(ctx, self._repo.images_of_execution(execution.id), timeout_s=timeout_seconds(settings),
                             backoff_s=params["generation_retry_backoff_ms"] / 1000.0)
        # Paid answers that were lost are asked for by their task id (free), never rendered again.
        read_back_lost_images(ctx, self._repo.images_of_execution(execution.id))
        pending = [i for i in self._repo.images_of_execution(execution.id) if i.status is ImageStatus.PENDING]
        outcome = run_generations(ctx, pending)
        self._repo.refresh_counts(execution.id)
        current = self._repo.get_execution(execution.id)
        is_capped = meter.stop_reason is not None
        if outcome.fatal_error is not None:
            status, error = JobStatus.FAILED, ending_message(outcome.fatal_error)
        elif is_capped and _has_work_left(current, self._repo.images_of_execution(execution.id)):
            # Calls in flight when the cap was reached finished and were recorded; nothing new was paid for.
            status, error = JobStatus.STOPPED, meter.message()
            job_log.warning(error, step="budget", error_code="budget_reached")
        elif outcome.was_stopped and not is_capped:  # a cap passed by the very last call ends the job as usual
            status, error = JobStatus.STOPPED, None
        else:
            status = JobStatus.COMPLETED if current.generated > 0 else JobStatus.FAILED
            error = None if current.generated > 0 else "No image was produced. See the log for each failure."
        finished = self._repo.finish_execution(execution.id, status, error,
                                               meter.stop_reason if status is JobStatus.STOPPED and is_capped else None)
        reason = f" ({finished.stop_reason.label})" if finished.stop_reason else ""
        job_log.info(f"Job {status.value}{reason}: {finished.approved} approved, {finished.qc_failed} QC failed, "
                     f"{finished.failed} processing failed, cost {finished.cost:.4f}", step="done")
        tracker.set_counts({"generated": finished.generated, "approved": finished.approved,
                            "qc_failed": finished.qc_failed, "processing_failed": finished.failed}, finished.cost)
        tracker.finish("done" if status is JobStatus.COMPLETED else status.value)
        # Renders a force stop kept (already paid) record their images meanwhile; the worker waits for them,
        # so a resume, queued behind, never renders a generation whose images are still on their way.
        if outcome.wait_for_kept_renders():
            self._repo.refresh_counts(execution.id)
            finished = self._repo.get_execution(execution.id)
        return finished

    def _family(self, execution: JobExecution) -> set[int]:
        """Return the execution and its rerun ancestors: their imports are the same files, not duplicates."""
        family, current = {execution.id}, execution
        while current.parent_id is not None and current.parent_id not in family:
            family.add(current.parent_id)
            try:
                current = self._repo.get_execution(current.parent_id)
            except NotFoundError:
                break
        return family

    def _spend_meter(self, execution_id: int, settings: settings_mod.Settings) -> SpendMeter:
        """Return the run's meter: the job's cap from its snapshot, the day's cap from the current settings."""
        table = table_with_overrides(str(settings["advanced"]["price_overrides"]))
        job_cap = float(settings["parameters"]["budget_usd"])
        # The daily cap spans every job, so the saved settings decide it, not a job's snapshot.
        daily_cap = float(self._settings_file.load().settings["parameters"]["daily_budget_usd"])
        midnight = datetime.combine(date.today(), time())
        caps = Caps(job_usd=job_cap or None, daily_usd=daily_cap or None,
                    job_spent_before=self._repo.spent_by_execution(execution_id),
                    day_spent_before=self._repo.spent_since(midnight))
        return SpendMeter(table, estimate_job(settings, table).per_call, caps)

    def _safe_finish(self, execution_id: int, status: JobStatus, error: str) -> JobExecution | None:
        try:
            return self._repo.finish_execution(execution_id, status, error)
        except Exception:  # noqa: BLE001 - e.g. the job was deleted meanwhile; the worker goes on
            log.exception("cannot record the end of job %s", execution_id)
            return None

    def _notify(self, event: JobEvent, execution: JobExecution) -> None:
        for listener in list(self._listeners):
            try:
                listener(event, execution)
            except Exception:  # noqa: BLE001 - a listener must not break the worker
                log.exception("job listener failed")


def rerun_base_label(label: str) -> str:
    """Return a label without its " (rerun N)" suffix, so reruns of reruns keep the job's own name."""
    match = _RERUN_SUFFIX.search(label)
    return label[:match.start()] if match else label


def _has_work_left(execution: JobExecution, images: list[GeneratedImage]) -> bool:
    """Return whether a generation is still to render or an image still waits in temp (a cap stopped it)."""
    count = len(snapshot_sources(execution.settings_snapshot)) or \
        int(execution.settings_snapshot.get("parameters", {}).get("count", 0))
    return len(execution.completed_generations) < count or any(i.status is ImageStatus.PENDING for i in images)


def _caps_line(caps: Caps) -> str:
    parts = []
    if caps.job_usd is not None:
        parts.append(f"job cap ${caps.job_usd:.2f} (${caps.job_spent_before:.4f} spent by earlier runs)")
    if caps.daily_usd is not None:
        parts.append(f"daily cap ${caps.daily_usd:.2f} (${caps.day_spent_before:.4f} spent today)")
    return "Spending: " + ", ".join(parts)


def _flat_merge(settings: settings_mod.Settings, overrides: dict[str, Any]) -> dict[str, Any]:
    return {**settings_mod.flatten(settings), **settings_mod.flatten_values(overrides)}
