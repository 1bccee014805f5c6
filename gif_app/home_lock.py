"""One process per app home: an OS lock on `<home>/.lock` that the OS drops when the holder dies.

The lock is per open file (flock on POSIX, a locked byte on Windows), not per process: a second `HomeLock`
on the same home is refused even inside the process that holds the first one, so two apps built on one
home in one process are refused like two processes. `acquire()` again on the instance that holds it does
nothing. The file is never deleted: removing it would let a newcomer lock a fresh file while the holder
still locks the old one.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from pathlib import Path

from gif_app.errors import HomeInUseError, StorageError

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
# The holder's pid is written in front of the locked byte: Windows refuses reads of a locked range, and the
# pid is what a refused start reports in the log.
_PID_BYTES = 32
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}


class HomeLock:
    """The exclusive lock of one app home, held from `acquire()` to `release()` or the end of the process."""

    def __init__(self, home_root: Path) -> None:
        self.home = Path(home_root)
        self.path = self.home / LOCK_NAME
        self._fd: int | None = None

    @property
    def is_held(self) -> bool:
        """Return True while this instance holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock without waiting; raise HomeInUseError when another holder has it."""
        if self._fd is not None:
            return
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"Cannot open the lock file {self.path}: {exc.strerror or exc}") from exc
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            if sys.platform != "win32" and exc.errno not in _BUSY:
                raise StorageError(f"Cannot lock the data folder {self.home}: {exc.strerror or exc}") from exc
            holder = read_holder_pid(self.path)
            log.warning("data folder %s is in use by process %s", self.home, holder or "unknown")
            raise HomeInUseError(str(self.home), holder) from None
        self._fd = fd
        _write_pid(fd)

    def release(self) -> None:
        """Drop the lock (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        except OSError:
            pass  # closing the file releases it as well
        os.close(fd)

    def __enter__(self) -> HomeLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder_pid(path: Path) -> int | None:
    """Return the pid the holder wrote into the lock file, or None when unknown."""
    try:
        with path.open("rb") as handle:
            text = handle.read(_PID_BYTES).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _write_pid(fd: int) -> None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        # Padded to a fixed width instead of truncating: a shorter pid must not leave digits of a longer one.
        os.write(fd, f"{os.getpid()}".ljust(_PID_BYTES - 1).encode("ascii") + b"\n")
    except OSError:
        log.debug("could not write the pid into the lock file", exc_info=True)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, _PID_BYTES, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, _PID_BYTES, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        # flock (not lockf): it belongs to the open file, so it is exclusive within one process too.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
