"""Shared helpers for the job-system tests: a sandbox app, a lifecycle recorder and condition waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import ImageStatus, JobExecution, JobStatus
from gif_app.jobs.service import JobService
from tests.helpers.waiting import wait_until as wait_until

WAIT_S = 60.0
RECORDED_STATES = {ImageStatus.PENDING, ImageStatus.APPROVED, ImageStatus.QC_FAILED, ImageStatus.RETRY_FAILED,
                   ImageStatus.RETRY_PENDING}


@dataclass(frozen=True)
class Event:
    """One lifecycle event heard from the JobService."""

    name: str
    execution_id: int
    status: JobStatus
    at: float


class Recorder:
    """A JobService listener that keeps every (event, execution) pair in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()

    def __call__(self, event: str, execution: JobExecution) -> None:
        """Record one event."""
        with self._cond:
            self.events.append(Event(event, execution.id, execution.status, time.monotonic()))
            self._cond.notify_all()

    def finished(self) -> list[Event]:
        """Return the "finished" events so far."""
        with self._cond:
            return [e for e in self.events if e.name == "finished"]

    def wait_finished(self, count: int = 1, timeout: float = WAIT_S) -> list[Event]:
        """Wait until `count` jobs finished and return their events."""
        with self._cond:
            if not self._cond.wait_for(lambda: len([e for e in self.events if e.name == "finished"]) >= count,
                                       timeout):
                raise AssertionError(f"only {self.events} after {timeout:.0f} s; wanted {count} finished")
            return [e for e in self.events if e.name == "finished"]

    def wait_started(self, count: int = 1, timeout: float = WAIT_S) -> list[Event]:
        """Wait until `count` jobs started and return their events."""
        with self._cond:
            if not self._cond.wait_for(lambda: len([e for e in self.events if e.name == "started"]) >= count,
                                       timeout):
                raise AssertionError(f"only {self.events} after {timeout:.0f} s; wanted {count} started")
            return [e for e in self.events if e.name == "started"]

    def sequence(self) -> list[tuple[str, int, str]]:
        """Return (event, execution id, status) triples in the order heard."""
        with self._cond:
            return [(e.name, e.execution_id, e.status.value) for e in self.events]


def jobs_of(app: App) -> JobService:
    """Return the app's JobService."""
    service: JobService = app.ctx.services.jobs
    return service


@contextmanager
def sandbox_app(home: Path, *, start_worker: bool = True, latency: dict[str, float] | None = None,
                ) -> Iterator[tuple[App, Recorder]]:
    """Build a sandbox app whose listener is attached before the worker starts; close it afterwards."""
    app = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    recorder = Recorder()
    try:
        jobs_of(app).add_listener(recorder)
        if latency:
            assert app.sandbox is not None
            app.sandbox.config.latency.update(latency)
        if start_worker:
            jobs_of(app).start_worker()
        yield app, recorder
    finally:
        app.close()


def quick(count: int = 2, variations: int = 1, **extra: Any) -> dict[str, Any]:
    """Return per-run overrides for a small sandbox job."""
    return {"parameters.count": count, "parameters.variations": variations, **extra}


def ok(envelope: dict[str, Any]) -> Any:
    """Return an API envelope's data, failing the test with its error otherwise."""
    assert envelope["ok"], envelope.get("error")
    return envelope["data"]


def error_code(envelope: dict[str, Any]) -> str:
    """Return an error envelope's code, failing the test if the call succeeded."""
    assert not envelope["ok"], f"expected an error, got {envelope.get('data')}"
    return str(envelope["error"]["code"])


def image_files(*folders: Path) -> set[Path]:
    """Return every visible file in the folders (temp and output)."""
    return {p.resolve() for folder in folders if folder.is_dir() for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".")}


def row_files(app: App, execution_id: int | None = None) -> set[Path]:
    """Return the file each image row points at (final if set, else temp)."""
    images = (app.repo.images_of_execution(execution_id) if execution_id is not None
              else [i for e in app.repo.executions_with_status(*JobStatus) for i in
                    app.repo.images_of_execution(e.id)])
    return {Path(i.final_path or i.temp_path or "").resolve() for i in images}
