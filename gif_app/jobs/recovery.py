"""Start-up reconciliation after a crash: interrupted jobs, stuck retries, rows and files made to agree."""

from __future__ import annotations

import enum
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from gif_app.domain import (
    FailureStage,
    GeneratedImage,
    ImageStatus,
    JobExecution,
    JobStatus,
    NewImage,
    RetryStatus,
)
from gif_app.errors import NotFoundError
from gif_app.file_ops import remove_file
from gif_app.jobs.retry_plan import APPROVED_REASONS, remove_working_copies
from gif_app.pipeline.generate import parse_temp_name
from gif_app.store.repository import Repository
from gif_app.vector import PREVIEW_SUFFIX

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = "The app closed while this job ran. Resume it to finish the remaining generations."
ADOPTED_REASON = "Recovered after a crash"


@dataclass
class RecoveryReport:
    """What start-up reconciliation changed."""

    interrupted: list[int] = field(default_factory=list)
    retries_requeued: int = 0
    images_requeued: int = 0
    moves_completed: int = 0
    paths_repaired: int = 0
    missing_files: int = 0
    adopted_files: int = 0
    partial_files_removed: int = 0
    generations_completed: int = 0

    @property
    def is_empty(self) -> bool:
        """Return True when nothing needed fixing."""
        return not (self.interrupted or self.retries_requeued or self.images_requeued or self.moves_completed
                    or self.paths_repaired or self.missing_files or self.adopted_files
                    or self.partial_files_removed or self.generations_completed)


def recover(repo: Repository, temp_dirs: list[Path]) -> RecoveryReport:
    """Reconcile the database with the disk after an unclean exit (run before any worker starts)."""
    report = RecoveryReport()
    interrupted = repo.executions_with_status(JobStatus.RUNNING)
    temp_folders = {d.resolve() for d in temp_dirs}
    output_folders: set[Path] = set()
    for execution in interrupted:
        repo.update_execution(execution.id, status=JobStatus.INTERRUPTED, error=INTERRUPTED_MESSAGE)
        report.interrupted.append(execution.id)
        temp, output = _job_folders(execution)
        temp_folders.update(f for f in (temp,) if f is not None)
        output_folders.update(f for f in (output,) if f is not None)
    # Retries run on images of any job: the one a crash cut short is finished or requeued wherever it belongs.
    _recover_retry_in_hand(repo, report)
    report.images_requeued = repo.reset_processing_images()
    report.retries_requeued = repo.reset_stuck_retries()
    for folder in sorted(f for f in temp_folders | output_folders if f.is_dir()):
        report.partial_files_removed += _remove_partial_writes(folder)
    for execution in interrupted:
        _reconcile_images(repo, execution.id, report)
    for folder in sorted(f for f in temp_folders if f.is_dir()):
        _adopt_orphans(repo, folder, report)
    for execution in interrupted:
        report.generations_completed += _mark_recorded_generations(repo, execution)
        repo.refresh_counts(execution.id)
    if not report.is_empty:
        log.warning("crash recovery: %s", report)
    return report


def _job_folders(execution: JobExecution) -> tuple[Path | None, Path | None]:
    """Return the temp and output folders an execution's snapshot names (None for the defaults)."""
    paths = execution.settings_snapshot.get("file_paths", {})
    temp, output = paths.get("temp_directory") or "", paths.get("output_directory") or ""
    return (Path(temp).expanduser().resolve() if temp else None,
            Path(output).expanduser().resolve() if output else None)


def _remove_partial_writes(folder: Path) -> int:
    """Delete half-written `.<name>.<uuid>.part` files: an atomic write never finished, the original is intact."""
    removed = 0
    for path in folder.glob(".*.part"):
        if path.is_file() and _discard(path):
            removed += 1
    return removed


def _discard(path: Path) -> bool:
    """Delete a leftover file; one another program holds open stays (logged), it never stops the start."""
    try:
        return remove_file(path)
    except OSError as exc:
        log.warning("recovery: could not delete %s: %s", path, exc)
        return False


class Repair(enum.Enum):
    """What reconciling one image's row with the disk found (and did)."""

    KEPT = "kept"  # the temp file is there: the image can run again
    FINAL = "final"  # the final file is there: nothing to do
    MOVED = "moved"  # the move finished before the crash: the row now says approved
    REPAIRED = "repaired"  # processing renamed the temp file: the row now names the new one
    MISSING = "missing"  # no file at all: the caller records the failure


def _reconcile_images(repo: Repository, execution_id: int, report: RecoveryReport) -> None:
    for image in repo.images_of_execution(execution_id):
        if _reconcile_image(repo, image, report) is Repair.MISSING:
            repo.update_image(image.id, status=ImageStatus.QC_FAILED, reason=FailureStage.SAVE_FINAL.reason)


def _reconcile_image(repo: Repository, image: GeneratedImage, report: RecoveryReport) -> Repair:
    """Complete or roll back a move cut short (its intent is `moving_to`), and repair a renamed temp path."""
    temp = Path(image.temp_path) if image.temp_path else None
    final = Path(image.final_path) if image.final_path else None
    moving_to = Path(image.processing.moving_to) if image.processing.moving_to else None
    if temp is not None and temp.is_file():
        if moving_to is not None and moving_to.is_file() and moving_to.stat().st_size == 0:
            # The crash came between claiming the output name and moving the file: drop the claim.
            _discard(moving_to)
        return Repair.KEPT
    if final is not None and final.is_file():
        return Repair.FINAL
    if moving_to is not None and moving_to.is_file() and moving_to.stat().st_size > 0:
        # The move finished but the row was not updated: complete the bookkeeping.
        repo.update_image(image.id, status=ImageStatus.APPROVED, temp_path=None, final_path=str(moving_to))
        report.moves_completed += 1
        return Repair.MOVED
    converted = _converted_copy(temp)
    if converted is not None:
        # Processing wrote the new format and removed the old file, but the row kept the old name.
        repo.update_image(image.id, temp_path=str(converted))
        report.paths_repaired += 1
        return Repair.REPAIRED
    report.missing_files += 1
    return Repair.MISSING


def _recover_retry_in_hand(repo: Repository, report: RecoveryReport) -> None:
    """Finish the retry a crash cut short when its move completed; otherwise leave it to be requeued."""
    for task in repo.retry_tasks((RetryStatus.PROCESSING,)):
        try:
            image = repo.get_image(task.image_id)
        except NotFoundError:
            continue
        if image.status is ImageStatus.APPROVED:
            repo.update_retry_task(task.id, RetryStatus.DONE)  # only the task's own row was left behind
            continue
        original = Path(image.temp_path) if image.temp_path else None
        if original is not None:
            remove_working_copies(original, image.mapping_id)
        moving_to = Path(image.processing.moving_to) if image.processing.moving_to else None
        if original is not None and moving_to is not None and moving_to.is_file() and moving_to.stat().st_size:
            # The retry's working copy reached the output folder before the crash; the original has served.
            repo.update_image(image.id, status=ImageStatus.APPROVED, temp_path=None, final_path=str(moving_to))
            _discard(original)
            report.moves_completed += 1
            repair = Repair.MOVED
        else:
            repair = _reconcile_image(repo, image, report)
        if repair is Repair.MOVED:
            repo.update_image(image.id, reason=APPROVED_REASONS.get(task.mode, "Approved"),
                              processing=replace(image.processing, moving_to=""))
            repo.update_retry_task(task.id, RetryStatus.DONE)
        elif repair is Repair.MISSING:
            message = "The image file is no longer on disk."
            repo.update_image(image.id, status=ImageStatus.RETRY_FAILED, reason=FailureStage.SAVE_FINAL.reason,
                              processing=replace(image.processing, error=message, moving_to=""))
            repo.update_retry_task(task.id, RetryStatus.FAILED, message)
        elif image.processing.moving_to:
            # Rolled back: the file is still in temp, so the intent no longer holds; the retry runs again.
            repo.update_image(image.id, processing=replace(image.processing, moving_to=""))
        repo.refresh_counts(image.execution_id)


def _converted_copy(temp: Path | None) -> Path | None:
    """Return the file beside `temp` with the same name but another extension, if there is one."""
    if temp is None or not temp.parent.is_dir():
        return None
    for candidate in sorted(temp.parent.glob(f"{temp.stem}.*")):
        if candidate.is_file() and not candidate.name.startswith(".") and \
                not candidate.name.endswith(PREVIEW_SUFFIX):  # a vector's preview is not a converted copy
            return candidate
    return None


def _adopt_orphans(repo: Repository, folder: Path, report: RecoveryReport) -> None:
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        parsed = parse_temp_name(path)
        if parsed is None:
            continue
        execution_id, generation, variation, mapping_id = parsed
        if repo.find_image_by_mapping(mapping_id) is not None:
            continue
        try:
            repo.get_execution(execution_id)
        except NotFoundError:
            continue  # a file of a deleted job is left alone
        sibling = _sibling(repo.images_of_execution(execution_id), generation)
        # The file was paid for and written, but the crash came before its row: keep it, to finish on resume.
        repo.record_image(NewImage(
            mapping_id=mapping_id, execution_id=execution_id, generation_index=generation,
            variation_index=variation, prompt=sibling.prompt if sibling else "",
            keyword=sibling.keyword if sibling else "", seed=None,
            provider=sibling.provider if sibling else "", provider_ids={}, temp_path=str(path),
            cost=sibling.cost if sibling else 0.0, status=ImageStatus.PENDING, reason=ADOPTED_REASON))
        report.adopted_files += 1


def _sibling(images: list[GeneratedImage], generation: int) -> GeneratedImage | None:
    """Return a recorded image of the same generation (same prompt and keyword), if any."""
    return next((i for i in images if i.generation_index == generation and i.prompt), None)


def _mark_recorded_generations(repo: Repository, execution: JobExecution) -> int:
    """Mark generations whose every variation is on record as done, so resume never renders them again."""
    variations = int(execution.settings_snapshot.get("parameters", {}).get("variations", 1) or 1)
    per_generation = Counter(i.generation_index for i in repo.images_of_execution(execution.id))
    done = set(execution.completed_generations)
    marked = 0
    for generation, count in sorted(per_generation.items()):
        if generation not in done and count >= variations:
            repo.record_generation_done(execution.id, generation)
            marked += 1
    return marked
