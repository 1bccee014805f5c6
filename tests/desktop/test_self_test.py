"""The real desktop window (pywebview on Qt, offscreen) opens the page and reaches the Python API."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gif_app.home_lock import HomeLock

ROOT = Path(__file__).resolve().parents[2]


def _run_self_test(home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", QTWEBENGINE_DISABLE_SANDBOX="1", QT_API="pyside6")
    self_test = () if "--self-test" in extra else ("--self-test",)
    return subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), *extra, *self_test],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )


def _explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


@pytest.mark.slow
def test_window_opens_and_the_bridge_answers(tmp_path: Path) -> None:
    result = _run_self_test(tmp_path / "home")
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK" in result.stdout, _explain(result)
    assert "sandbox=False" in result.stdout
    assert (tmp_path / "home" / "gif_app.db").is_file()


@pytest.mark.slow
def test_window_opens_on_the_sandbox(tmp_path: Path) -> None:
    result = _run_self_test(tmp_path / "sandbox-home", "--sandbox")
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK" in result.stdout, _explain(result)
    assert "sandbox=True" in result.stdout


@pytest.mark.slow
def test_window_opens_on_the_recovery_page_for_a_damaged_database(tmp_path: Path) -> None:
    home = tmp_path / "damaged-home"
    home.mkdir()
    (home / "gif_app.db").write_bytes(os.urandom(8192))
    result = _run_self_test(home)
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK: recovery page shown" in result.stdout, _explain(result)
    assert "is damaged" in result.stdout
    assert (home / "gif_app.db").read_bytes()  # the window only offers the move; it does not make it


@pytest.mark.slow
def test_a_second_window_on_a_home_in_use_says_so_in_a_small_window_and_exits_2(tmp_path: Path) -> None:
    home = tmp_path / "busy-home"
    holder = HomeLock(home)
    holder.acquire()  # this test process stands for the window already running on the home
    try:
        before = sorted(p.name for p in home.iterdir())
        result = _run_self_test(home)
    finally:
        holder.release()
    assert result.returncode == 2, _explain(result)
    shown = f"Gen Image Factory is already running on this data folder: {home}. Switch to that window."
    # The page was shown with its folder, its bridge had `quit` alone, and pressing Quit closed the window.
    assert f"SELF-TEST OK: already-running page shown ({shown}); Quit closed it" in result.stdout, _explain(result)
    assert "already running on this data folder" in result.stderr
    # It took no lock and opened no database, settings or log: the home is as the holder left it.
    assert sorted(p.name for p in home.iterdir()) == before == [".lock"]


@pytest.mark.slow
def test_start_fresh_on_the_recovery_page_goes_on_into_the_app(tmp_path: Path) -> None:
    home = tmp_path / "damaged-home"
    home.mkdir()
    damaged = os.urandom(8192)
    (home / "gif_app.db").write_bytes(damaged)
    result = _run_self_test(home, "--self-test", "start-fresh")
    assert result.returncode == 0, _explain(result)
    assert "SELF-TEST OK: recovery page shown" in result.stdout, _explain(result)
    # The same process went on into the full app (settings, navigation, the whole bridge) in a new window.
    opened = [line for line in result.stdout.splitlines() if "after Start fresh:" in line]
    assert opened and opened[0].startswith("SELF-TEST OK: Gen Image Factory"), _explain(result)
    assert "The damaged database was kept as" in opened[0] and "gif_app.db.damaged-" in opened[0]
    kept = list(home.glob("gif_app.db.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    with sqlite3.connect(home / "gif_app.db") as db:  # the fresh database the app ran on
        assert db.execute("SELECT COUNT(*) FROM job_execution").fetchone() == (0,)
