"""Exports read back as a user would open them: workbooks, image ZIPs with stock CSVs, job ZIPs, cancel."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image

from gif_app import settings as settings_mod
from gif_app.app import App, AppOptions, build_app
from gif_app.domain import (
    GeneratedImage,
    ImageStatus,
    JobExecution,
    JobStatus,
    NewImage,
    ProcessingRecord,
    StockMetadata,
)
from gif_app.export.embed import read_embedded_metadata
from gif_app.export.service import ExportService
from gif_app.settings_schema import SETTINGS

CANARY = "sk-canary-1234567890"
GOOD_KEYWORDS = ("cat", "kitten", "pet", "animal", "cute", "fur", "whiskers", "domestic")
WAIT_S = 60.0


class ChosenPath:
    """Stands in for the OS save dialog: answers with a fixed path (or None) and records the call."""

    def __init__(self, answer: Path | None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, list[str], str]] = []

    def pick_path(self, kind: str, file_types: list[str], current: str) -> str | None:
        return None

    def save_path(self, suggested_name: str, file_types: list[str], folder: str) -> str | None:
        self.calls.append((suggested_name, file_types, folder))
        return str(self.answer) if self.answer else None


@dataclass
class World:
    """An app with one finished job whose files are real images on disk."""

    app: App
    api: Any
    service: ExportService
    execution: JobExecution
    images: list[GeneratedImage]


def write_image(path: Path, colour: tuple[int, int, int], fmt: str = "PNG", size: int = 16) -> Path:
    """Write a small real image file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), colour).save(path, fmt)
    return path


def open_app(home: Path) -> tuple[App, Any, ExportService]:
    """Build the app with the canary key; return it, its API and its export service."""
    app = build_app(home, AppOptions(prefer_keychain=False, start_workers=False))
    app.ctx.keystore.set("openai", CANARY)
    return app, app.api, app.ctx.services.exports


def add_job(app: App, label: str, specs: list[dict[str, Any]]) -> tuple[JobExecution, list[GeneratedImage]]:
    """Record a completed job with one image per spec (file written under the output folder)."""
    snapshot = settings_mod.defaults()
    snapshot["parameters"]["label"] = label
    execution = app.repo.create_execution(label=label, configuration_id=None, settings_snapshot=snapshot,
                                          planned=len(specs), status=JobStatus.COMPLETED)
    images = []
    with app.repo.db.atomic():  # one transaction: recording 1,000 rows stays quick
        for n, spec in enumerate(specs):
            images.append(_add_image(app, execution, n, spec))
    app.repo.refresh_counts(execution.id)
    return app.repo.get_execution(execution.id), images


def _add_image(app: App, execution: JobExecution, n: int, spec: dict[str, Any]) -> GeneratedImage:
    """Write one image file and record it with its final status and metadata."""
    folder = app.home.default_output / spec.get("folder", f"job-{execution.id}")
    path = write_image(folder / spec["name"], spec.get("colour", (200, 40 + n % 200, 40)), spec.get("fmt", "PNG"),
                       spec.get("size", 16))
    image = app.repo.record_image(NewImage(
        mapping_id=f"{execution.id}-{n}", execution_id=execution.id, generation_index=n, variation_index=0,
        prompt=spec.get("prompt", f"a ginger kitten number {n}"), keyword="kitten", seed=1000 + n,
        provider="runware", provider_ids={}, temp_path=str(path), cost=0.0025))
    status = spec.get("status", ImageStatus.APPROVED)
    metadata = spec.get("metadata", StockMetadata(title=f"Ginger kitten {n}", description="A ginger kitten.",
                                                  keywords=GOOD_KEYWORDS, category="Animals"))
    is_approved = status is ImageStatus.APPROVED
    return app.repo.update_image(image.id, status=status, final_path=str(path) if is_approved else None,
                                 temp_path=None if is_approved else str(path), reason=spec.get("reason"),
                                 metadata=metadata)


STANDARD = [
    {"name": "kitten_1.png", "folder": "a", "prompt": "=HYPERLINK(\"http://x\") kitten"},
    {"name": "kitten_1.png", "folder": "b"},  # same basename in another folder
    {"name": "KITTEN_1.png", "folder": "c"},  # and one that differs only by case
    {"name": "photo.jpg", "fmt": "JPEG",
     "metadata": StockMetadata(title="T" * 90, description="", keywords=("cat", "dog"), category="")},
    {"name": "reject.png", "status": ImageStatus.QC_FAILED, "reason": "Garbled text"},
]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app, api, service = open_app(tmp_path / "home")
    try:
        execution, images = add_job(app, "Kittens, ginger", STANDARD)
        yield World(app, api, service, execution, images)
    finally:
        app.close()


def finish(world: World, answer: dict[str, Any]) -> dict[str, Any]:
    """Wait for an export started through the API and return its final progress."""
    assert answer["ok"], answer
    export_id = answer["data"]["export_id"]
    assert world.service.wait(export_id, WAIT_S)
    progress = world.api.export_progress(export_id)
    assert progress["ok"]
    return dict(progress["data"])


def all_bytes(path: Path) -> bytes:
    """Return every byte a user could read out of an export, nested ZIPs (xlsx) unpacked."""
    def unpack(data: bytes) -> bytes:
        if not data.startswith(b"PK"):
            return data
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return data + b"".join(unpack(archive.read(name)) for name in archive.namelist())

    return unpack(path.read_bytes())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_job_workbook_has_summary_labelled_settings_and_images(world: World, tmp_path: Path) -> None:
    target = tmp_path / "out" / "job.xlsx"
    final = finish(world, world.api.export_job_xlsx(world.execution.id, str(target)))
    assert final["state"] == "done" and final["path"] == str(target)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Settings", "Images", "Costs"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Label"] == "Kittens, ginger" and summary["Status"] == "completed"
    assert summary["Approved"] == 4 and summary["QC failed"] == 1 and summary["Images approved"] == 4
    settings_rows = list(book["Settings"].iter_rows(values_only=True))
    assert settings_rows[0] == ("Setting", "Value")
    assert ("Stock site", "Adobe Stock") in settings_rows and ("Job label", "Kittens, ginger") in settings_rows
    assert ("Sharpening", "Not applied") in settings_rows  # enhancement was off in this job
    assert ("Processing", None) in settings_rows  # section heading row
    shown = {str(cell) for row in settings_rows for cell in row}
    assert not shown & set(SETTINGS), "labels only, never keys like metadata.site_preset"
    images = book["Images"]
    header = [c.value for c in images[1]]
    assert header[:3] == ["File name", "Status", "Reason"] and "Keywords" in header and "Seed" in header
    assert "Adobe Stock category" in header and "Shutterstock categories" in header
    last_column = chr(ord("A") + len(header) - 1)
    assert images.freeze_panes == "A2" and images.auto_filter.ref == f"A1:{last_column}{len(STANDARD) + 1}"
    assert images.column_dimensions["D"].width > 20  # prompts get room
    rows = list(images.iter_rows(min_row=2, values_only=True))
    assert rows[0][3].startswith("=HYPERLINK") and images["D2"].data_type == "s"  # text, never a formula
    assert {r[1] for r in rows} == {"approved", "qc_failed"} and rows[4][2] == "Garbled text"
    assert CANARY.encode() not in all_bytes(target)


def test_image_zip_names_match_csvs_and_metadata_without_touching_originals(world: World, tmp_path: Path) -> None:
    before = {i.id: digest(Path(i.current_path or "")) for i in world.images}
    target = tmp_path / "images.zip"
    final = finish(world, world.api.export_images_zip({"execution_ids": [world.execution.id]},
                                                      ["adobe", "shutterstock", "freepik"], True, str(target)))
    assert final["state"] == "done" and final["count"] == 4 and final["done"] == final["total"]
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        entries = sorted(n.removeprefix("images/") for n in names if n.startswith("images/"))
        assert entries == sorted(["kitten_1.png", "kitten_1_2.png", "KITTEN_1_3.png", "photo.jpg"])
        assert {"metadata.xlsx", "adobe_stock.csv", "shutterstock.csv", "freepik.csv"} <= set(names)
        for csv_name, delimiter, column in (("adobe_stock.csv", ",", "Filename"),
                                            ("shutterstock.csv", ",", "Filename"), ("freepik.csv", ";", "File name")):
            rows = list(csv.DictReader(io.StringIO(archive.read(csv_name).decode("utf-8")), delimiter=delimiter))
            assert sorted(r[column] for r in rows) == entries, csv_name
        adobe = {r["Filename"]: r for r in csv.DictReader(io.StringIO(archive.read("adobe_stock.csv").decode()))}
        assert adobe["kitten_1.png"]["Category"] == "1" and adobe["photo.jpg"]["Title"] == "T" * 90
        freepik = list(csv.DictReader(io.StringIO(archive.read("freepik.csv").decode()), delimiter=";"))
        prompts = [r["Prompt"] for r in freepik if r["Prompt"].lstrip("'").startswith("=")]
        assert prompts == ["'=HYPERLINK(\"http://x\") kitten"], "the planted formula is written as text"
        book = openpyxl.load_workbook(io.BytesIO(archive.read("metadata.xlsx")))
        sheet_names = sorted(row[1] for row in book["Images"].iter_rows(min_row=2, values_only=True))
        assert sheet_names == entries
        copy = tmp_path / "copy.jpg"
        copy.write_bytes(archive.read("images/photo.jpg"))
    embedded = read_embedded_metadata(copy)
    assert embedded.title == "T" * 90 and embedded.keywords == ("cat", "dog")
    assert {i.id: digest(Path(i.current_path or "")) for i in world.images} == before
    assert read_embedded_metadata(Path(world.images[3].current_path or "")).title == ""
    assert CANARY.encode() not in all_bytes(target)


def test_validation_lists_problems_per_image_and_export_anyway_works(world: World, tmp_path: Path) -> None:
    answer = world.api.validate_export({"execution_ids": [world.execution.id]}, ["adobe", "shutterstock"])
    assert answer["ok"]
    data = answer["data"]
    # Every file is a 16 px test image: each row is too small for both sites, and the PNGs are not JPEG.
    assert data["checked"] == 4 and data["with_problems"] == 4
    by_name = {item["file_name"]: item["problems"] for item in data["images"]}
    problems = by_name["photo.jpg"]
    assert any("Title is 90 characters" in p for p in problems["Adobe Stock"])
    assert any("Only 2 keywords" in p for p in problems["Adobe Stock"])
    assert any("Missing category" in p for p in problems["Shutterstock"])
    assert not any("File is" in p for p in problems["Adobe Stock"]), "a JPEG is the right format"
    png = by_name["kitten_1.png"]
    assert png["Adobe Stock"][0].startswith("File is PNG; Adobe Stock wants JPEG")
    assert any("16x16 px (0.00 MP); Shutterstock needs at least 4 MP" in p for p in png["Shutterstock"])
    # The legacy category "Animals" is Adobe's (id 1), not a Shutterstock category.
    assert 'Category "Animals" is not one of Shutterstock\'s categories.' in png["Shutterstock"]
    sites = {site["site"]: site for site in data["sites"]}
    assert sites["shutterstock"]["accepts_ai"] is False and sites["adobe"]["accepts_ai"] is True
    freepik = world.api.validate_export({"execution_ids": [world.execution.id]}, ["freepik"])["data"]
    planted = {item["file_name"]: item["problems"] for item in freepik["images"]}["kitten_1.png"]["Freepik"]
    assert any(p.startswith("Prompt starts with '='") for p in planted)
    bad = world.api.validate_export({"execution_ids": [world.execution.id]}, ["istock"])
    assert not bad["ok"] and "istock" in bad["error"]["message"]
    # A gallery selection may include a QC-failed image; its problems are listed too.
    selected = world.api.validate_export({"image_ids": [world.images[4].id]}, ["adobe"])
    assert selected["ok"] and selected["data"]["checked"] == 1
    final = finish(world, world.api.export_images_zip({"image_ids": [world.images[3].id]}, ["adobe"], False,
                                                      str(tmp_path / "anyway")))
    assert final["state"] == "done" and final["path"] == str(tmp_path / "anyway.zip")


READY = StockMetadata(title="Ginger kitten asleep on a sofa", description="A ginger kitten asleep on a sofa.",
                      keywords=GOOD_KEYWORDS, categories=(("adobe", ("1",)), ("shutterstock", ("Animals/Wildlife",))))


def test_an_upload_ready_jpeg_passes_and_a_soft_failed_one_is_flagged(world: World) -> None:
    job, images = add_job(world.app, "Ready", [{"name": "ready.jpg", "fmt": "JPEG", "size": 2000, "metadata": READY},
                                               {"name": "soft.jpg", "fmt": "JPEG", "size": 2000, "metadata": READY}])
    soft = ProcessingRecord(soft_failures=({"stage": "remove_bg", "message": "remove.bg answered 402"},))
    world.app.repo.update_image(images[1].id, processing=soft)
    data = world.api.validate_export({"execution_ids": [job.id]}, ["adobe", "shutterstock", "freepik"])["data"]
    assert data["checked"] == 2 and [item["file_name"] for item in data["images"]] == ["soft.jpg"]
    assert data["images"][0]["problems"] == {"Processing": [
        "Background removal failed during processing (remove.bg answered 402): the file went out unchanged by "
        "that step; retry it from Failed Images or check it by eye."]}


def test_jobs_zip_holds_one_workbook_per_job_and_a_summary(world: World, tmp_path: Path) -> None:
    second, _ = add_job(world.app, "Puppies", [{"name": "puppy.png"}])
    target = tmp_path / "jobs.zip"
    final = finish(world, world.api.export_jobs_zip([world.execution.id, second.id], str(target)))
    assert final["state"] == "done"
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == sorted([f"job-{world.execution.id}-Kittens, ginger.xlsx", f"job-{second.id}-Puppies.xlsx",
                                "summary.xlsx"])
        summary = openpyxl.load_workbook(io.BytesIO(archive.read("summary.xlsx")))["Jobs"]
        labels = [row[1] for row in summary.iter_rows(min_row=2, values_only=True)]
        assert labels == ["Kittens, ginger", "Puppies"]
        puppies = openpyxl.load_workbook(io.BytesIO(archive.read(f"job-{second.id}-Puppies.xlsx")))
        assert puppies["Images"]["A2"].value == "puppy.png"
    assert CANARY.encode() not in all_bytes(target)


def test_save_dialog_starts_in_the_last_folder_and_cancel_writes_nothing(world: World, tmp_path: Path) -> None:
    chosen = tmp_path / "picked" / "mine.xlsx"
    chosen.parent.mkdir()
    dialog = ChosenPath(chosen)
    world.app.ctx.dialogs = dialog
    final = finish(world, world.api.export_job_xlsx(world.execution.id))
    assert final["state"] == "done" and chosen.is_file()
    assert dialog.calls[0][0] == f"job-{world.execution.id}-Kittens, ginger.xlsx"
    assert dialog.calls[0][2] == str(world.app.home.exports)  # nothing remembered yet: the exports folder
    state = json.loads((world.app.home.root / "ui_state.json").read_text(encoding="utf-8"))
    assert state["last_export_folder"] == str(chosen.parent)
    dialog.answer = None
    cancelled = world.api.export_images_zip({"execution_ids": [world.execution.id]}, [], False)
    assert cancelled == {"ok": True, "data": {"export_id": None, "path": None}}
    assert dialog.calls[1][0].startswith("images-") and dialog.calls[1][2] == str(chosen.parent)
    assert sorted(p.name for p in chosen.parent.iterdir()) == ["mine.xlsx"]


def test_missing_files_and_empty_selections_are_explained(world: World, tmp_path: Path) -> None:
    Path(world.images[1].current_path or "").unlink()
    final = finish(world, world.api.export_images_zip({"execution_ids": [world.execution.id]}, [], False,
                                                      str(tmp_path / "partial.zip")))
    assert final["state"] == "done" and final["count"] == 3
    assert any("file not found" in line for line in final["skipped"])
    empty, _ = add_job(world.app, "Nothing approved", [{"name": "x.png", "status": ImageStatus.QC_FAILED}])
    refused = world.api.export_images_zip({"execution_ids": [empty.id]}, [], False, str(tmp_path / "e.zip"))
    assert not refused["ok"] and "no approved images" in refused["error"]["message"]
    missing = world.api.export_job_xlsx(99999, str(tmp_path / "n.xlsx"))
    assert not missing["ok"] and missing["error"]["code"] == "not_found"
    unknown = world.api.validate_export({"execution_ids": [99999]}, ["adobe"])
    assert not unknown["ok"] and "99999 does not exist" in unknown["error"]["message"]
    assert not (tmp_path / "e.zip").exists() and not (tmp_path / "n.xlsx").exists()


def test_a_thousand_images_export_with_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    app, api, service = open_app(tmp_path / "home")
    try:
        specs = [{"name": f"img_{n:04d}.png", "colour": (n % 256, (n * 7) % 256, 90)} for n in range(1000)]
        execution, _ = add_job(app, "Thousand", specs)
        events: list[dict[str, Any]] = []
        first_step, cancel_sent = threading.Event(), threading.Event()

        def listen(snapshot: dict[str, Any]) -> None:
            events.append(snapshot)
            if snapshot["state"] == "running" and snapshot["done"] >= 1 and not first_step.is_set():
                first_step.set()
                cancel_sent.wait(WAIT_S)  # hold the worker until the test thread has asked to cancel

        service.add_listener(listen)
        target = tmp_path / "big.zip"
        export_id = service.start_export("images_zip", {"execution_ids": [execution.id], "presets": ["adobe"]},
                                         target)
        assert first_step.wait(WAIT_S)
        assert service.cancel(export_id)["state"] == "running"
        cancel_sent.set()
        assert service.wait(export_id, WAIT_S)
        cancelled = service.progress(export_id)
        assert cancelled["state"] == "cancelled" and cancelled["done"] < cancelled["total"] == 1001
        assert not target.exists() and list(tmp_path.glob("*.part")) == []

        events.clear()
        done_answer = api.export_images_zip({"execution_ids": [execution.id]}, ["adobe", "freepik"], False,
                                            str(target))
        assert done_answer["ok"] and service.wait(done_answer["data"]["export_id"], WAIT_S)
        final = service.progress(done_answer["data"]["export_id"])
        assert final["state"] == "done" and final["done"] == final["total"] == 1001
        steps = [e["done"] for e in events if e["state"] == "running"]
        assert len(steps) >= 1000 and steps == sorted(steps)
        with zipfile.ZipFile(target) as archive:
            assert len([n for n in archive.namelist() if n.startswith("images/")]) == 1000
            rows = list(csv.reader(io.StringIO(archive.read("adobe_stock.csv").decode("utf-8"))))
            assert len(rows) == 1001 and rows[1000][0] == "img_0999.png"
    finally:
        app.close()
