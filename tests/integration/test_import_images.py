"""`gif-app run --images` imports the user's own files: copied, never changed, then QC, processing, metadata."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gif_app.cli import main
from gif_app.domain import ImageStatus
from gif_app.export.targets import get_target
from gif_app.paths import HomeLayout
from gif_app.store.repository import Repository
from tests.helpers.exiftool import as_list, read_tags, write_tags

ROOT = Path(__file__).resolve().parents[2]
COLOURS = ((200, 40, 40), (40, 160, 60), (30, 60, 200), (220, 200, 30))


def _run(home: Path, *paths: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox", "--json",
         # QC is optional: off here, since the sandbox's vision model refuses some images by design.
         "--set", "ai.run_quality_check=false", "--images",
         *map(str, paths)],
        capture_output=True, text=True, timeout=180, cwd=ROOT, check=False)
    assert done.stdout.strip(), done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["returncode"] = done.returncode
    return report


def _pngs(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for number, colour in enumerate(COLOURS):
        path = folder / f"photo_{number}.png"
        Image.new("RGB", (320 + 16 * number, 240), colour).save(path)
        paths.append(path)
    return paths


def _digests(paths: list[Path]) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(autouse=True)
def _quiet_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIF_SANDBOX_LATENCY", raising=False)
    monkeypatch.delenv("GIF_SANDBOX_FAULTS", raising=False)


def test_four_pngs_become_four_approved_rows_with_metadata_and_an_adobe_csv(tmp_path: Path) -> None:
    home = tmp_path / "home"
    originals = _pngs(tmp_path / "mine")
    before = _digests(originals)
    report = _run(home, tmp_path / "mine")  # a folder: its image files are the sources
    assert report["returncode"] == 0 and report["status"] == "completed", report
    assert _digests(originals) == before  # the originals are only ever read

    repo = Repository.open(HomeLayout(home).database)
    try:
        rows = repo.images_of_execution(report["execution_id"])
    finally:
        repo.close()
    assert len(rows) == 4 and all(r.status is ImageStatus.APPROVED for r in rows)
    assert {r.provider for r in rows} == {"import"}
    assert sorted(r.provider_ids["sha256"] for r in rows) == sorted(before)
    assert sorted(Path(r.provider_ids["source_path"]).name for r in rows) == [p.name for p in originals]
    for row in rows:
        assert row.final_path and row.metadata.title and dict(row.metadata.categories).get("adobe")
        assert read_tags(Path(row.final_path))["XMP-dc:Title"] == row.metadata.title

    target = tmp_path / "upload.zip"
    assert main(["--home", str(home), "export", str(report["execution_id"]), "--zip", str(target),
                 "--csv", "adobe"]) == 0
    with zipfile.ZipFile(target) as archive:
        lines = list(csv.DictReader(io.StringIO(archive.read("adobe_stock.csv").decode("utf-8"))))
    assert len(lines) == 4
    assert all(get_target("adobe").category(line["Category"]) is not None for line in lines)


def test_same_files_again_are_flagged_as_duplicates_and_a_corrupt_file_fails_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    originals = _pngs(tmp_path / "mine")
    first = _run(home, *originals[:2])
    assert first["status"] == "completed" and first["approved"] == 2
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(originals[3].read_bytes()[:60])  # a PNG cut short: header, no pixels
    missing = tmp_path / "gone.png"  # named, but not there (moved meanwhile): that file's failure alone
    second = _run(home, *originals, corrupt, missing)
    # Two new files go through; the two already imported, the corrupt and the missing one are each flagged.
    assert second["status"] == "completed" and second["approved"] == 2, second

    repo = Repository.open(HomeLayout(home).database)
    try:
        rows = {Path(r.provider_ids["source_path"]).name: r for r in repo.images_of_execution(second["execution_id"])}
        earlier = {r.provider_ids["sha256"]: r.mapping_id for r in repo.images_of_execution(first["execution_id"])}
    finally:
        repo.close()
    assert len(rows) == 6
    for original in originals[:2]:
        flagged = rows[original.name]
        assert (flagged.status, flagged.reason, flagged.final_path) == (ImageStatus.QC_FAILED, "duplicate", None)
        assert flagged.provider_ids["sha256"] in earlier
    assert rows["broken.png"].status is ImageStatus.QC_FAILED
    assert rows["broken.png"].reason == "processing_failed:input"
    assert (rows["gone.png"].status, rows["gone.png"].reason) == (ImageStatus.QC_FAILED, "processing_failed:input")
    assert {rows[p.name].status for p in originals[2:]} == {ImageStatus.APPROVED}


@pytest.mark.parametrize("choice", ["keep", "merge", "replace"])
def test_metadata_the_file_carries_is_kept_merged_or_replaced(tmp_path: Path, choice: str) -> None:
    home = tmp_path / "home"
    source = _pngs(tmp_path / "mine")[0]
    write_tags(source, "-XMP-dc:Title=Harbour at dawn", "-XMP-dc:Subject=harbour", "-XMP-dc:Subject=boats")
    before = _digests([source])
    done = subprocess.run(
        [sys.executable, "-m", "gif_app", "--home", str(home), "run", "--sandbox", "--json",
         "--set", "ai.run_quality_check=false", "--existing-metadata", choice, "--images", str(source)],
        capture_output=True, text=True, timeout=180, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _digests([source]) == before
    repo = Repository.open(HomeLayout(home).database)
    try:
        (row,) = repo.images_of_execution(1)
    finally:
        repo.close()
    assert row.provider_ids["embedded"]["title"] == "Harbour at dawn"
    tags = read_tags(Path(str(row.final_path)))
    keywords = as_list(tags.get("XMP-dc:Subject"))
    if choice == "keep":
        assert tags["XMP-dc:Title"] == "Harbour at dawn" and keywords == ["harbour", "boats"]
    elif choice == "merge":
        assert tags["XMP-dc:Title"] != "Harbour at dawn" and keywords[:2] == ["harbour", "boats"]
        assert len(keywords) > 2
    else:
        assert tags["XMP-dc:Title"] != "Harbour at dawn" and "harbour" not in keywords[:2]
    assert dict(row.metadata.categories).get("adobe")  # the model chose the categories in every case
