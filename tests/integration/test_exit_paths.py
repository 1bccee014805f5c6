"""Every way out runs the app's one shutdown: the window's `closing` (the Dock's Quit on macOS), `closed`,
the code after the GUI loop, and SIGTERM for `gif-app run`. Shut down means: workers stopped, the job's
images recorded (no job left `running`), the database closed, the home's lock released."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import webview

from gif_app.app import App, AppOptions, build_app
from gif_app.errors import HomeInUseError
from gif_app.home_lock import HomeLock
from gif_app.shutdown import EXIT_SIGTERM
from gif_app.window import create_main_window
from tests.helpers.outside_reader import read_rows
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _worker_threads(app: App) -> list[object]:
    services = app.ctx.services
    return [services.jobs._worker._thread, services.retries._worker._thread]  # type: ignore[attr-defined]


def test_the_closing_event_shuts_the_app_down_once(home: Path) -> None:
    app = build_app(home, AppOptions(prefer_keychain=False))
    window = create_main_window(app, app.start_server())
    try:
        assert window.zoomable is True  # pinch zoom on trackpads
        assert all(t.is_alive() for t in _worker_threads(app))  # type: ignore[attr-defined]
        assert window.events.closing.set() is False  # what Cocoa runs on the Dock's Quit; it cancels nothing
        assert not any(t.is_alive() for t in _worker_threads(app))  # type: ignore[attr-defined]
        assert app.repo.db.is_closed()  # this thread's connection, the one the app opened
        # The home is free: a new holder takes it, and the later exit paths must not touch it.
        successor = HomeLock(home)
        successor.acquire()
        try:
            window.events.closed.set()
            app.close()  # what run_window does after the GUI loop
            wait_until(lambda: window.events.closed.is_set(), what="the closed event")
            with pytest.raises(HomeInUseError):
                HomeLock(home).acquire()  # still the successor's: no second release, no second close
        finally:
            successor.release()
    finally:
        webview.windows.remove(window)
        app.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM cannot be sent to a process on Windows")
def test_sigterm_stops_a_headless_run_cleanly_and_frees_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GIF_SANDBOX_LATENCY": "0.3"}
    with (tmp_path / "run.err").open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox",
                                 "--set", "parameters.count=8", "--set", "parameters.concurrency=1"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        def is_running() -> bool:
            assert proc.poll() is None, (tmp_path / "run.err").read_text(errors="replace")[-3000:]
            images = read_rows(home, "SELECT COUNT(*) FROM generated_image")
            return read_rows(home, "SELECT status FROM job_execution") == [("running",)] and \
                bool(images) and int(str(images[0][0])) > 0

        wait_until(is_running, timeout=120, what="the job to run and record an image")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == EXIT_SIGTERM, (tmp_path / "run.err").read_text(errors="replace")[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    # Ended by its own shutdown, not left for crash recovery: no job running, no image mid-step.
    assert read_rows(home, "SELECT status FROM job_execution") != [("running",)]
    assert read_rows(home, "SELECT COUNT(*) FROM generated_image WHERE status = 'processing'") == [(0,)]
    second = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))  # the lock was released
    try:
        assert second.ctx.services.recovery.interrupted == []  # nothing for recovery to mend
    finally:
        second.close()
