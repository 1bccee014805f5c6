"""`gif-app export` on a real app home: workbooks, image ZIPs with CSVs, jobs ZIPs and clear refusals."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from gif_app.cli import main
from gif_app.export.targets import get_target
from tests.integration.test_exports import CANARY, READY, STANDARD, add_job, all_bytes, open_app

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Home:
    """An app home with two finished jobs, closed again so the CLI opens it like a user would."""

    root: Path
    kittens: int
    puppies: int
    ready: int  # one upload-ready JPEG (4 MP, categories per site)


@pytest.fixture
def cli_home(tmp_path: Path) -> Home:
    root = tmp_path / "home"
    app, _, _ = open_app(root)
    try:
        kittens, _ = add_job(app, "Kittens", STANDARD)
        puppies, _ = add_job(app, "Puppies", [{"name": "puppy.png"}])
        ready, _ = add_job(app, "Ready", [{"name": "ready.jpg", "fmt": "JPEG", "size": 2000, "metadata": READY}])
    finally:
        app.close()
    return Home(root, kittens.id, puppies.id, ready.id)


def run(home: Home, *args: str) -> int:
    return main(["--home", str(home.root), "export", *args])


def test_xlsx_writes_one_jobs_workbook(cli_home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kittens.xlsx"
    assert run(cli_home, str(cli_home.kittens), "--xlsx", str(target)) == 0
    assert f"Wrote {target}" in capsys.readouterr().out
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Settings", "Images", "Costs"]
    assert book["Images"].max_row == len(STANDARD) + 1
    assert CANARY.encode() not in all_bytes(target)


def test_xlsx_with_several_ids_is_refused(cli_home: Home, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "both.xlsx"
    assert run(cli_home, str(cli_home.kittens), str(cli_home.puppies), "--xlsx", str(target)) == 2
    assert "exactly one id" in capsys.readouterr().err
    assert not target.exists()


def test_zip_has_approved_images_csvs_and_embedded_copies(cli_home: Home, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "upload.zip"
    jobs_zip = tmp_path / "jobs.zip"
    code = run(cli_home, str(cli_home.kittens), str(cli_home.puppies), "--zip", str(target),
               "--csv", "adobe,shutterstock", "--embed", "--jobs-zip", str(jobs_zip))
    assert code == 0
    err = capsys.readouterr().err
    assert "warning: photo.jpg (Adobe Stock): Title is 90 characters" in err
    assert "warning: photo.jpg (Shutterstock): Missing category" in err
    assert "warning: puppy.png (Adobe Stock): File is PNG; Adobe Stock wants JPEG" in err
    assert "warning: Shutterstock does not accept AI-generated content." in err
    with zipfile.ZipFile(target) as archive:
        images = sorted(n.removeprefix("images/") for n in archive.namelist() if n.startswith("images/"))
        assert len(images) == 5 and "puppy.png" in images and "reject.png" not in images
        assert "freepik.csv" not in archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read("shutterstock.csv").decode("utf-8"))))
        assert rows[0][:4] == ["Filename", "Description", "Keywords", "Categories"]
        assert sorted(r[0] for r in rows[1:]) == images
        assert b"Ginger kitten 0" in archive.read("images/puppy.png")  # embedded XMP title of that image
    with zipfile.ZipFile(jobs_zip) as archive:
        assert len([n for n in archive.namelist() if n.startswith("job-")]) == 2
        assert "summary.xlsx" in archive.namelist()
    assert CANARY.encode() not in all_bytes(target) + all_bytes(jobs_zip)


def test_strict_refuses_rows_a_site_would_reject(cli_home: Home, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "strict.zip"
    assert run(cli_home, str(cli_home.kittens), "--zip", str(target), "--csv", "adobe", "--strict") == 2
    assert "break their site's rules" in capsys.readouterr().err
    assert not target.exists()
    assert run(cli_home, str(cli_home.puppies), "--zip", str(target), "--csv", "adobe", "--strict") == 2
    assert "puppy.png (Adobe Stock): Image is 16x16 px" in capsys.readouterr().err, "too small, even as a PNG"
    assert not target.exists()
    assert run(cli_home, str(cli_home.ready), "--zip", str(target), "--csv", "adobe", "--strict") == 0
    assert target.is_file()
    target.unlink()
    # A site that takes no AI content is warned about, not refused: --strict is about rows, the policy is the
    # seller's call.
    assert run(cli_home, str(cli_home.ready), "--zip", str(target), "--csv", "adobe,shutterstock", "--strict") == 0
    err = capsys.readouterr().err
    assert "warning: Shutterstock does not accept AI-generated content." in err and "warning: ready.jpg" not in err
    assert target.is_file()


def test_a_default_sandbox_job_exports_strictly_with_the_sites_ai_policies_and_well_formed_csvs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)
    home = tmp_path / "sandbox-home"
    done = subprocess.run([sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox",
                           "--set", "parameters.count=2", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    execution_id = json.loads(done.stdout.strip().splitlines()[-1])["execution_id"]
    target = tmp_path / "upload.zip"
    # Default settings are upload-ready for the default target: not one row is refused, even with --strict.
    assert main(["--home", str(home), "export", str(execution_id), "--zip", str(target),
                 "--csv", "adobe,shutterstock", "--strict"]) == 0
    err = capsys.readouterr().err
    assert "warning: Shutterstock does not accept AI-generated content." in err
    assert "submit.shutterstock.com/help/en/articles/10594622-content-policy-updates-ai-generated-content" in err
    assert "note: Adobe Stock accepts AI-generated content." in err and "Created using generative AI tools" in err
    with zipfile.ZipFile(target) as archive:
        images = sorted(n.removeprefix("images/") for n in archive.namelist() if n.startswith("images/"))
        assert images and all(len(name) <= 30 and name.endswith(".jpg") for name in images)
        for name, width in (("adobe_stock.csv", 5), ("shutterstock.csv", 7)):
            text = archive.read(name).decode("utf-8")
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
            assert all(len(row) == width for row in rows), name
            assert sorted(row[0] for row in rows[1:]) == images
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
            column = rows[0].index("Category" if name == "adobe_stock.csv" else "Categories")
            site = get_target("adobe" if name == "adobe_stock.csv" else "shutterstock")
            for row in rows[1:]:  # every row has categories from the site's own list
                chosen = [c for c in row[column].split(",") if c]
                assert chosen and all(site.category(c) is not None for c in chosen), row


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--zip", "{tmp}/x.zip", "--csv", "pond5"], 2, "Unknown stock CSV preset"),
    (["--embed"], 2, "Say what to write"),
    (["--xlsx", "{tmp}/x.xlsx", "--csv", "adobe"], 2, "apply to --zip"),
])
def test_bad_options_are_explained(cli_home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   args: list[str], code: int, message: str) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert run(cli_home, str(cli_home.kittens), *filled) == code
    assert message in capsys.readouterr().err
    assert list(tmp_path.glob("x.*")) == []


def test_unknown_job_fails_before_writing(cli_home: Home, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "none.zip"
    assert run(cli_home, "424242", "--zip", str(target)) == 1
    assert "424242 does not exist" in capsys.readouterr().err
    assert not target.exists()


def test_the_console_command_runs_as_a_process(cli_home: Home, tmp_path: Path) -> None:
    target = tmp_path / "proc.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "gif_app", "--home", str(cli_home.root), "export",
                           str(cli_home.puppies), "--xlsx", str(target)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(target)["Images"]["A2"].value == "puppy.png"
