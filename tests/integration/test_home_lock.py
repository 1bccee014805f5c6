"""One process per app home: while `gif-app run` works, a second run, window or export is refused and the
running job is left alone; a killed holder never blocks the next start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.app import AppOptions, build_app
from gif_app.errors import HomeInUseError
from tests.helpers.outside_reader import read_rows
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "Gen Image Factory is already running on this data folder ({home}). Close the other window or wait " \
          "for its job to finish."
COUNT = 8  # × 2 sandbox variations, one generation at a time, 0.3 s per vendor call: well over the refusals
OPTIONS = AppOptions(prefer_keychain=False, start_workers=False)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def _gif_app(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gif_app", "--home", str(home), *args], cwd=ROOT,
                          env=env or _env(), capture_output=True, text=True, timeout=180, check=False)


def _executions(home: Path) -> list[tuple[object, ...]]:
    return read_rows(home, "SELECT id, status FROM job_execution ORDER BY id")


@pytest.fixture
def long_run(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start `gif-app run --sandbox` on tmp_path/home and return it once its job is running with an image on record."""
    home = tmp_path / "home"
    with (tmp_path / "run.out").open("wb") as out, (tmp_path / "run.err").open("wb") as err:
        # Output goes to files: an unread pipe would fill up with log lines and stall the job.
        proc = subprocess.Popen(
            [sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox",
             "--set", f"parameters.count={COUNT}", "--set", "parameters.concurrency=1"],
            cwd=ROOT, env=_env(GIF_SANDBOX_LATENCY="0.3"), stdout=out, stderr=err)
    try:
        def is_running() -> bool:
            assert proc.poll() is None, (tmp_path / "run.err").read_text(errors="replace")[-3000:]
            images = read_rows(home, "SELECT COUNT(*) FROM generated_image")
            return _executions(home) == [(1, "running")] and bool(images) and int(str(images[0][0])) > 0

        wait_until(is_running, timeout=120, what="the job to run and record an image")
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)


def test_a_second_process_is_refused_while_a_job_runs_and_the_job_completes(
        tmp_path: Path, long_run: subprocess.Popen[bytes]) -> None:
    home = tmp_path / "home"
    message = MESSAGE.format(home=home.resolve())

    second = _gif_app(home, "run", "--sandbox", "--set", "parameters.count=1")
    assert second.returncode == 2, second.stderr[-3000:]
    assert f"error: {message}" in second.stderr

    window = _gif_app(home, "--self-test", env=_env(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1",
                                                    QT_API="pyside6"))
    assert window.returncode == 2, window.stdout[-3000:] + window.stderr[-3000:]
    # The second window is a small one saying so (no lock, no database), its self-test presses Quit.
    shown = f"Gen Image Factory is already running on this data folder: {home.resolve()}. Switch to that window."
    assert f"SELF-TEST OK: already-running page shown ({shown}); Quit closed it" in window.stdout
    assert message in window.stderr

    target = tmp_path / "job.xlsx"
    export = _gif_app(home, "export", "1", "--xlsx", str(target))
    assert export.returncode == 2 and message in export.stderr and not target.exists()

    shown = _gif_app(home, "settings", "show")  # read-only: needs no lock
    assert shown.returncode == 0 and '"parameters"' in shown.stdout

    # None of them ran recovery: the live job is still running, not interrupted, and no second job exists.
    assert _executions(home) == [(1, "running")]
    assert long_run.wait(timeout=180) == 0
    assert _executions(home) == [(1, "completed")]
    planned, images = read_rows(home, "SELECT planned, (SELECT COUNT(*) FROM generated_image) FROM job_execution")[0]
    assert planned == images == COUNT * 2  # every render once: no duplicate rows, no extra paid renders
    # The holder closed cleanly: the home is free again.
    assert _gif_app(home, "export", "1", "--xlsx", str(target)).returncode == 0 and target.is_file()


def test_a_killed_run_does_not_block_the_next_start_and_is_recovered_under_the_lock(
        tmp_path: Path, long_run: subprocess.Popen[bytes]) -> None:
    home = tmp_path / "home"
    long_run.kill()  # SIGKILL on POSIX: nothing of ours runs, only the OS can release the lock
    long_run.wait(timeout=60)
    assert _executions(home) == [(1, "running")]

    after = _gif_app(home, "run", "--sandbox", "--set", "parameters.count=1")
    assert after.returncode == 0, after.stderr[-3000:]
    assert _executions(home) == [(1, "interrupted"), (2, "completed")]


def test_two_apps_on_one_home_in_one_process_are_refused_until_the_first_closes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = build_app(home, OPTIONS)
    try:
        with pytest.raises(HomeInUseError) as refused:
            build_app(home, OPTIONS)
        assert refused.value.holder_pid == os.getpid()
        other = build_app(tmp_path / "other-home", OPTIONS)  # other homes are independent
        other.close()
    finally:
        first.close()
    again = build_app(home, OPTIONS)  # close() released the lock
    again.close()
