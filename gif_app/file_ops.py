"""Replacing and deleting user files when another program may hold them open (Windows sharing violations).

On Windows a file that another process holds open (a served thumbnail, Excel, a viewer, an antivirus scan)
cannot be replaced or deleted: the call fails with a sharing violation until the holder lets go, which
scanners and thumbnailers do within a moment. So a replace or delete is retried on the schedule below, and
when it still fails the error names the program holding the file where the OS can tell. POSIX systems let an
open file be replaced or unlinked, so there a permission error is a real one and is not retried.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from gif_app.errors import FileInUseError

log = logging.getLogger(__name__)

# Seconds to wait before each further try: about 3 s in all, the time a scanner or a viewer takes to let go.
RETRY_DELAYS: tuple[float, ...] = (0.1, 0.2, 0.4, 0.8, 1.6)
# ERROR_ACCESS_DENIED (a file pending deletion or being scanned), ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
WINDOWS_LOCK_ERRORS = frozenset({5, 32, 33})
UNKNOWN_HOLDER = "another program"

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How a replace or delete is retried: the waits between tries, how to wait, and for which OS."""

    delays: tuple[float, ...] = RETRY_DELAYS
    sleep: Callable[[float], None] = time.sleep
    platform: str = sys.platform


DEFAULT_POLICY = RetryPolicy()


def is_lock_error(exc: OSError, platform: str = sys.platform) -> bool:
    """Return True when `exc` may be another program holding the file (worth a retry): Windows only."""
    if platform != "win32":
        return False
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in WINDOWS_LOCK_ERRORS


def holder_phrase(names: list[str] | tuple[str, ...]) -> str:
    """Return the holders in words: "Excel.exe", "A and B", or "another program" when none is known."""
    unique = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not unique:
        return UNKNOWN_HOLDER
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def in_use_reason(path: Path, holders: list[str] | tuple[str, ...]) -> str:
    """Return why a file stayed locked and what to do: who holds it, close it there, try again."""
    if not holders:  # Windows says "access denied" for a read-only file too: name both causes
        return (f"{path.name} is open in {UNKNOWN_HOLDER} or read-only; close it or check its permissions, "
                "then try again")
    return f"{path.name} is open in {holder_phrase(holders)}; close it there and try again"


def retrying(operation: Callable[[], T], path: Path, action: str, policy: RetryPolicy = DEFAULT_POLICY) -> T:
    """Run `operation`, retrying while the file is locked; raise FileInUseError naming the holder at the end."""
    for delay in (*policy.delays, None):
        try:
            return operation()
        except OSError as exc:
            if not is_lock_error(exc, policy.platform):
                raise
            if delay is None:
                holders = tuple(file_holders(path, policy.platform))
                log.warning("could not %s %s after %d tries: held by %s", action, path, len(policy.delays) + 1,
                            holder_phrase(holders))
                raise FileInUseError(action, str(path), in_use_reason(path, holders), holders) from exc
            policy.sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises on its last pass


def replace_file(source: Path, target: Path, policy: RetryPolicy = DEFAULT_POLICY) -> None:
    """os.replace(source, target), retried while the target (or source) is held open by another program."""
    retrying(lambda: os.replace(source, target), target, "replace", policy)


def remove_file(path: Path, policy: RetryPolicy = DEFAULT_POLICY) -> bool:
    """Delete a file, retried while it is held open; return False when there was nothing to delete."""
    def unlink() -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    return retrying(unlink, path, "delete", policy)


def file_holders(path: Path, platform: str = sys.platform) -> list[str]:
    """Return the names of the programs holding `path` open, where the OS can tell ([] otherwise)."""
    try:
        if platform == "win32":
            return _windows_holders(path)
        if platform.startswith("linux"):
            return proc_holders(path)
        if platform == "darwin":
            return _lsof_holders(path)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.info("could not find who holds %s: %s", path, exc)
    return []


def proc_holders(path: Path, proc: Path = Path("/proc")) -> list[str]:
    """Return the command names of the processes with `path` among their open files (Linux /proc)."""
    wanted = str(path.resolve())
    names: list[str] = []
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit() or int(pid_dir.name) == os.getpid():
            continue
        try:
            links = [os.readlink(fd) for fd in (pid_dir / "fd").iterdir()]
            if wanted in links:
                names.append((pid_dir / "comm").read_text(encoding="utf-8").strip())
        except OSError:
            continue  # gone, or another user's process
    return names


def _lsof_holders(path: Path) -> list[str]:
    """Return the holders' names through `lsof -t` and `ps` (macOS), when lsof is there."""
    lsof = shutil.which("lsof")
    if lsof is None:
        return []
    pids = subprocess.run([lsof, "-t", "--", str(path)], capture_output=True, text=True, timeout=5).stdout.split()
    pids = [p for p in pids if p.isdigit() and int(p) != os.getpid()]
    if not pids:
        return []
    out = subprocess.run(["ps", "-o", "comm=", "-p", ",".join(pids)], capture_output=True, text=True, timeout=5)
    return [Path(line.strip()).name for line in out.stdout.splitlines() if line.strip()]


def _windows_holders(path: Path) -> list[str]:
    """Return the holders' application names from the Windows Restart Manager (rstrtmgr.dll)."""
    if sys.platform != "win32":
        return []
    from gif_app.restart_manager import holders_of

    return holders_of(str(path))
