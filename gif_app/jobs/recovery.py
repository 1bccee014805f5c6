"""Start-up reconciliation after a crash: interrupted jobs, stuck retries, rows and files made to agree."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from gif_app.domain import FailureStage, ImageStatus, JobStatus, NewImage
from gif_app.pipeline.generate import parse_temp_name
from gif_app.store.repository import Repository

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = "The app closed while this job ran. Resume it to finish the remaining generations."


@dataclass
class RecoveryReport:
    """What start-up reconciliation changed."""

    interrupted: list[int] = field(default_factory=list)
    retries_requeued: int = 0
    moves_completed: int = 0
    missing_files: int = 0
    adopted_files: int = 0

    @property
    def is_empty(self) -> bool:
        """Return True when nothing needed fixing."""
        return not (self.interrupted or self.retries_requeued or self.moves_completed or self.missing_files
                    or self.adopted_files)


def recover(repo: Repository, temp_dirs: list[Path]) -> RecoveryReport:
    """Reconcile the database with the disk after an unclean exit."""
    report = RecoveryReport()
    for execution in repo.executions_with_status(JobStatus.RUNNING):
        repo.update_execution(execution.id, status=JobStatus.INTERRUPTED, error=INTERRUPTED_MESSAGE)
        report.interrupted.append(execution.id)
        _reconcile_images(repo, execution.id, report)
        repo.refresh_counts(execution.id)
    report.retries_requeued = repo.reset_stuck_retries()
    for folder in {d.resolve() for d in temp_dirs if d.is_dir()}:
        _adopt_orphans(repo, folder, report)
    if not report.is_empty:
        log.warning("crash recovery: %s", report)
    return report


def _reconcile_images(repo: Repository, execution_id: int, report: RecoveryReport) -> None:
    for image in repo.images_of_execution(execution_id):
        if image.status is ImageStatus.PROCESSING:
            repo.update_image(image.id, status=ImageStatus.RETRY_PENDING)
        has_temp = bool(image.temp_path) and Path(image.temp_path or "").is_file()
        has_final = bool(image.final_path) and Path(image.final_path or "").is_file()
        if has_temp or has_final:
            continue
        moving_to = image.processing.moving_to
        if moving_to and Path(moving_to).is_file():
            # The move finished but the row was not updated: complete the bookkeeping.
            repo.update_image(image.id, status=ImageStatus.APPROVED, temp_path=None, final_path=moving_to)
            report.moves_completed += 1
            continue
        repo.update_image(image.id, status=ImageStatus.QC_FAILED, reason=FailureStage.SAVE_FINAL.reason)
        report.missing_files += 1


def _adopt_orphans(repo: Repository, folder: Path, report: RecoveryReport) -> None:
    for path in folder.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        parsed = parse_temp_name(path)
        if parsed is None:
            continue
        execution_id, generation, variation, mapping_id = parsed
        if repo.find_image_by_mapping(mapping_id) is not None:
            continue
        try:
            execution = repo.get_execution(execution_id)
        except Exception:  # noqa: BLE001 - a file of a deleted job is left alone
            continue
        # The file was paid for and written, but the crash came before its row: keep it, for review.
        repo.record_image(NewImage(
            mapping_id=mapping_id, execution_id=execution.id, generation_index=generation,
            variation_index=variation, prompt="", keyword="", seed=None, provider="", provider_ids={},
            temp_path=str(path), status=ImageStatus.PENDING, reason="Recovered after a crash"))
        report.adopted_files += 1
