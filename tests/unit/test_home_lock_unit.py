"""HomeLock: an OS lock per app home, exclusive across processes and open files, freed when its holder dies."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gif_app.errors import HomeInUseError
from gif_app.home_lock import HomeLock, read_holder_pid

ROOT = Path(__file__).resolve().parents[2]

# Another process: take the lock, say so, hold it until stdin closes.
HOLDER = """
import sys
from gif_app.home_lock import HomeLock
lock = HomeLock(sys.argv[1])
lock.acquire()
print("LOCKED", flush=True)
sys.stdin.read()
"""

# Another process: try once, print the outcome.
TRY = """
import sys
from gif_app.errors import HomeInUseError
from gif_app.home_lock import HomeLock
try:
    HomeLock(sys.argv[1]).acquire()
except HomeInUseError as exc:
    print(f"REFUSED {exc.code} {exc.holder_pid}", flush=True)
else:
    print("ACQUIRED", flush=True)
"""


def _python(code: str, home: Path, *, stdin: int | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, str(home)], cwd=ROOT, env=env, text=True, stdin=stdin,
                            stdout=subprocess.PIPE)


def _try_from_another_process(home: Path) -> str:
    proc = _python(TRY, home)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    return out.strip()


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Return a process that holds the lock of `tmp_path / "home"` (killed afterwards if still alive)."""
    proc = _python(HOLDER, tmp_path / "home", stdin=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "LOCKED"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_another_process_is_refused_while_held_and_admitted_after_release(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lock = HomeLock(home)
    lock.acquire()
    try:
        assert lock.is_held and (home / ".lock").is_file()
        assert read_holder_pid(home / ".lock") == os.getpid()
        assert _try_from_another_process(home) == f"REFUSED home_in_use {os.getpid()}"
    finally:
        lock.release()
    assert not lock.is_held
    assert _try_from_another_process(home) == "ACQUIRED"


def test_a_killed_holder_does_not_block_the_next_start(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    home = tmp_path / "home"
    with pytest.raises(HomeInUseError) as refused:
        HomeLock(home).acquire()
    assert refused.value.holder_pid == holder.pid
    holder.kill()  # SIGKILL on POSIX: no cleanup runs, the OS drops the lock with the process
    holder.wait(timeout=30)
    with HomeLock(home) as lock:
        assert lock.is_held
        assert read_holder_pid(home / ".lock") == os.getpid()  # the new holder's pid replaced the dead one's


def test_same_process_semantics(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = HomeLock(home)
    first.acquire()
    first.acquire()  # the holding instance asking again is a no-op
    # Not re-entrant per process: a second lock on the same home is refused like another process would be,
    # so two apps built on one home inside one process are refused too.
    with pytest.raises(HomeInUseError):
        HomeLock(home).acquire()
    first.release()
    first.release()  # safe twice
    second = HomeLock(home)
    second.acquire()
    second.release()


def test_the_error_names_the_folder_and_what_to_do_and_crosses_processes(tmp_path: Path) -> None:
    error = HomeInUseError(str(tmp_path), 1234)
    assert error.code == "home_in_use"
    assert error.message == (f"Gen Image Factory is already running on this data folder ({tmp_path}). "
                             "Close the other window or wait for its job to finish.")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is HomeInUseError and copy.to_dict() == error.to_dict() and copy.holder_pid == 1234
