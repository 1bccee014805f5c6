"""The job service's lifecycle events, and the runner's events written through the repository."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Any

from gif_app.domain import Charge, ChargeStep, GeneratedImage, ImageStatus, NewImage, ProcessingRecord, StockMetadata
from gif_app.jobs.progress import ProgressTracker
from gif_app.logs import Redactor
from gif_app.store.repository import Repository

_UNSET: Any = ...


class JobEvent(enum.StrEnum):
    """What a JobService listener hears; a StrEnum, so `event == "finished"` keeps working."""

    STARTED = "started"
    FINISHED = "finished"


class RepositoryEvents:
    """Implements the pipeline's RunEvents over the repository."""

    def __init__(self, repo: Repository, execution_id: int, tracker: ProgressTracker,
                 redactor: Redactor | None = None) -> None:
        self._repo = repo
        self._execution_id = execution_id
        self.tracker = tracker
        self._redactor = redactor or Redactor(lambda: ())

    def record_image(self, new: NewImage) -> GeneratedImage:
        """Record a freshly downloaded image (a key pasted into a keyword file is masked before it is stored)."""
        redact = self._redactor.redact
        image = self._repo.record_image(replace(new, prompt=redact(new.prompt), keyword=redact(new.keyword)))
        self._refresh()
        return image

    def update_image(self, image_id: int, *, status: ImageStatus | None = None, reason: str | None = _UNSET,
                     temp_path: str | None = _UNSET, final_path: str | None = _UNSET,
                     metadata: StockMetadata | None = None, processing: ProcessingRecord | None = None,
                     ) -> GeneratedImage:
        """Update the given fields of an image."""
        fields: dict[str, Any] = {}
        for name, value in (("reason", reason), ("temp_path", temp_path), ("final_path", final_path)):
            if value is not _UNSET:
                fields[name] = value
        if isinstance(fields.get("reason"), str):
            fields["reason"] = self._redactor.redact(fields["reason"])
        if metadata is not None:
            metadata = StockMetadata.from_json(self._redactor.redact_data(metadata.to_json()))
        if processing is not None:
            processing = ProcessingRecord.from_json(self._redactor.redact_data(processing.to_json()))
        image = self._repo.update_image(image_id, status=status, metadata=metadata, processing=processing,
                                        **fields)
        if status is not None:
            self._refresh()
        return image

    def record_charge(self, charge: Charge) -> None:
        """Record a charge; the running job's progress shows the new total at once."""
        recorded = self._repo.record_charge(charge)
        self.tracker.add_cost(recorded.amount)

    def update_provider_ids(self, image_id: int, provider_ids: dict[str, Any]) -> GeneratedImage:
        """Replace an image's vendor ids."""
        image = self._repo.update_provider_ids(image_id, provider_ids)
        self._refresh()  # whether resume can still fetch it may have changed
        return image

    def replace_charges(self, image_id: int, step: ChargeStep, charges: list[Charge]) -> float:
        """Replace an image's charges of a step; the running job's progress shows the new total at once."""
        change = self._repo.replace_charges(image_id, step, charges)
        self.tracker.add_cost(change)
        return change

    def generation_recorded(self, index: int) -> None:
        """Persist that the generation's images are all recorded."""
        self._repo.record_generation_done(self._execution_id, index)

    def progress(self, event: str, **data: Any) -> None:
        """Feed the tracker."""
        self.tracker.on_event(event, **data)

    def _refresh(self) -> None:
        self._repo.refresh_counts(self._execution_id)
        execution = self._repo.get_execution(self._execution_id)
        self.tracker.set_counts({"generated": execution.generated, "approved": execution.approved,
                                 "qc_failed": execution.qc_failed, "processing_failed": execution.failed},
                                execution.cost)
