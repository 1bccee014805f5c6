"""Job records the user edits: a job's stored configuration, and deleting jobs with (optionally) their files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from gif_app import settings as settings_mod
from gif_app import vector
from gif_app.domain import JobConfiguration
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
        """Delete jobs with their images, logs and retries; their files too when asked. Return (jobs, files)."""
        self._retries.cancel_for_executions(execution_ids, "The job was deleted.")
        removed_files = 0
        for execution_id in execution_ids:
            for path in self._repo.delete_execution(execution_id):
                if delete_files and _unlink(Path(path)):
                    removed_files += 1
                    for extra in vector.files_of(Path(path))[1:]:  # a vector's preview goes with it
                        _unlink(extra)
        return len(execution_ids), removed_files


def _unlink(path: Path) -> bool:
    try:
        if path.is_file():
            path.unlink()
            return True
    except OSError as exc:
        log.warning("could not delete %s: %s", path, exc)
    return False
