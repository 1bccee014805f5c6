"""A folder nobody can change, for tests of files that cannot be replaced or deleted.

Root ignores permission bits, so as root the folder is made immutable (`chattr +i`, which binds root too);
otherwise its write bit is removed. Either way the lock is probed, and the test is skipped where neither works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class FolderLock:
    """Locks and unlocks one folder against changes (creating, renaming or deleting its files)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.is_locked = False

    def lock(self) -> None:
        """Make the folder unchangeable."""
        if self.is_root:
            chattr = shutil.which("chattr")
            if chattr is None or subprocess.run([chattr, "+i", str(self.folder)], capture_output=True).returncode:
                pytest.skip("running as root without chattr +i: no way to lock a folder")
        else:
            self.folder.chmod(0o555)
        self.is_locked = True

    def unlock(self) -> None:
        """Make the folder changeable again."""
        if not self.is_locked:
            return
        if self.is_root:
            subprocess.run(["chattr", "-i", str(self.folder)], check=True, capture_output=True)
        else:
            self.folder.chmod(0o755)
        self.is_locked = False

    def probe(self) -> bool:
        """Return True when the folder really refuses a new file."""
        probe = self.folder / ".lock-probe"
        try:
            probe.write_bytes(b"")
        except PermissionError:
            return True
        probe.unlink()
        return False


@contextmanager
def locked_folder(folder: Path) -> Iterator[FolderLock]:
    """Lock `folder` for the block (skip the test where the OS cannot); always unlock it afterwards."""
    lock = FolderLock(folder)
    try:
        lock.lock()
        if not lock.probe():
            pytest.skip("this system does not refuse changes to a locked folder")
        yield lock
    finally:
        lock.unlock()
