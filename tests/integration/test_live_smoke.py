"""The maintainers' live smoke script runs the same jobs against the sandbox, and skips vendors without keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gif_app.vendors import VENDORS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "live_smoke.py"


def run_script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {v.key_env_var for v in VENDORS}}
    env["GIF_APP_HOME"] = str(tmp_path / "home")
    return env


def test_every_vendor_job_completes_against_the_sandbox(tmp_path: Path) -> None:
    result = run_script("--sandbox", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for label in ("Runware:", "PiAPI:", "OpenAI:", "remove.bg:"):
        assert label in result.stdout
    assert result.stdout.count("  completed: ") == 4
    assert "summary: runware ok, piapi ok, openai ok, removebg ok" in result.stdout


def test_without_keys_every_vendor_is_skipped_and_nothing_is_called(tmp_path: Path) -> None:
    result = run_script("--vendors", "runware,removebg", env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "skipped: set RUNWARE_API_KEY" in result.stdout
    assert "skipped: set REMOVE_BG_API_KEY, RUNWARE_API_KEY" in result.stdout
    assert "summary: nothing ran" in result.stdout
