"""Job records the user edits: a job's stored configuration, and deleting jobs with (optionally) their files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from gif_app import settings as settings_mod
from gif_app import vector
from gif_app.domain import GeneratedImage, JobConfiguration, JobStatus
from gif_app.errors import ConflictError, FileInUseError, FilesKeptError
from gif_app.file_ops import remove_file
from gif_app.store.repository import Repository

log = logging.getLogger(__name__)


class RetryCanceller(Protocol):
    """What deleting a job needs from the retry queue."""

    def cancel_for_executions(self, execution_ids: Sequence[int], reason: str) -> int:
        """End the queued and running retries of these jobs' images; return how many."""
        ...


class JobRecords:
    """Edits and deletions of stored jobs (never of a running one)."""

    def __init__(self, repo: Repository, retries: RetryCanceller) -> None:
        self._repo = repo
        self._retries = retries

    def configuration(self, execution_id: int) -> tuple[JobConfiguration | None, settings_mod.Settings]:
        """Return the job's stored configuration (None when it has none) and the settings reruns will use."""
        execution = self._repo.get_execution(execution_id)
        if execution.configuration_id is None:
            return None, settings_mod.validate(execution.settings_snapshot)[0]
        config = self._repo.get_configuration(execution.configuration_id)
        return config, settings_mod.validate(config.settings)[0]

    def update_configuration(self, execution_id: int, values: dict[str, Any]) -> JobConfiguration:
        """Apply edits to the job's stored configuration; partial edits keep every other setting."""
        execution = self._repo.get_execution(execution_id)
        _, current = self.configuration(execution_id)
        clean = settings_mod.validated({**settings_mod.flatten(current), **settings_mod.flatten_values(values)})
        if execution.configuration_id is None:
            config = self._repo.create_configuration(execution.label, clean)
            self._repo.update_execution(execution.id, configuration=config.id)
            return config
        return self._repo.update_configuration(execution.configuration_id, settings=clean)

    def delete(self, execution_ids: Sequence[int], *, delete_files: bool) -> tuple[int, int]:
        """Delete jobs with their images, logs and retries; their files too when asked. Return (jobs, files).

        Files go first: an image whose file cannot be deleted (another program holds it) keeps its row, and
        so does its job, so nothing on disk is left without a record; the error then says what was kept.
        """
        for execution_id in execution_ids:  # refused before anything is touched, files included
            if self._repo.get_execution(execution_id).status is JobStatus.RUNNING:
                raise ConflictError("A running job cannot be deleted. Stop it first.")
        self._retries.cancel_for_executions(execution_ids, "The job was deleted.")
        removed_files, deleted, problems = 0, 0, []
        for execution_id in execution_ids:
            if not delete_files:
                self._repo.delete_execution(execution_id)
                deleted += 1
                continue
            kept = 0
            for image in self._repo.images_of_execution(execution_id):
                count, problem = remove_image_files(image)
                removed_files += count
                if problem:
                    kept += 1
                    problems.append(problem)
                else:
                    self._repo.delete_image(image.id)
            if kept:
                self._repo.refresh_counts(execution_id)
            else:
                self._repo.delete_execution(execution_id)
                deleted += 1
        if problems:
            raise FilesKeptError(f"Deleted {deleted} of {_plural(len(execution_ids), 'job')} and "
                                 f"{_plural(removed_files, 'file')}. {_kept(problems)}")
        return len(execution_ids), removed_files

    def delete_images(self, image_ids: Sequence[int], *, delete_files: bool) -> tuple[int, int]:
        """Delete images, their files first; a row goes only when its files went. Return (images, files)."""
        removed_files, deleted, problems = 0, 0, []
        for image_id in image_ids:
            image = self._repo.get_image(image_id)
            count, problem = remove_image_files(image) if delete_files else (0, "")
            removed_files += count
            if problem:
                problems.append(problem)
                continue
            self._repo.delete_image(image_id)
            deleted += 1
        if problems:
            raise FilesKeptError(f"Deleted {deleted} of {_plural(len(image_ids), 'image')}. {_kept(problems)}")
        return deleted, removed_files


def remove_image_files(image: GeneratedImage) -> tuple[int, str]:
    """Delete an image's files (a vector's preview too); return (files deleted, the problem or "")."""
    count = 0
    for path in (image.temp_path, image.final_path):
        if not path:
            continue
        for index, file in enumerate(vector.files_of(Path(path))):
            try:
                count += remove_file(file) and index == 0  # a vector's preview is not counted as a file
            except FileInUseError as exc:
                return count, exc.reason
            except OSError as exc:
                log.warning("could not delete %s: %s", file, exc)
                return count, f"{file.name} could not be deleted ({exc.strerror or exc})"
    return count, ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _kept(problems: list[str]) -> str:
    more = f" (and {_plural(len(problems) - 1, 'other')})" if len(problems) > 1 else ""
    return f"{_plural(len(problems), 'image')} kept: {problems[0]}{more}."
