"""Every setting of a run comes from its own snapshot, base URLs included: jobs, reruns and retries.

Two sandboxes stand for two addresses of a vendor: the saved settings name the first, a run's overrides the
second. The app runs outside sandbox mode (keys from the environment), where base URLs come from settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import ImageStatus, JobExecution, JobStatus
from gif_app.sandbox.demo import write_demo_inputs
from gif_app.sandbox.servers import SandboxServers
from tests.integration.conftest import jobs_of, run_job
from tests.integration.retry_support import Done, failed_job, retries_of

KEYS = {"OPENAI_API_KEY": "sk-test-openai-0123456789abcdef", "RUNWARE_API_KEY": "runware-test-0123456789abcdef",
        "PIAPI_API_KEY": "piapi-test-0123456789abcdef", "REMOVE_BG_API_KEY": "removebg-test-0123456789abcdef"}
# A small Runware job with no OpenAI step, so every call of the run is an image call.
RUN = {"parameters.provider": "runware", "parameters.count": 1, "parameters.variations": 1,
       "parameters.use_llm_prompts": False, "ai.run_quality_check": False, "ai.run_metadata_gen": False,
       "processing.remove_bg": False}


@pytest.fixture
def sandboxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SandboxServers, SandboxServers]]:
    """Return (saved, per_run): two full sets of sandbox servers on their own ports."""
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    with SandboxServers.start() as saved, SandboxServers.start() as per_run:
        yield saved, per_run


@pytest.fixture
def app(tmp_path: Path, sandboxes: tuple[SandboxServers, SandboxServers]) -> Iterator[App]:
    """Return a non-sandbox app whose saved settings point every vendor at the `saved` sandbox."""
    saved, _ = sandboxes
    built = build_app(tmp_path / "home", AppOptions(prefer_keychain=False, start_workers=False, environ=KEYS))
    try:
        settings = built.ctx.settings_file.load().settings
        settings["providers"].update({f"{vendor}_base_url": url for vendor, url in saved.base_urls.items()})
        settings["file_paths"]["keywords_file"] = str(write_demo_inputs(tmp_path / "inputs")["keywords_txt"])
        built.ctx.settings_file.save(settings)
        yield built
    finally:
        built.close()


def _finished(app: App, execution_id: int, timeout: float = 60.0) -> JobExecution:
    done = threading.Event()
    box: dict[str, JobExecution] = {}

    def heard(event: str, execution: JobExecution) -> None:
        if event == "finished" and execution.id == execution_id:
            box["execution"] = execution
            done.set()

    jobs_of(app).add_listener(heard)
    current = app.repo.get_execution(execution_id)
    if current.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return current
    assert done.wait(timeout), f"job {execution_id} did not finish"
    return box["execution"]


def test_a_run_override_sends_the_calls_to_its_own_url_and_a_rerun_keeps_it(
        app: App, sandboxes: tuple[SandboxServers, SandboxServers]) -> None:
    saved, per_run = sandboxes
    override: dict[str, Any] = {**RUN, "providers.runware_base_url": per_run.base_urls["runware"]}
    first = run_job(app, override)
    assert first.status is JobStatus.COMPLETED, first.error
    assert per_run.request_count("runware", "/v1") >= 1
    assert saved.request_count("runware") == 0  # the saved address is never called by this run

    calls = per_run.request_count("runware", "/v1")
    rerun = _finished(app, jobs_of(app).rerun(first.id).id)
    assert rerun.status is JobStatus.COMPLETED, rerun.error
    assert per_run.request_count("runware", "/v1") > calls  # the rerun's configuration names per_run
    assert saved.request_count("runware") == 0


def test_a_run_without_override_uses_the_saved_url(
        app: App, sandboxes: tuple[SandboxServers, SandboxServers]) -> None:
    saved, per_run = sandboxes
    assert run_job(app, RUN).status is JobStatus.COMPLETED
    assert saved.request_count("runware", "/v1") >= 1 and per_run.request_count("runware") == 0


def test_a_retry_calls_remove_bg_at_its_jobs_snapshot_url(
        app: App, sandboxes: tuple[SandboxServers, SandboxServers]) -> None:
    saved, per_run = sandboxes
    ids = failed_job(app, "apples", {"providers.removebg_base_url": per_run.base_urls["removebg"],
                                     "parameters.generation_retry_backoff_ms": 0}, images=1)
    done = Done(app)
    retries_of(app).start_worker()
    answer = app.api.retry_images(ids, "modified", {"remove_bg": True, "remover": "removebg"}, False,
                                  ["remove_bg"])
    assert answer["ok"], answer
    done.wait(1)
    assert app.repo.get_image(ids[0]).status is ImageStatus.APPROVED
    assert per_run.request_count("removebg", "/v1.0/removebg") == 1
    assert saved.request_count("removebg") == 0


@pytest.mark.parametrize("how", ["--set", "--settings"])
def test_the_cli_run_sends_its_calls_to_the_url_it_was_given(
        tmp_path: Path, sandboxes: tuple[SandboxServers, SandboxServers], how: str) -> None:
    saved, per_run = sandboxes
    home = tmp_path / "home"
    app = build_app(home, AppOptions(prefer_keychain=False, start_workers=False, environ=KEYS))
    try:
        settings = app.ctx.settings_file.load().settings
        settings["providers"].update({f"{vendor}_base_url": url for vendor, url in saved.base_urls.items()})
        settings["file_paths"]["keywords_file"] = str(write_demo_inputs(tmp_path / "inputs")["keywords_txt"])
        app.ctx.settings_file.save(settings)
    finally:
        app.close()
    sets = [f"{key}={str(value).lower() if isinstance(value, bool) else value}" for key, value in RUN.items()]
    if how == "--set":
        extra = ["--set", f"providers.runware_base_url={per_run.base_urls['runware']}"]
    else:
        settings["providers"]["runware_base_url"] = per_run.base_urls["runware"]
        path = tmp_path / "run-settings.json"
        path.write_text(json.dumps(settings), encoding="utf-8")
        extra = ["--settings", str(path)]
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), "run", *extra,
         *[arg for s in sets for arg in ("--set", s)], "--json"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2], check=False,
        env={**os.environ, **KEYS})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "completed"
    assert per_run.request_count("runware", "/v1") >= 1
    assert saved.request_count("runware") == 0
