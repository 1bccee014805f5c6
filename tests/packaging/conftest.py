"""The one-folder bundle, built once per test session for every packaging test that needs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 25 * 60
EXE_NAME = "gif-app.exe" if os.name == "nt" else "gif-app"


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle with the checked-in spec and return its executable."""
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--workpath", str(ROOT / ".pyinstaller" / "test-work"), "--distpath", str(dist),
               str(ROOT / "pyinstaller.spec")]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                            check=False)
    assert result.returncode == 0, f"pyinstaller failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    print(f"bundle built in {time.monotonic() - started:.0f} s")
    exe = dist / "gif-app" / EXE_NAME
    assert exe.is_file(), f"no executable at {exe}"
    return exe
