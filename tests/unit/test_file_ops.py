"""Replacing and deleting files another program holds: the retry schedule, the holder's name, the message."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from gif_app.errors import AppError, FileInUseError
from gif_app.file_ops import (
    RETRY_DELAYS,
    RetryPolicy,
    file_holders,
    holder_phrase,
    in_use_reason,
    is_lock_error,
    remove_file,
    replace_file,
)
from tests.helpers.locks import locked_folder

FAST = (0.01, 0.02, 0.04)


def test_only_windows_retries_a_permission_error() -> None:
    denied = PermissionError(13, "Permission denied")
    sharing = OSError(22, "sharing violation")
    sharing.winerror = 32  # type: ignore[attr-defined]  # what Windows sets on its OSError
    assert is_lock_error(denied, "win32") and is_lock_error(sharing, "win32")
    assert not is_lock_error(FileNotFoundError(2, "gone"), "win32")
    # POSIX replaces and unlinks open files: a permission error there is real, waiting would not help
    assert not is_lock_error(denied, "linux") and not is_lock_error(denied, "darwin")
    assert sum(RETRY_DELAYS) < 5  # the user waits for this at most a few seconds


def test_holders_are_named_in_words() -> None:
    assert holder_phrase([]) == "another program"
    assert holder_phrase(["", " "]) == "another program"
    assert holder_phrase(["EXCEL.EXE"]) == "EXCEL.EXE"
    assert holder_phrase(["Photos", "Excel", "Photos"]) == "Photos and Excel"
    assert holder_phrase(["a", "b", "c"]) == "a, b and c"


def test_the_error_is_an_app_error_and_an_os_error_that_crosses_processes() -> None:
    error = FileInUseError("delete", "/out/sunset.png", in_use_reason(Path("/out/sunset.png"), ["EXCEL.EXE"]),
                           ("EXCEL.EXE",))
    assert isinstance(error, AppError) and isinstance(error, PermissionError)
    assert error.to_dict() == {"code": "file_in_use", "message": "Could not delete /out/sunset.png: sunset.png "
                                                                "is open in EXCEL.EXE; close it there and try again."}
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.holders, copy.reason) == (error.message, error.holders, error.reason)


class Holder:
    """A real process that holds a file open until it is told to let go."""

    def __init__(self, path: Path) -> None:
        code = "import sys; f = open(sys.argv[1], 'rb'); print('open', flush=True); sys.stdin.read()"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "open"

    def release(self) -> None:
        """Close its stdin: it exits, and the OS closes the file."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin", "win32")), reason="no holder lookup here")
def test_the_process_holding_a_file_is_named(tmp_path: Path) -> None:
    held = tmp_path / "held.png"
    held.write_bytes(b"png")
    holder = Holder(held)
    try:
        names = file_holders(held, sys.platform)  # /proc on Linux, lsof on macOS, Restart Manager on Windows
        assert any("python" in name.lower() for name in names), names
        if sys.platform.startswith("linux"):
            comm = Path(f"/proc/{holder.process.pid}/comm").read_text(encoding="utf-8").strip()
            assert comm in names
        assert file_holders(tmp_path / "other.png", sys.platform) == []
    finally:
        holder.release()
    assert not any("python" in name.lower() for name in file_holders(held, sys.platform))  # it let go


@pytest.mark.skipif(sys.platform != "win32", reason="only Windows refuses to delete a file another process holds")
def test_windows_retries_then_names_the_program_holding_the_file(tmp_path: Path) -> None:
    held = tmp_path / "held.png"
    held.write_bytes(b"png")
    holder = Holder(held)
    waits: list[float] = []
    try:
        with pytest.raises(FileInUseError) as caught:
            remove_file(held, RetryPolicy(delays=FAST, sleep=waits.append))
        assert waits == list(FAST) and held.exists()
        assert caught.value.holders and "another program" not in caught.value.message
    finally:
        holder.release()
    assert remove_file(held) is True


def test_a_delete_succeeds_once_the_obstacle_goes_away_between_tries(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "a.png"
    target.write_bytes(b"png")
    waits: list[float] = []
    with locked_folder(folder) as lock:
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:  # the other program lets go during the second wait
                lock.unlock()

        assert remove_file(target, RetryPolicy(delays=FAST, sleep=sleep, platform="win32")) is True
    assert waits == [0.01, 0.02]
    assert not target.exists()
    assert remove_file(target) is False  # nothing left to delete is not an error


def test_a_replace_succeeds_once_the_obstacle_goes_away(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    source, target = tmp_path / "new.png", folder / "a.png"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    waits: list[float] = []
    with locked_folder(folder) as lock:
        def sleep(seconds: float) -> None:
            waits.append(seconds)
            lock.unlock()

        replace_file(source, target, RetryPolicy(delays=FAST, sleep=sleep, platform="win32"))
    assert waits == [0.01] and target.read_bytes() == b"new" and not source.exists()


def test_a_file_that_stays_locked_fails_with_a_message_after_every_try(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "a.png"
    target.write_bytes(b"png")
    waits: list[float] = []
    with locked_folder(folder), pytest.raises(FileInUseError) as caught:
        remove_file(target, RetryPolicy(delays=FAST, sleep=waits.append, platform="win32"))
    assert waits == list(FAST)
    # Windows' Restart Manager is not on this system, so the holder is not known by name
    assert caught.value.message == (f"Could not delete {target}: a.png is open in another program or read-only; "
                                    "close it or check its permissions, then try again.")
    assert target.exists()


def test_posix_does_not_wait_on_a_real_permission_error(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "a.png"
    target.write_bytes(b"png")
    waits: list[float] = []
    with locked_folder(folder), pytest.raises(PermissionError) as caught:
        remove_file(target, RetryPolicy(delays=FAST, sleep=waits.append, platform="linux"))
    assert waits == [] and not isinstance(caught.value, FileInUseError)
