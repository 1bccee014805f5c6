"""Fixtures for pipeline tests: a sandbox app with real clients, and helpers that run a job to its end."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import GeneratedImage, JobExecution
from gif_app.jobs.service import JobService
from gif_app.sandbox.servers import SandboxServers
from tests.helpers.waiting import wait_until as wait_until

JOB_TIMEOUT_S = 60.0

# Fast defaults for every pipeline test: no retry backoff, no remove.bg, plain PNG output.
FAST = {"parameters.generation_retry_backoff_ms": 0}


@pytest.fixture
def sandbox_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """Return an app in sandbox mode (its own sandbox servers, no latency, no faults); closed afterwards."""
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    app = build_app(tmp_path / "home", AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    try:
        yield app
    finally:
        app.close()


def jobs_of(app: App) -> JobService:
    """Return the app's job service."""
    service = app.ctx.services.jobs
    assert isinstance(service, JobService)
    return service


class JobWatch:
    """Waits for the "finished" event of one execution, started through the real job service."""

    def __init__(self, app: App, overrides: dict[str, Any]) -> None:
        self.app = app
        self._done = threading.Event()
        self._result: JobExecution | None = None
        self._wanted: int | None = None
        self._early: list[JobExecution] = []
        self._lock = threading.Lock()
        jobs = jobs_of(app)
        jobs.add_listener(self._on_event)
        execution = jobs.start_job({**FAST, **overrides})
        with self._lock:
            self._wanted = execution.id
            for finished in self._early:
                self._on_event("finished", finished)
        self.execution = execution
        jobs.start_worker()

    def _on_event(self, event: str, execution: JobExecution) -> None:
        if event != "finished":
            return
        with self._lock:
            if self._wanted is None:
                self._early.append(execution)
            elif execution.id == self._wanted:
                self._result = execution
                self._done.set()

    def wait(self, timeout: float = JOB_TIMEOUT_S) -> JobExecution:
        """Return the finished execution; fail the test if it does not finish in time."""
        assert self._done.wait(timeout), f"job {self.execution.id} did not finish within {timeout} s"
        assert self._result is not None
        return self._result


def run_job(app: App, overrides: dict[str, Any], timeout: float = JOB_TIMEOUT_S) -> JobExecution:
    """Start a job with per-run overrides, run the worker and return the finished execution."""
    return JobWatch(app, overrides).wait(timeout)


def resume(app: App, execution: JobExecution, timeout: float = JOB_TIMEOUT_S) -> JobExecution:
    """Resume an execution through the job service and return it once it has finished again."""
    done = threading.Event()
    finished: list[JobExecution] = []

    def on_event(event: str, changed: JobExecution) -> None:
        if event == "finished" and changed.id == execution.id:
            finished.append(changed)
            done.set()

    jobs = jobs_of(app)
    jobs.add_listener(on_event)
    jobs.resume(execution.id)
    assert done.wait(timeout), f"job {execution.id} did not finish after resume"
    return finished[-1]


def images_of(app: App, execution: JobExecution) -> list[GeneratedImage]:
    """Return the execution's image rows."""
    return app.repo.images_of_execution(execution.id)


def log_text(app: App, execution: JobExecution) -> str:
    """Return every job log message of the execution, one per line."""
    return "\n".join(record.message for record in app.repo.logs_of_execution(execution.id, limit=10_000))


def image_file(image: GeneratedImage) -> Path:
    """Return the file an image row points at (final if moved, else temp)."""
    path = image.final_path or image.temp_path
    assert path, f"image {image.mapping_id} has no file"
    return Path(path)


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    """Return bare sandbox servers (default config) for provider and protocol tests."""
    with SandboxServers.start() as servers:
        yield servers
