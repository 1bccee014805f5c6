"""The headless `gif-app run --sandbox --json` runs a whole job and answers in one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.exiftool import as_list, read_tags


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


def test_job_embeds_creator_and_copyright_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(tmp_path / "home"), "run", "--sandbox",
         "--set", "parameters.count=1", "--set", "parameters.variations=2", "--set", "ai.run_quality_check=false",
         "--set", "processing.image_convert=true", "--set", "processing.convert_format=jpg",
         "--set", "metadata.creator=Åsa Studio", "--set", "metadata.copyright=© 2026 Åsa Studio AB", "--json"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2], check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    files = sorted(Path(report["output_folder"]).iterdir())
    assert len(files) == report["approved"] == 2
    for path in files:
        tags = read_tags(path)
        assert (as_list(tags["XMP-dc:Creator"]), tags["IPTC:By-line"]) == (["Åsa Studio"], "Åsa Studio")
        assert tags["XMP-dc:Rights"] == tags["IPTC:CopyrightNotice"] == "© 2026 Åsa Studio AB"
        assert tags["XMP-dc:Title"] and tags["IPTC:ObjectName"] and tags["IPTC:CodedCharacterSet"] == "UTF8"
