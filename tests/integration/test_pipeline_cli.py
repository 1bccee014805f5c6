"""The headless `gif-app run --sandbox --json` runs a whole job and answers in one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_cli_run_in_sandbox_reports_the_job_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    home = tmp_path / "cli-home"
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox",
         "--set", "parameters.count=2", "--set", "parameters.variations=3", "--json"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2], check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == "completed" and isinstance(report["execution_id"], int)
    assert report["approved"] > 0
    output = Path(report["output_folder"])
    assert output.is_dir() and len(list(output.iterdir())) == report["approved"]
