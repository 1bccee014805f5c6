"""Retries against the rest of the app: jobs deleted under them, the settings panel's validation, metadata."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from gif_app.app import App
from gif_app.domain import ImageStatus, RetryStatus
from gif_app.jobs.retry import VANISHED
from tests.integration.jobs_support import wait_until
from tests.integration.retry_support import Done, failed_job, output_files, retries_of

FAST = {"parameters.generation_retries": 0, "parameters.generation_retry_backoff_ms": 0}


@pytest.fixture
def app(sandbox_app: App) -> App:
    """Return the sandbox app of tests/integration/conftest.py (workers started by each test)."""
    return sandbox_app


class RenameGate:
    """Runs `action` once, on the renaming thread, just before a file is renamed into `folder`.

    An audit hook sees the app's own os.replace calls without touching its code; it fires before the
    rename, so the action lands at an exact point of a retry (after its processed file is written, or after
    the move's intent is on record and before the move).
    """

    def __init__(self, folder: Path, action: Callable[[], None]) -> None:
        self.folder = folder
        self._action = action
        self.fired = threading.Event()

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event != "os.rename" or self.fired.is_set() or not isinstance(args[1], (str, Path)):
            return
        if Path(args[1]).parent == self.folder and not Path(args[1]).name.endswith(".part"):
            self.fired.set()
            self._action()


_GATES: list[RenameGate] = []


def _dispatch(event: str, args: tuple[Any, ...]) -> None:
    for gate in list(_GATES):
        gate(event, args)


_HOOK: list[Callable[[str, tuple[Any, ...]], None]] = []


@contextmanager
def gate(folder: Path, action: Callable[[], None]) -> Iterator[RenameGate]:
    """Arm a RenameGate for the duration of the block."""
    if not _HOOK:
        # An audit hook cannot be removed: one dispatcher is installed on first use and gates come and go.
        _HOOK.append(_dispatch)
        sys.addaudithook(_dispatch)
    armed = RenameGate(folder, action)
    _GATES.append(armed)
    try:
        yield armed
    finally:
        _GATES.remove(armed)


def test_deleting_a_job_cancels_its_retry_in_hand_and_the_next_retry_runs(app: App) -> None:
    doomed = failed_job(app, "doomed", FAST, images=1)
    kept = failed_job(app, "kept", FAST, images=1)
    assert app.sandbox is not None
    # remove.bg answers only when the servers stop: the retry is in hand until something cancels it.
    app.sandbox.config.latency["removebg"] = 600.0
    done = Done(app)
    assert app.api.retry_images(doomed, "modified", {"remove_bg": True}, False, [])["ok"]
    assert app.api.retry_images(kept, "modified", {"image_convert": True, "convert_format": "webp"}, False,
                                [])["ok"]
    retries_of(app).start_worker()
    wait_until(lambda: app.sandbox and app.sandbox.request_count("removebg") >= 1, what="the remove.bg call")
    assert app.api.retry_status()["data"]["current_image_id"] == doomed[0]
    execution_id = app.repo.get_image(doomed[0]).execution_id

    answer = app.api.delete_jobs([execution_id], True)

    assert answer["ok"], answer
    cancelled, approved = done.wait(2)
    assert cancelled.status is RetryStatus.CANCELLED and cancelled.error == "The job was deleted."
    assert approved.status is RetryStatus.DONE
    image = app.repo.get_image(kept[0])
    assert image.status is ImageStatus.APPROVED and Path(image.final_path or "").suffix == ".webp"
    # Nothing of the deleted job is left: not in the output folder, not in temp.
    assert output_files(app) == [Path(image.final_path or "")]
    assert not list(app.home.default_temp.glob("doomed-*"))
    assert app.api.retry_status()["data"]["current_image_id"] is None


@pytest.mark.parametrize("moment", ["processing", "move"])
def test_rows_deleted_under_a_running_retry_end_it_cancelled_without_an_orphan(app: App, moment: str) -> None:
    doomed = failed_job(app, "gone", FAST, images=1)
    kept = failed_job(app, "stays", FAST, images=1)
    execution_id = app.repo.get_image(doomed[0]).execution_id
    done = Done(app)
    convert = {"image_convert": True, "convert_format": "jpg"}
    assert app.api.retry_images(doomed, "modified", convert, False, [])["ok"]
    assert app.api.retry_images(kept, "modified", convert, False, [])["ok"]
    # The rows go without the retry service being told (as if the deletion raced past its cancellation):
    # while processing writes the new file into temp, or once the move's intent is on record.
    folder = app.home.default_temp if moment == "processing" else app.home.default_output
    with gate(folder, lambda: app.repo.delete_execution(execution_id)) as armed:
        retries_of(app).start_worker()
        ended, approved = done.wait(2)
    assert armed.fired.is_set()
    assert ended.status is RetryStatus.CANCELLED and ended.error == VANISHED
    assert approved.status is RetryStatus.DONE and approved.image_id == kept[0]
    # The one file in the output folder is the other job's; the deleted job's image left none behind.
    assert output_files(app) == [Path(app.repo.get_image(kept[0]).final_path or "")]


@pytest.mark.parametrize("key, value", [("sharpening", 999), ("jpg_quality", 0)])
def test_modified_values_out_of_range_are_refused_with_the_settings_panels_message(app: App, key: str,
                                                                                  value: int) -> None:
    ids = failed_job(app, "quinces", {}, images=1)
    modified = {"image_enhancement": True, "image_convert": True, "convert_format": "jpg", key: value}

    answer = app.api.retry_images(ids, "modified", modified, False, [])

    assert not answer["ok"] and answer["error"]["code"] == "validation_error"
    panel = app.api.validate_settings({f"processing.{key}": value})["data"]["errors"]
    assert panel[f"processing.{key}"].startswith("Must be between")
    assert answer["error"]["fields"] == panel
    assert app.repo.get_image(ids[0]).status is ImageStatus.QC_FAILED
    assert app.api.retry_status()["data"]["queued"] == 0


def test_a_key_that_is_no_processing_setting_is_refused(app: App) -> None:
    ids = failed_job(app, "lemons", {}, images=1)
    answer = app.api.retry_images(ids, "modified", {"count": 5}, False, [])
    assert not answer["ok"] and answer["error"]["fields"] == {"processing.count": "Not a processing setting."}


def test_a_missing_metadata_template_fails_the_retry_as_planning_reports_it(app: App, tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    ids = failed_job(app, "cherries", {"file_paths.metadata_prompt_file": str(missing)}, images=1)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images(ids, "original", None, True, [])["ok"]
    (task,) = done.wait(1)
    image = app.repo.get_image(ids[0])
    assert task.status is RetryStatus.FAILED and image.status is ImageStatus.RETRY_FAILED
    assert image.reason == "processing_failed:metadata"
    assert task.error == (f"The metadata prompt file {missing} does not exist. Choose another in Settings → "
                          "File paths.")
    assert image.temp_path and Path(image.temp_path).is_file()


@pytest.mark.parametrize("hard_fail", [[], ["metadata"]], ids=["soft", "hard"])
def test_a_failing_metadata_step_follows_the_retrys_hard_fail_choice(app: App, hard_fail: list[str]) -> None:
    ids = failed_job(app, "peaches", FAST, images=1)
    assert app.sandbox is not None
    app.sandbox.config.set_fault("openai", "500", 1.0)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images(ids, "modified", {}, True, hard_fail)["ok"]
    done.wait(1)
    image = app.repo.get_image(ids[0])
    if hard_fail:
        assert image.status is ImageStatus.RETRY_FAILED and image.reason == "processing_failed:metadata"
        assert image.temp_path and Path(image.temp_path).is_file() and output_files(app) == []
    else:
        assert image.status is ImageStatus.APPROVED and image.reason == "Retry processing successful"
        assert [f["stage"] for f in image.processing.soft_failures] == ["metadata"]
        assert output_files(app) == [Path(image.final_path or "")]


def test_a_retry_with_metadata_writes_it_into_the_row_and_the_file_name(app: App) -> None:
    ids = failed_job(app, "apricots", {**FAST, "output.filename_template": "{title}"}, images=1)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images(ids, "original", None, True, [])["ok"]
    (task,) = done.wait(1)
    image = app.repo.get_image(ids[0])
    assert task.status is RetryStatus.DONE and image.status is ImageStatus.APPROVED
    assert image.metadata.title and image.metadata.keywords
    final = Path(image.final_path or "")
    assert final.is_file() and final.stem.startswith(image.metadata.title.lower().split()[0])
    assert not image.processing.moving_to  # the move's intent is cleared once the row says approved


def test_a_task_queued_before_an_upgrade_is_checked_by_todays_schema(app: App) -> None:
    ids = failed_job(app, "olives", {}, images=1)
    # What an older version stored: the modal's bare names, unvalidated (it clamped them while processing).
    app.repo.enqueue_retry(ids[0], "modified", {"processing": {"image_enhancement": True, "sharpening": 25},
                                                "previous": {"status": "qc_failed", "reason": "Blurry"}})
    app.repo.update_image(ids[0], status=ImageStatus.RETRY_PENDING)
    done = Done(app)
    retries_of(app).start_worker()
    (task,) = done.wait(1)
    panel = app.api.validate_settings({"processing.sharpening": 25})["data"]["errors"]["processing.sharpening"]
    assert task.status is RetryStatus.FAILED and f"processing.sharpening: {panel}" in (task.error or "")
    assert app.repo.get_image(ids[0]).status is ImageStatus.RETRY_FAILED


def test_a_failed_retry_leaves_the_original_file_as_it_was(app: App) -> None:
    ids = failed_job(app, "figs", FAST, images=1)
    before = app.repo.get_image(ids[0])
    original = Path(before.temp_path or "")
    pixels = original.read_bytes()
    assert app.sandbox is not None
    app.sandbox.config.set_fault("openai", "500", 1.0)
    done = Done(app)
    retries_of(app).start_worker()
    # Sharpen and convert to JPG, then a metadata step that fails hard: the processed copy is thrown away.
    modified = {"image_enhancement": True, "sharpening": 8, "image_convert": True, "convert_format": "jpg"}
    assert app.api.retry_images(ids, "modified", modified, True, ["metadata"])["ok"]
    done.wait(1)
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.RETRY_FAILED
    assert image.temp_path == str(original) and original.read_bytes() == pixels
    assert sorted(p.name for p in original.parent.iterdir()) == [original.name]  # no working copy left
    assert output_files(app) == []
    # The next attempt starts from the original pixels and succeeds.
    app.sandbox.config.clear_faults("openai")
    assert app.api.retry_images(ids, "modified", modified, False, [])["ok"]
    done.wait(2)
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.APPROVED and not original.exists()
    assert output_files(app) == [Path(image.final_path or "")] and image.final_path.endswith(".jpg")
