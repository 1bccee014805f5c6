"""What a job run carries through the stages: its plan, its providers and the events it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from gif_app.domain import (
    CancelToken,
    Charge,
    ChargeStep,
    GeneratedImage,
    ImageStatus,
    NewImage,
    Ownership,
    ProcessingRecord,
    StockMetadata,
)
from gif_app.logs import JobLog
from gif_app.pipeline.keywords import KeywordPick
from gif_app.pipeline.metadata import MetadataLimits
from gif_app.pipeline.process import ProcessingSettings
from gif_app.pipeline.spending import SpendMeter
from gif_app.providers.base import (
    BackgroundRemover,
    ImageGenerator,
    MetadataWriter,
    PromptWriter,
    RenderRequest,
    VisionJudge,
)


@dataclass(frozen=True)
class Generation:
    """One planned generation: its index, keywords and the render request minus the prompt."""

    index: int
    pick: KeywordPick
    request: RenderRequest
    source: str = ""  # an import job's source file: copied instead of rendered


@dataclass(frozen=True)
class StagePolicy:
    """How the image stages end an image: a job's policy by default; a retry passes its own."""

    # None: every processing step and metadata fail hard (the job's rule); a set: only those stages do, the
    # others soft-fail, are recorded on the image, and the image goes on.
    hard_fail_stages: frozenset[str] | None = None
    failed_status: ImageStatus = ImageStatus.QC_FAILED
    # Empty: an approved image keeps its own reason (a job's images have none, or "Recovered after a crash").
    approved_reason: str = ""
    # A bad key or an empty account ends a job (its image stays pending for resume); a retry has nothing to
    # resume, so there such an error is the stage's failure like any other.
    account_errors_end_run: bool = True
    # What the job log says when a cancellation cuts an image's journey short.
    cancelled_message: str = "Force stop: image left for resume"

    def is_hard(self, stage: str) -> bool:
        """Return True when a failure of `stage` fails the image."""
        return self.hard_fail_stages is None or stage in self.hard_fail_stages


@dataclass(frozen=True)
class JobPlan:
    """Everything decided at initialization, from the job's settings snapshot."""

    execution_id: int
    label: str
    started_at: datetime
    generations: tuple[Generation, ...]
    variations: int
    concurrency: int
    temp_dir: Path
    output_dir: Path
    use_llm_prompts: bool
    prompt_template: str | None
    run_qc: bool
    qc_prompt: str
    run_metadata: bool
    metadata_template: str | None
    limits: MetadataLimits
    processing: ProcessingSettings
    filename_template: str
    filename_max_length: int
    embed_metadata: bool
    prompt_retries: int
    provider: str
    policy: StagePolicy = field(default_factory=StagePolicy)
    ownership: Ownership = field(default_factory=Ownership)
    # SHA-256 -> the image that first brought this content in (earlier imports; the run adds its own).
    imported: dict[str, str] = field(default_factory=dict)
    import_metadata: str = "replace"  # keep | merge | replace what an imported file already carries


@dataclass
class ProviderSet:
    """The vendor adapters a run uses (None where the step is off or unavailable; a retry never renders)."""

    generator: ImageGenerator | None = None
    prompt_writer: PromptWriter | None = None
    judge: VisionJudge | None = None
    metadata_writer: MetadataWriter | None = None
    remover: BackgroundRemover | None = None
    remover_problem: str = ""
    metadata_problem: str = ""


class RunEvents(Protocol):
    """How the runner records its work (implemented by the job service over the repository)."""

    def record_image(self, new: NewImage) -> GeneratedImage:
        """Record a freshly downloaded image."""
        ...

    def update_image(self, image_id: int, *, status: ImageStatus | None = None, reason: str | None = ...,
                     temp_path: str | None = ..., final_path: str | None = ...,
                     metadata: StockMetadata | None = None, processing: ProcessingRecord | None = None,
                     ) -> GeneratedImage:
        """Update the given fields of an image."""
        ...

    def record_charge(self, charge: Charge) -> None:
        """Record what one paid call (or an image's share of it) cost."""
        ...

    def update_provider_ids(self, image_id: int, provider_ids: dict[str, Any]) -> GeneratedImage:
        """Replace an image's vendor ids (what a lost answer read back by its task id said)."""
        ...

    def replace_charges(self, image_id: int, step: ChargeStep, charges: list[Charge]) -> float:
        """Replace an image's charges of a step by settled ones (a lost answer read back); return the change."""
        ...

    def generation_recorded(self, index: int) -> None:
        """Note that every image of a generation is on disk and recorded (resume skips it)."""
        ...

    def progress(self, event: str, **data: Any) -> None:
        """Report a progress event (generation_started, rendered, image_done, generation_done, ...)."""
        ...


@dataclass
class RunContext:
    """A run: plan, providers, events, log and cancellation."""

    plan: JobPlan
    providers: ProviderSet
    events: RunEvents
    log: JobLog
    cancel: CancelToken
    stats: dict[str, Any] = field(default_factory=dict)
    spend: SpendMeter = field(default_factory=SpendMeter)  # no caps unless the job service sets them
