"""The README's command-line examples run as written, in order, in a fresh home on the sandbox."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from gif_app.paths import APP_NAME

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- tests/integration/test_readme_examples.py runs the next block, line by line -->"


def readme_commands() -> list[str]:
    """Return the lines of the README's marked shell block, as a reader would paste them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text.split(MARKER, 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, "the marked README block is gone"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Return the environment of a new user: own HOME, no GIF_APP_HOME, `gif-app` on PATH, some pictures."""
    home = tmp_path / "user"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    launcher = bin_dir / "gif-app"
    # The console script of this checkout: the README says `gif-app`, so the test types `gif-app`.
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gif_app "$@"\n', encoding="utf-8")
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)
    pictures = home / "pictures"
    pictures.mkdir(parents=True)
    for n, colour in enumerate(((200, 40, 40, 255), (40, 120, 200, 255))):
        Image.new("RGBA", (96, 64), colour).save(pictures / f"picture-{n}.png")
    env = {k: v for k, v in os.environ.items()
           if k not in {"GIF_APP_HOME", "XDG_DATA_HOME"} and not k.startswith("GIF_SANDBOX_")}
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(ROOT))
    (home / "work").mkdir()
    return env


def _sh(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env,
                          cwd=Path(env["HOME"]) / "work", timeout=300, check=False)


def test_the_readme_examples_run_as_written_in_sequence(user: dict[str, str]) -> None:
    commands = readme_commands()
    assert commands[0].startswith("gif-app run --sandbox") and "--json" in commands[0]
    assert any(line.startswith("gif-app export 1 ") for line in commands)
    results = []
    for line in commands:
        done = _sh(line, user)
        assert done.returncode == 0, f"{line}\n{done.stderr[-2000:]}"
        results.append(done)
    summary = json.loads(results[0].stdout)  # the whole of stdout is one JSON document
    sandbox_home = Path(user["HOME"]) / ".local" / "share" / APP_NAME / "sandbox"
    assert summary["execution_id"] == 1 and summary["status"] == "completed"
    assert summary["home"] == str(sandbox_home)
    work, home = Path(user["HOME"]) / "work", Path(user["HOME"])
    with zipfile.ZipFile(work / "upload.zip") as archive:
        names = archive.namelist()
    images = [name for name in names if name.startswith("images/")]
    # The defaults are upload-ready for Adobe Stock: JPEG files with names of at most 30 characters.
    assert len(images) == summary["approved"] > 0
    assert all(name.endswith(".jpg") and len(name.removeprefix("images/")) <= 30 for name in images)
    assert any(name.endswith(".csv") for name in names)
    assert (work / "job-1.xlsx").stat().st_size > 0
    shown_at = next(i for i, line in enumerate(commands) if line.startswith("gif-app settings show --sandbox"))
    shown = json.loads(results[shown_at].stdout)
    assert shown["file_paths"]["keywords_file"].startswith(str(sandbox_home))  # the sandbox's own settings
    processed = sorted((home / "processed").iterdir())
    assert [p.name for p in processed] == ["picture-0.jpg", "picture-1.jpg"]
    for path in processed:  # the default recipe, as the README says: JPEG, at least 4 MP
        with Image.open(path) as picture:
            assert picture.format == "JPEG" and picture.width * picture.height >= 4_000_000


def test_export_without_sandbox_says_where_sandbox_jobs_live(user: dict[str, str]) -> None:
    ran = _sh("gif-app run --sandbox --set parameters.count=1 --json", user)
    assert ran.returncode == 0, ran.stderr[-2000:]
    missed = _sh("gif-app export 1 --xlsx job.xlsx", user)
    assert missed.returncode == 1
    sandbox_home = Path(user["HOME"]) / ".local" / "share" / APP_NAME / "sandbox"
    assert "Job 1 does not exist in the data folder" in missed.stderr
    assert f"Jobs run with --sandbox live in {sandbox_home}: add --sandbox" in missed.stderr
