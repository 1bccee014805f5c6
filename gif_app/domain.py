"""Shared vocabulary: statuses, failure stages and the dataclasses every layer passes around."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class JobStatus(enum.StrEnum):
    """Lifecycle of one execution; the rule properties below are the only copy of the status rules."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """Return the status in words for the page."""
        return self.value.capitalize()

    @property
    def is_active(self) -> bool:
        """Return True while the execution waits in the queue or runs (views keep polling it)."""
        return self in {JobStatus.QUEUED, JobStatus.RUNNING}

    @property
    def is_running(self) -> bool:
        """Return True while the worker runs the execution."""
        return self is JobStatus.RUNNING

    @property
    def is_terminal(self) -> bool:
        """Return True when the execution will not change by itself any more."""
        # Interrupted is not terminal: a crash cut it short and it is waiting to be resumed.
        return self in {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELLED}

    @property
    def is_complete(self) -> bool:
        """Return True when the execution ran to its end and produced images."""
        return self is JobStatus.COMPLETED

    @property
    def is_resumable(self) -> bool:
        """Return True when resume may queue the execution to finish its remaining generations."""
        # A failed job (e.g. a wrong key, since fixed) resumes too: its paid images are not rendered again.
        return self in {JobStatus.INTERRUPTED, JobStatus.STOPPED, JobStatus.FAILED}

    @property
    def can_rerun(self) -> bool:
        """Return True when a rerun may be queued (a rerun is a new execution, so every status allows it)."""
        return True

    @property
    def can_delete(self) -> bool:
        """Return True when the execution may be deleted (a running one must be stopped first)."""
        return self is not JobStatus.RUNNING

    @property
    def can_cancel(self) -> bool:
        """Return True when the execution may be taken out of the queue."""
        return self is JobStatus.QUEUED


class ImageStatus(enum.StrEnum):
    """Lifecycle of one generated image; the rule properties below are the only copy of the status rules."""

    PENDING = "pending"
    APPROVED = "approved"
    QC_FAILED = "qc_failed"
    RETRY_PENDING = "retry_pending"
    PROCESSING = "processing"
    RETRY_FAILED = "retry_failed"
    # Paid for, but its file never arrived; the vendor's URL is on the row and resume fetches it.
    DOWNLOAD_FAILED = "download_failed"

    @property
    def label(self) -> str:
        """Return the status in words for the page."""
        return _IMAGE_LABELS[self]

    @property
    def needs_download(self) -> bool:
        """Return True for a paid image whose file resume must still fetch from the vendor's URL."""
        # Not `is_failed`: the Failed Images retry reprocesses a file, and this image has none yet.
        return self is ImageStatus.DOWNLOAD_FAILED

    @property
    def is_approved(self) -> bool:
        """Return True for an image in the output folder."""
        return self is ImageStatus.APPROVED

    @property
    def is_failed(self) -> bool:
        """Return True for an image the quality check, processing or a retry rejected."""
        return self in {ImageStatus.QC_FAILED, ImageStatus.RETRY_FAILED}

    @property
    def is_retryable(self) -> bool:
        """Return True when the image may be queued for a retry or a manual approve."""
        return self.is_failed

    @property
    def is_in_retry(self) -> bool:
        """Return True while a retry of the image waits in the queue or runs."""
        return self in {ImageStatus.RETRY_PENDING, ImageStatus.PROCESSING}

    @property
    def is_processing(self) -> bool:
        """Return True while the retry worker has the image in hand."""
        return self is ImageStatus.PROCESSING

    @property
    def can_delete(self) -> bool:
        """Return True when the image may be deleted (not while the retry worker holds its file)."""
        return self is not ImageStatus.PROCESSING


_IMAGE_LABELS = {
    ImageStatus.PENDING: "Pending",
    ImageStatus.APPROVED: "Approved",
    ImageStatus.QC_FAILED: "QC failed",
    ImageStatus.RETRY_PENDING: "Retry pending",
    ImageStatus.PROCESSING: "Processing",
    ImageStatus.RETRY_FAILED: "Retry failed",
    ImageStatus.DOWNLOAD_FAILED: "Download failed",
}


class FailureStage(enum.StrEnum):
    """Stages whose failure gives the reason `processing_failed:<stage>`."""

    PROMPT = "prompt"
    GENERATION = "generation"
    DOWNLOAD = "download"
    QC = "qc"
    INPUT = "input"  # the image file itself is unusable: unreadable, animated or too large
    REMOVE_BG = "remove_bg"
    TRIM = "trim"
    ENHANCEMENT = "enhancement"
    CONVERT = "convert"
    METADATA = "metadata"
    SAVE_FINAL = "save_final"
    # A retry that failed outside any one stage (an internal error, a missing key) is recorded as this.
    PROCESSING = "processing"

    @property
    def reason(self) -> str:
        """Return the stored reason string for a failure at this stage."""
        return f"processing_failed:{self.value}"

    @property
    def label(self) -> str:
        """Return the failure in words a user understands."""
        return _STAGE_LABELS[self]


_STAGE_LABELS = {
    FailureStage.PROMPT: "Prompt failed",
    FailureStage.GENERATION: "Generation failed",
    FailureStage.DOWNLOAD: "Download failed",
    FailureStage.QC: "QC analysis failed",
    FailureStage.INPUT: "Unusable image file",
    FailureStage.REMOVE_BG: "Background removal failed",
    FailureStage.TRIM: "Trim failed",
    FailureStage.ENHANCEMENT: "Enhancement failed",
    FailureStage.CONVERT: "Conversion failed",
    FailureStage.METADATA: "Metadata failed",
    FailureStage.SAVE_FINAL: "Save failed",
    FailureStage.PROCESSING: "Processing failed",
}

# Every reason code the app writes, in words; other reasons (the QC model's own words) are shown as they are.
# An imported file whose content was imported before (pipeline/imports.py): flagged, retry imports it anyway.
DUPLICATE_REASON = "duplicate"
REASON_LABELS: dict[str, str] = {**{stage.reason: stage.label for stage in FailureStage},
                                 DUPLICATE_REASON: "Already imported (same content)"}


def reason_label(reason: str | None) -> str:
    """Return a stored reason in words a user understands (free-text reasons pass through)."""
    if not reason:
        return ""
    return REASON_LABELS.get(reason, reason)


# A failed image's badge names the stage that failed, short enough for a card; the reason line has the detail.
_STAGE_BADGES = {
    FailureStage.PROMPT: "Prompt failed", FailureStage.GENERATION: "Generation failed",
    FailureStage.DOWNLOAD: "Download failed", FailureStage.QC: "QC failed",
    FailureStage.REMOVE_BG: "BG removal failed", FailureStage.TRIM: "Trim failed",
    FailureStage.ENHANCEMENT: "Enhance failed", FailureStage.CONVERT: "Convert failed",
    FailureStage.METADATA: "Metadata failed", FailureStage.SAVE_FINAL: "Save failed",
    FailureStage.PROCESSING: "Processing failed",
}
_BADGES_BY_REASON = {stage.reason: label for stage, label in _STAGE_BADGES.items()}


def image_badge_label(status: ImageStatus, reason: str | None) -> str:
    """Return a status badge's words: for a failed image, the stage that failed (the QC model's words: QC)."""
    if status.is_failed and reason in _BADGES_BY_REASON:
        return _BADGES_BY_REASON[reason]
    return status.label

class StopReason(enum.StrEnum):
    """Why the app (not the user) stopped an execution; it stays `stopped`, so resumable."""

    BUDGET = "budget"
    DAILY_BUDGET = "daily_budget"

    @property
    def label(self) -> str:
        """Return the reason in words for the page, the log and the summary."""
        return "Budget reached" if self is StopReason.BUDGET else "Daily budget reached"


class ChargeStep(enum.StrEnum):
    """The step a paid call served, for the cost breakdown."""

    PROMPT = "prompt"
    RENDER = "render"
    QC = "qc"
    REMOVE_BG = "remove_bg"
    METADATA = "metadata"
    RETRY = "retry"  # processing retries from Failed Images Review

    @property
    def label(self) -> str:
        """Return the step in words for the page and the workbook."""
        return _CHARGE_STEP_LABELS[self]


_CHARGE_STEP_LABELS = {
    ChargeStep.PROMPT: "Prompts", ChargeStep.RENDER: "Renders", ChargeStep.QC: "Quality check",
    ChargeStep.REMOVE_BG: "Background removal", ChargeStep.METADATA: "Metadata", ChargeStep.RETRY: "Retries",
}


@dataclass(frozen=True)
class Charge:
    """What one paid call cost (a render's cost is split over the images it made, one row each)."""

    execution_id: int
    vendor: str
    model: str
    step: ChargeStep
    amount: float
    is_estimated: bool
    image_id: int | None = None
    at: datetime | None = None
    id: int | None = None


class RetryStatus(enum.StrEnum):
    """Lifecycle of one queued retry task."""

    PENDING = "retry_pending"
    PROCESSING = "processing"
    DONE = "approved"
    FAILED = "retry_failed"
    CANCELLED = "cancelled"


class LogLevel(enum.StrEnum):
    """Severity of a job log record."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class JobConfiguration:
    """A named, editable job configuration (settings without secrets)."""

    id: int
    name: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class JobExecution:
    """One run of a job."""

    id: int
    label: str
    status: JobStatus
    configuration_id: int | None
    parent_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    planned: int
    generated: int
    approved: int
    qc_failed: int
    failed: int
    cost: float
    error: str | None
    settings_snapshot: dict[str, Any]
    queue_position: int | None
    completed_generations: tuple[int, ...] = ()
    # Paid images whose file never arrived (`download_failed`): resume fetches them from their recorded URL.
    awaiting_download: int = 0
    # Why a stopped execution stopped when it was not the user (a spending cap); None otherwise.
    stop_reason: StopReason | None = None

    @property
    def is_resumable(self) -> bool:
        """Return True when resume may queue the execution: its status says so, or paid images await their files."""
        # A finished job (even completed) with a billed image still to download resumes to fetch it: nothing
        # is rendered again, so nothing is billed twice.
        return self.status.is_resumable or (self.status.is_terminal and self.awaiting_download > 0)

    @property
    def duration_seconds(self) -> float | None:
        """Return the wall time of the run, if it started."""
        if self.started_at is None:
            return None
        end = self.finished_at or datetime.now()
        return max(0.0, (end - self.started_at).total_seconds())


@dataclass(frozen=True)
class ProcessingRecord:
    """What processing did to one image: applied steps, soft failures, credits."""

    applied: tuple[str, ...] = ()
    soft_failures: tuple[dict[str, str], ...] = ()
    credits: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    moving_to: str = ""
    skipped: str = ""  # why processing did not run at all (a vector image), in words for the UI

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready form stored in the database."""
        return {
            "applied": list(self.applied),
            "soft_failures": [dict(f) for f in self.soft_failures],
            "credits": self.credits,
            "settings": dict(self.settings),
            "error": self.error,
            "moving_to": self.moving_to,
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ProcessingRecord:
        """Build a record from its stored JSON form (tolerating missing keys)."""
        data = data or {}
        return cls(
            applied=tuple(data.get("applied", ())),
            soft_failures=tuple(dict(f) for f in data.get("soft_failures", ())),
            credits=float(data.get("credits", 0.0) or 0.0),
            settings=dict(data.get("settings", {}) or {}),
            error=str(data.get("error", "") or ""),
            moving_to=str(data.get("moving_to", "") or ""),
            skipped=str(data.get("skipped", "") or ""),
        )


# provider_ids key: where a paid image's file is downloaded from (resume fetches it again from there).
SOURCE_URL = "source_url"
# provider_ids keys of a paid call whose answer was lost: CHARGE_UNKNOWN marks it, the task's id (Runware's
# taskUUID, PiAPI's task_id) lets resume ask the vendor for the result, and NO_RESULT holds the vendor's "no
# such result" once asked, so it is never asked again.
CHARGE_UNKNOWN = "charge_unknown"
LOST_TASK_KEYS = ("taskUUID", "task_id")
NO_RESULT = "no_result"


def lost_task_id(provider_ids: dict[str, Any]) -> str | None:
    """Return the task id resume may ask the vendor about for a lost answer's row, else None."""
    if not provider_ids.get(CHARGE_UNKNOWN) or provider_ids.get(NO_RESULT) or provider_ids.get(SOURCE_URL):
        return None
    for key in LOST_TASK_KEYS:
        value = provider_ids.get(key)
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class StockMetadata:
    """Title, description and keywords for a stock upload."""

    title: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    category: str = ""
    # Per stock site id (see export/targets): that site's category values, e.g. {"adobe": ("8",),
    # "shutterstock": ("Animals/Wildlife", "Nature")}. Each value comes from the site's fixed list.
    categories: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def categories_for(self, site: str) -> tuple[str, ...]:
        """Return the chosen categories for one stock site (empty when none was chosen)."""
        return dict(self.categories).get(site, ())

    def with_categories(self, site: str, values: tuple[str, ...]) -> StockMetadata:
        """Return a copy with one site's categories replaced (sites kept in name order)."""
        chosen = dict(self.categories)
        chosen[site] = tuple(values)
        return replace(self, categories=tuple(sorted((k, v) for k, v in chosen.items() if v)))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready form stored in the database."""
        return {
            "title": self.title,
            "description": self.description,
            "keywords": list(self.keywords),
            "category": self.category,
            "categories": {site: list(values) for site, values in self.categories},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> StockMetadata:
        """Build metadata from its stored JSON form."""
        data = data or {}
        return cls(
            title=str(data.get("title", "") or ""),
            description=str(data.get("description", "") or ""),
            keywords=tuple(str(k) for k in data.get("keywords", ()) or ()),
            category=str(data.get("category", "") or ""),
            categories=tuple(sorted(
                (str(site), tuple(str(v) for v in values))
                for site, values in dict(data.get("categories") or {}).items() if values
            )),
        )

    @property
    def is_empty(self) -> bool:
        """Return True when no field carries text."""
        return not (self.title or self.description or self.keywords)


@dataclass(frozen=True)
class Ownership:
    """Creator and copyright line written into image files; empty means keep what the file has."""

    creator: str = ""
    copyright: str = ""


@dataclass(frozen=True)
class GeneratedImage:
    """One image row: where it is, what it is, how far it got."""

    id: int
    mapping_id: str
    execution_id: int
    generation_index: int
    variation_index: int
    prompt: str
    keyword: str
    seed: int | None
    provider: str
    provider_ids: dict[str, Any]
    status: ImageStatus
    reason: str | None
    temp_path: str | None
    final_path: str | None
    metadata: StockMetadata
    processing: ProcessingRecord
    cost: float
    created_at: datetime
    updated_at: datetime
    execution_label: str = ""

    @property
    def current_path(self) -> str | None:
        """Return the file the image lives in now: the final file, else the temp file."""
        return self.final_path or self.temp_path


@dataclass(frozen=True)
class NewImage:
    """What the pipeline records the moment a paid-for image lands on disk."""

    mapping_id: str
    execution_id: int
    generation_index: int
    variation_index: int
    prompt: str
    keyword: str
    seed: int | None
    provider: str
    provider_ids: dict[str, Any]
    temp_path: str
    cost: float = 0.0
    status: ImageStatus = ImageStatus.PENDING
    reason: str | None = None


@dataclass(frozen=True)
class LogRecord:
    """One structured job log line."""

    time: datetime
    level: LogLevel
    message: str
    step: str = ""
    sub_step: str = ""
    image_index: int | None = None
    duration_ms: float | None = None
    error_code: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    execution_id: int | None = None


@dataclass(frozen=True)
class RetryTask:
    """One queued processing-only retry of an image."""

    id: int
    image_id: int
    mode: str
    settings: dict[str, Any]
    status: RetryStatus
    created_at: datetime
    updated_at: datetime
    error: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a server-side list."""

    items: list[T]
    total: int
    page: int
    page_size: int


class CancelToken:
    """Cooperative cancellation shared by a job's threads: stop (graceful) and force stop (abort now)."""

    def __init__(self) -> None:
        import threading

        self._stop = threading.Event()
        self._abort = threading.Event()
        self._no_new_charges = threading.Event()
        self._lock = threading.Lock()
        self._hooks: dict[int, Any] = {}
        self._next_hook = 0

    def request_stop(self) -> None:
        """Ask for a graceful stop: finish in-flight images, start nothing new."""
        self._stop.set()

    def request_abort(self) -> None:
        """Ask for a force stop: run every registered abort hook (closing in-flight connections) now."""
        self._stop.set()
        self._abort.set()
        with self._lock:
            hooks = list(self._hooks.values())
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - an abort hook must not stop the others
                pass

    def add_abort_hook(self, hook: Any) -> int:
        """Register a callable run on force stop (e.g. closing an HTTP client); return its handle."""
        with self._lock:
            self._next_hook += 1
            self._hooks[self._next_hook] = hook
            handle = self._next_hook
        if self._abort.is_set():
            hook()
        return handle

    def remove_abort_hook(self, handle: int) -> None:
        """Forget a hook once its call is over."""
        with self._lock:
            self._hooks.pop(handle, None)

    @property
    def is_stopping(self) -> bool:
        """Return True once a stop or force stop was asked for."""
        return self._stop.is_set()

    @property
    def is_aborted(self) -> bool:
        """Return True once a force stop was asked for."""
        return self._abort.is_set()

    def refuse_new_charges(self) -> None:
        """Let calls already sent finish, but send no new paid request (a force stop's kept render)."""
        self._no_new_charges.set()

    @property
    def refuses_new_charges(self) -> bool:
        """Return True when no new paid request may be sent: after a force stop, or when told so."""
        return self._no_new_charges.is_set() or self._abort.is_set()

    def wait_aborted(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early on force stop; return True if aborted."""
        return self._abort.wait(timeout)
