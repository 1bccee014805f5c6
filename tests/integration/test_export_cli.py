"""`gif-app export` on a real app home: workbooks, image ZIPs with CSVs, jobs ZIPs and clear refusals."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from gif_app.cli import main
from tests.integration.test_exports import CANARY, STANDARD, add_job, all_bytes, open_app

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Home:
    """An app home with two finished jobs, closed again so the CLI opens it like a user would."""

    root: Path
    kittens: int
    puppies: int


@pytest.fixture
def cli_home(tmp_path: Path) -> Home:
    root = tmp_path / "home"
    app, _, _ = open_app(root)
    try:
        kittens, _ = add_job(app, "Kittens", STANDARD)
        puppies, _ = add_job(app, "Puppies", [{"name": "puppy.png"}])
    finally:
        app.close()
    return Home(root, kittens.id, puppies.id)


def run(home: Home, *args: str) -> int:
    return main(["--home", str(home.root), "export", *args])


def test_xlsx_writes_one_jobs_workbook(cli_home: Home, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kittens.xlsx"
    assert run(cli_home, str(cli_home.kittens), "--xlsx", str(target)) == 0
    assert f"Wrote {target}" in capsys.readouterr().out
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Settings", "Images"]
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
    assert run(cli_home, str(cli_home.puppies), "--zip", str(target), "--csv", "adobe", "--strict") == 0
    assert target.is_file()


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
