"""Kill a running job with SIGKILL at several points; the restart loses no image and resume never pays twice."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gif_app.app import AppOptions, build_app
from gif_app.domain import ImageStatus, JobStatus
from gif_app.jobs.recovery import recover
from tests.integration import crash_driver
from tests.integration.jobs_support import Recorder, image_files, jobs_of, row_files

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(crash_driver.__file__).resolve()
TOTAL = crash_driver.COUNT * crash_driver.VARIATIONS


def _run_and_kill(home: Path, kill_after: int) -> tuple[int, int]:
    """Start the driver, SIGKILL it once `kill_after` images are recorded; return (execution id, recorded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(DRIVER), str(home)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    execution_id, recorded = 0, 0
    try:
        while True:
            line = lines.get(timeout=60)
            assert line is not None, f"the driver ended before {kill_after} images were recorded"
            if line.startswith("EXECUTION "):
                execution_id = int(line.split()[1])
            elif line.startswith("RECORDED "):
                recorded = int(line.split()[1])
                if recorded >= kill_after:
                    break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        reader.join(timeout=10)
    return execution_id, recorded


@pytest.mark.parametrize("kill_after", [1, TOTAL // 2, TOTAL - 1], ids=["first-image", "mid-way", "near-end"])
def test_a_killed_job_loses_nothing_and_resumes_without_paying_twice(home: Path, kill_after: int) -> None:
    execution_id, recorded = _run_and_kill(home, kill_after)
    assert execution_id and recorded >= kill_after

    app = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    try:
        folders = (app.home.default_temp, app.home.default_output)
        execution = app.repo.get_execution(execution_id)
        assert execution.status is JobStatus.INTERRUPTED
        assert "Resume" in (execution.error or "")
        assert execution_id in app.ctx.services.recovery.interrupted
        images = app.repo.images_of_execution(execution_id)
        assert len(images) >= recorded  # every image the killed process recorded is still there
        # No image is lost: every file on disk has a row, and every row's file exists.
        assert image_files(*folders) == row_files(app, execution_id)
        assert all(Path(i.final_path or i.temp_path or "").is_file() for i in images)
        assert not any(i.status is ImageStatus.QC_FAILED and i.reason == "processing_failed:save_final"
                       for i in images)
        remaining = crash_driver.COUNT - len(execution.completed_generations)

        recorder = Recorder()
        jobs_of(app).add_listener(recorder)
        assert app.api.resume_job(execution_id)["ok"]
        jobs_of(app).start_worker()
        recorder.wait_finished(1)

        finished = app.repo.get_execution(execution_id)
        assert recorder.sequence() == [("started", execution_id, "running"), ("finished", execution_id, "completed")]
        assert finished.completed_generations == tuple(range(crash_driver.COUNT))
        # The new sandbox counts only what resume asked for: one render per generation not yet recorded.
        assert app.sandbox.request_count("runware", "/v1") == remaining
        after = app.repo.images_of_execution(execution_id)
        assert {i.status for i in after} <= {ImageStatus.APPROVED, ImageStatus.QC_FAILED}
        per_generation = [sum(1 for i in after if i.generation_index == g) for g in range(crash_driver.COUNT)]
        assert min(per_generation) >= crash_driver.VARIATIONS
        assert image_files(*folders) == row_files(app, execution_id)
        assert finished.generated == len(after) >= TOTAL
    finally:
        app.close()
    # A second start after a clean close finds nothing to fix.
    again = build_app(home, AppOptions(is_sandbox=False, prefer_keychain=False, start_workers=False))
    try:
        assert recover(again.repo, [again.home.default_temp]).is_empty
    finally:
        again.close()
