"""Kill the app with SIGKILL in the middle of a retry's move; the restart completes or rolls back the move."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import ImageStatus, RetryStatus
from gif_app.jobs.recovery import recover
from tests.integration import retry_crash_driver
from tests.integration.retry_support import Done, failed_job, output_files, retries_of

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(retry_crash_driver.__file__).resolve()


def _open(home: Path) -> App:
    return build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))


def _queue_a_retry(home: Path) -> int:
    """Record a QC-failed image and queue its retry (converted to JPG); return the image id."""
    app = _open(home)
    try:
        (image_id,) = failed_job(app, "crashy", {}, images=1)
        assert app.api.retry_images([image_id], "modified", {"image_convert": True, "convert_format": "jpg"},
                                    False, [])["ok"]
    finally:
        app.close()
    return image_id


def _run_until_killed(home: Path, moment: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(DRIVER), str(home), moment], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"the driver was not killed mid-move: {proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("moment", ["before", "after"], ids=["before-rename", "after-rename"])
def test_a_retry_killed_mid_move_is_completed_or_rolled_back_on_restart(tmp_path: Path, moment: str) -> None:
    home = tmp_path / "home"
    image_id = _queue_a_retry(home)
    _run_until_killed(home, moment)

    app = _open(home)
    try:
        report = app.ctx.services.recovery
        image = app.repo.get_image(image_id)
        (task,) = app.repo.retry_tasks()
        if moment == "after":
            # The file reached the output folder: recovery finishes the bookkeeping the crash cut short.
            assert report.moves_completed == 1
            assert image.status is ImageStatus.APPROVED and image.reason == "Retry processing successful"
            assert task.status is RetryStatus.DONE
        else:
            # The file is still in temp: the claimed name is dropped and the retry is queued again.
            assert report.moves_completed == 0 and report.retries_requeued == 1
            assert image.status is ImageStatus.RETRY_PENDING and task.status is RetryStatus.PENDING
            assert image.temp_path and Path(image.temp_path).is_file() and output_files(app) == []
            done = Done(app)
            retries_of(app).start_worker()
            done.wait(1)
            image = app.repo.get_image(image_id)
            assert image.status is ImageStatus.APPROVED
        final = Path(image.final_path or "")
        assert image.temp_path is None and not image.processing.moving_to
        assert output_files(app) == [final] and final.suffix == ".jpg" and final.stat().st_size > 0
        assert not list(app.home.default_temp.glob("crashy-*"))
        assert app.repo.get_execution(image.execution_id).approved == 1
    finally:
        app.close()
    # A second start after a clean close finds nothing to fix.
    again = _open(home)
    try:
        assert recover(again.repo, [again.home.default_temp]).is_empty
    finally:
        again.close()
