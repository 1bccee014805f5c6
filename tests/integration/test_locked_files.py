"""Files that cannot be deleted or saved: files go before rows, and an image is never left "processing"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gif_app.app import App
from gif_app.domain import ImageStatus
from gif_app.errors import NotFoundError
from gif_app.jobs.recovery import recover
from tests.helpers.locks import locked_folder
from tests.integration.retry_support import Done, failed_job, retries_of


@pytest.fixture
def app(sandbox_app: App) -> App:
    """Return the sandbox app of tests/integration/conftest.py (workers started by each test)."""
    return sandbox_app


def _set_apart(app: App, image_id: int) -> Path:
    """Move one image's file into a folder of its own (to be locked) and return that folder."""
    image = app.repo.get_image(image_id)
    source = Path(image.temp_path or "")
    folder = source.parent / "held"
    folder.mkdir()
    moved = source.rename(folder / source.name)
    app.repo.update_image(image_id, temp_path=str(moved))
    return folder


def _exists(app: App, image_id: int) -> bool:
    try:
        app.repo.get_image(image_id)
    except NotFoundError:
        return False
    return True


def test_an_image_whose_file_cannot_go_keeps_its_row_and_the_others_go(app: App) -> None:
    ids = failed_job(app, "figs", {}, images=3)
    files = [Path(app.repo.get_image(i).temp_path or "") for i in ids]
    held = _set_apart(app, ids[1])
    with locked_folder(held):
        answer = app.api.delete_images(ids, True)
        assert answer["ok"] is False and answer["error"]["code"] == "file_in_use"
        assert answer["error"]["message"].startswith("Deleted 2 of 3 images. 1 image kept: figs-1.png")
        assert [_exists(app, i) for i in ids] == [False, True, False]
        assert not files[0].exists() and not files[2].exists()
        assert (held / "figs-1.png").is_file()  # the kept row still points at a real file
    # once the file is free, deleting it again finishes the job
    assert app.api.delete_images([ids[1]], True) == {"ok": True, "data": {"deleted": 1, "files_deleted": 1}}
    assert not (held / "figs-1.png").exists()


def test_a_job_with_a_file_that_cannot_go_stays_with_that_image_only(app: App) -> None:
    ids = failed_job(app, "kiwis", {}, images=3)
    execution_id = app.repo.get_image(ids[0]).execution_id
    held = _set_apart(app, ids[2])
    with locked_folder(held):
        answer = app.api.delete_jobs([execution_id], True)
        assert answer["ok"] is False and answer["error"]["code"] == "file_in_use"
        assert "Deleted 0 of 1 job and 2 files. 1 image kept: kiwis-2.png" in answer["error"]["message"]
        assert [_exists(app, i) for i in ids] == [False, False, True]
        assert app.api.get_job(execution_id)["ok"]  # the job stays, holding the one image left
    assert app.api.delete_jobs([execution_id], True) == {"ok": True, "data": {"deleted": 1, "files_deleted": 1}}
    assert not _exists(app, ids[2]) and app.api.get_job(execution_id)["error"]["code"] == "not_found"


def test_a_retry_that_cannot_save_ends_failed_with_the_reason_never_processing(app: App) -> None:
    ids = failed_job(app, "plums", {}, images=1)
    output = app.home.default_output
    output.mkdir(parents=True, exist_ok=True)
    done = Done(app)
    with locked_folder(output):
        retries_of(app).start_worker()
        assert app.api.retry_images(ids, "original", None, False, [])["ok"]
        done.wait(1)
        image = app.repo.get_image(ids[0])
        assert image.status is ImageStatus.RETRY_FAILED
        assert image.reason == "processing_failed:save_final"
        assert f"in {output}" in image.processing.error
        assert image.temp_path and Path(image.temp_path).is_file()  # the original is kept for another try
        page = app.api.get_image(ids[0])["data"]  # what the Failed Images modal shows
        assert page["status"] == "retry_failed" and page["processing"]["error"] == image.processing.error
    assert app.api.retry_images(ids, "original", None, False, [])["ok"]  # a retry after the fix succeeds
    done.wait(2)
    assert app.repo.get_image(ids[0]).status is ImageStatus.APPROVED


def test_a_retry_whose_working_copy_cannot_be_made_is_never_left_processing(app: App) -> None:
    ids = failed_job(app, "pears", {}, images=1)
    held = _set_apart(app, ids[0])
    done = Done(app)
    with locked_folder(held):
        retries_of(app).start_worker()
        assert app.api.retry_images(ids, "original", None, False, [])["ok"]
        done.wait(1)
        image = app.repo.get_image(ids[0])
        assert image.status is ImageStatus.RETRY_FAILED and image.processing.error
        assert app.api.failed_counts()["data"]["retry_failed"] == 1


def test_start_up_recovery_goes_on_past_a_leftover_it_cannot_delete(app: App) -> None:
    temp = app.home.default_temp
    leftover = temp / ".sunset.png.0123abcd.part"
    leftover.write_bytes(b"half a file")
    with locked_folder(temp):
        report = recover(app.repo, [temp])  # before: the PermissionError stopped the app from starting
        assert report.partial_files_removed == 0 and leftover.is_file()
    assert recover(app.repo, [temp]).partial_files_removed == 1
    assert not leftover.exists()
