"""What one processing-only retry runs with: its request, its settings, and the run context of the image stages.

A retry is a run of the job's own image stages (pipeline/image_stages.py) over a plan made for it: the job's
settings snapshot plus, for "modified", the retry modal's processing values validated by the settings schema;
never generation, never QC; metadata when asked for (or when the job wrote it); finalize with its move intent.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gif_app import settings as settings_mod
from gif_app.domain import (
    CancelToken,
    Charge,
    ChargeStep,
    GeneratedImage,
    ImageStatus,
    JobExecution,
    LogRecord,
    ProcessingRecord,
    RetryTask,
    StockMetadata,
)
from gif_app.errors import NotFoundError, ValidationError
from gif_app.file_ops import remove_file
from gif_app.jobs.events import RepositoryEvents
from gif_app.jobs.planning import (
    ProviderAccess,
    build_background_remover,
    images_per_generation,
    read_template,
    timeout_seconds,
)
from gif_app.jobs.progress import ProgressTracker
from gif_app.logs import JobLog, Redactor
from gif_app.paths import HomeLayout
from gif_app.pipeline.context import JobPlan, ProviderSet, RunContext, StagePolicy
from gif_app.pipeline.metadata import limits_from_validated, ownership_from_validated
from gif_app.pipeline.process import ProcessingSettings
from gif_app.providers.factory import build_text_model
from gif_app.settings_schema import SETTINGS
from gif_app.stock_target import filename_limit
from gif_app.store.repository import Repository
from gif_app.vendors import vendor_label

log = logging.getLogger(__name__)

_UNSET: Any = ...  # "field not given", as in RepositoryEvents.update_image

# A retry's working copy sits beside the original in the temp folder under this prefix.
WORKING_PREFIX = ".retry-"
RETRY_STAGES = ("remove_bg", "trim", "enhancement", "convert", "metadata")
MODES = ("original", "modified", "approve")
APPROVED_REASONS = {"approve": "Approved manually", "original": "Retry processing successful",
                    "modified": "Retry processing successful"}


@dataclass(frozen=True)
class RetryRequest:
    """What a retry task asks for; `processing` holds validated "processing.<name>" overrides (modified only)."""

    mode: str  # original | modified | approve
    processing: dict[str, Any]
    include_metadata: bool
    hard_fail: frozenset[str]

    @classmethod
    def from_task(cls, task: RetryTask) -> RetryRequest:
        """Rebuild the request from a stored task."""
        data = task.settings
        # Tasks queued by an older version hold the modal's bare names ("sharpening"): they get their section.
        return cls(mode=task.mode, processing=processing_overrides(data.get("processing")),
                   include_metadata=bool(data.get("include_metadata")),
                   hard_fail=frozenset(s for s in data.get("hard_fail") or () if s in RETRY_STAGES))


def processing_overrides(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the modal's processing values as "processing.<name>" keys; refuse keys of no processing setting."""
    flat: dict[str, Any] = {}
    unknown: dict[str, str] = {}
    for name, value in (values or {}).items():
        key = name if str(name).startswith("processing.") else f"processing.{name}"
        if key in SETTINGS:
            flat[key] = value
        else:
            unknown[key] = "Not a processing setting."
    if unknown:
        raise ValidationError("Some settings need attention.", unknown)
    return flat


def job_settings(execution: JobExecution) -> settings_mod.Settings:
    """Return the as-run settings of an image's job (a value a newer schema refuses falls back to its default)."""
    return settings_mod.validate(execution.settings_snapshot)[0]


def retry_settings(execution: JobExecution, request: RetryRequest) -> settings_mod.Settings:
    """Return the job's settings, with a modified retry's processing values merged in and validated."""
    settings = job_settings(execution)
    if request.mode != "modified" or not request.processing:
        return settings
    # The Settings panel's own validation: out-of-range values are refused with the panel's per-field messages.
    return settings_mod.validated({**settings_mod.flatten(settings), **request.processing})


def stage_policy(request: RetryRequest, settings: settings_mod.Settings) -> StagePolicy:
    """Return how the stages end a retried image: the chosen hard-fail steps fail it as retry_failed."""
    hard = set(request.hard_fail)
    if request.mode == "original":
        hard.add("remove_bg")  # with the job's own settings a failed cut-out is never silently approved
    if settings["processing"]["remove_bg"] and settings["processing"]["remove_bg_failure_mode"] == "mark_failed":
        hard.add("remove_bg")
    return StagePolicy(hard_fail_stages=frozenset(hard), failed_status=ImageStatus.RETRY_FAILED,
                       approved_reason=APPROVED_REASONS[request.mode], account_errors_end_run=False,
                       cancelled_message="Retry cancelled: the image keeps its file and can be retried again")


def runs_metadata(request: RetryRequest, settings: settings_mod.Settings) -> bool:
    """Return True when the retry writes metadata: asked for, or (original, approve) the job wrote it."""
    return request.include_metadata or (request.mode != "modified" and bool(settings["ai"]["run_metadata_gen"]))


def build_retry_plan(execution: JobExecution, settings: settings_mod.Settings, request: RetryRequest,
                     home: HomeLayout) -> JobPlan:
    """Return the plan of one retry: no generations, no QC, the job's naming, folders and limits."""
    paths, output, params = settings["file_paths"], settings["output"], settings["parameters"]
    has_metadata = runs_metadata(request, settings)
    template = read_template(paths["metadata_prompt_file"], "metadata prompt file") if has_metadata else None
    return JobPlan(
        execution_id=execution.id, label=execution.label, started_at=execution.started_at or datetime.now(),
        generations=(), variations=images_per_generation(settings), concurrency=1,
        temp_dir=Path(paths["temp_directory"]).expanduser() if paths["temp_directory"] else home.default_temp,
        output_dir=Path(paths["output_directory"]).expanduser() if paths["output_directory"]
        else home.default_output,
        use_llm_prompts=False, prompt_template=None, run_qc=False, qc_prompt="",
        run_metadata=has_metadata, metadata_template=template, limits=limits_from_validated(settings),
        processing=ProcessingSettings.from_validated(settings),
        filename_template=output["filename_template"], filename_max_length=filename_limit(settings),
        embed_metadata=output["embed_metadata"], prompt_retries=params["generation_retries"],
        provider=params["provider"], policy=stage_policy(request, settings),
        ownership=ownership_from_validated(settings))


def build_retry_providers(settings: settings_mod.Settings, plan: JobPlan, access: ProviderAccess) -> ProviderSet:
    """Return the remover and metadata model a retry needs; a missing key is left to the stage's policy."""
    params = settings["parameters"]
    timeout, retries = timeout_seconds(settings), params["generation_retries"]
    backoff = params["generation_retry_backoff_ms"] / 1000.0
    access = access.for_run(settings)
    providers = ProviderSet()
    if plan.processing.remove_bg:
        providers.remover, providers.remover_problem = build_background_remover(settings, access)
    if plan.run_metadata:
        if access.keys.get("openai"):
            providers.metadata_writer = build_text_model(access.keys["openai"], access.base_urls.get("openai", ""),
                                                         params["openai_model"], timeout, retries, backoff)
        else:
            providers.metadata_problem = f"No {vendor_label('openai')} API key is set."
    return providers


class RetryEvents(RepositoryEvents):
    """The job's repository events for a retry that works on a copy of the image's file.

    The row keeps naming the untouched original while the stages write the working copy, so a failed,
    cancelled or crashed retry leaves the original pixels for the next attempt. It remembers where the
    retry moved its file (to undo the move if the rows vanish).
    """

    def __init__(self, repo: Repository, execution: JobExecution, redactor: Redactor) -> None:
        super().__init__(repo, execution.id, ProgressTracker(execution.id, execution.label, 0, 1), redactor)
        self.moved_to: Path | None = None
        self.working_path: Path | None = None

    def update_image(self, image_id: int, *, status: ImageStatus | None = None, reason: str | None = _UNSET,
                     temp_path: str | None = _UNSET, final_path: str | None = _UNSET,
                     metadata: StockMetadata | None = None, processing: ProcessingRecord | None = None,
                     ) -> GeneratedImage:
        """Update the given fields of an image; a final path is noted before the write, which may fail."""
        if isinstance(final_path, str):
            self.moved_to = Path(final_path)
        if isinstance(temp_path, str) and self.working_path is not None:
            self.working_path = Path(temp_path)  # the working copy's new name; the row keeps the original
            temp_path = _UNSET
        image = super().update_image(image_id, status=status, reason=reason, temp_path=temp_path,
                                     final_path=final_path, metadata=metadata, processing=processing)
        if image.temp_path and self.working_path is not None:
            return replace(image, temp_path=str(self.working_path))  # the stages go on with the copy
        return image

    def progress(self, event: str, **data: Any) -> None:
        """Ignore progress events: a retry has no job progress bar."""

    def record_charge(self, charge: Charge) -> None:
        """Record a retry's paid call under the step "retry", so the job's breakdown tells it apart."""
        super().record_charge(replace(charge, step=ChargeStep.RETRY))


def working_copy(original: Path, mapping_id: str) -> Path:
    """Copy the image's file to the retry's working file beside it and return that path."""
    target = original.with_name(f"{WORKING_PREFIX}{mapping_id}{original.suffix}")
    shutil.copyfile(original, target)
    return target


def remove_working_copies(original: Path, mapping_id: str) -> None:
    """Delete what is left of a retry's working file (any format it was converted to)."""
    for leftover in original.parent.glob(f"{WORKING_PREFIX}{mapping_id}.*"):
        try:
            remove_file(leftover)
        except OSError as exc:  # held open by another program: a leftover in temp, never the retry's outcome
            log.warning("could not remove the retry's working file %s: %s", leftover, exc)


class RetryLogSink:
    """Writes a retry's lines to its job's log; lines of a job deleted meanwhile are dropped, not fatal."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    def append_logs(self, execution_id: int, records: list[LogRecord]) -> None:
        """Persist the records unless their job is gone."""
        try:
            self._repo.append_logs(execution_id, records)
        except Exception:
            if self._job_exists(execution_id):
                raise
            log.info("job %s was deleted during a retry; %d log line(s) dropped", execution_id, len(records))

    def _job_exists(self, execution_id: int) -> bool:
        try:
            self._repo.get_execution(execution_id)
        except NotFoundError:
            return False
        return True


@dataclass
class RetryRun:
    """One retry in hand: its context (plan, providers, events, log, cancellation) and its events."""

    context: RunContext
    events: RetryEvents


def build_retry_run(repo: Repository, execution: JobExecution, request: RetryRequest, home: HomeLayout,
                    access: ProviderAccess, cancel: CancelToken) -> RetryRun:
    """Return the run context of one retry (ValidationError or ConfigurationError when it cannot run)."""
    settings = retry_settings(execution, request)
    plan = build_retry_plan(execution, settings, request, home)
    providers = build_retry_providers(settings, plan, access)
    secrets = tuple(k for k in access.keys.values() if k)
    redactor = Redactor(lambda: secrets)
    events = RetryEvents(repo, execution, redactor)
    job_log = JobLog(execution.id, RetryLogSink(repo), redactor)
    return RetryRun(RunContext(plan, providers, events, job_log, cancel), events)
