"""Failed Images Review retries: processing only, with each job's own or modified settings, on a persistent queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import ImageStatus
from tests.helpers.processing import NOTHING_ON
from tests.integration.retry_support import Done, failed_job, retries_of


@pytest.fixture
def app(sandbox_app: App) -> App:
    """Return the sandbox app of tests/integration/conftest.py (workers started by each test)."""
    return sandbox_app


def test_modified_settings_turn_failed_images_into_approved_files_of_the_new_format(app: App) -> None:
    ids = failed_job(app, "apples", {})
    done = Done(app)
    retries_of(app).start_worker()
    answer = app.api.retry_images(ids, "modified", {"image_convert": True, "convert_format": "webp"}, False, [])
    assert answer["ok"] and answer["data"]["queued"] == 2
    done.wait(2)
    for image_id in ids:
        image = app.repo.get_image(image_id)
        assert image.status is ImageStatus.APPROVED and image.reason == "Retry processing successful"
        assert image.temp_path is None and image.final_path is not None
        final = Path(image.final_path)
        assert final.parent == app.home.default_output and final.suffix == ".webp"
        with Image.open(final) as opened:
            assert opened.format == "WEBP"
        assert "convert:webp" in image.processing.applied
    finals = {app.repo.get_image(i).final_path for i in ids}
    assert len(finals) == 2  # the two retries never overwrite each other
    assert not list(app.home.default_temp.glob("apples-*"))


def test_a_hard_failing_remove_bg_ends_retry_failed_and_keeps_the_file(app: App) -> None:
    ids = failed_job(app, "pears", {}, images=1)
    assert app.sandbox is not None
    app.sandbox.config.set_fault("removebg", "500", 1.0)
    done = Done(app)
    retries_of(app).start_worker()
    modified = {"remove_bg": True, "remover": "removebg", "remove_bg_failure_mode": "approve"}
    assert app.api.retry_images(ids, "modified", modified, False, ["remove_bg"])["ok"]
    done.wait(1)
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.RETRY_FAILED
    assert image.reason == "processing_failed:remove_bg"
    assert image.temp_path and Path(image.temp_path).is_file()
    assert image.final_path is None
    assert app.api.failed_counts()["data"]["retry_failed"] == 1


def test_a_soft_failing_remove_bg_is_recorded_and_the_image_approved(app: App) -> None:
    ids = failed_job(app, "plums", {}, images=1)
    assert app.sandbox is not None
    app.sandbox.config.set_fault("removebg", "402", 1.0)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images(ids, "modified", {"remove_bg": True}, False, [])["ok"]
    done.wait(1)
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.APPROVED
    assert [f["stage"] for f in image.processing.soft_failures] == ["remove_bg"]


def test_a_mixed_batch_with_original_settings_uses_each_jobs_own(app: App) -> None:
    jpg = failed_job(app, "figs", {"processing.image_convert": True, "processing.convert_format": "jpg"}, 1)
    webp = failed_job(app, "kiwis", {"processing.image_convert": True, "processing.convert_format": "webp"}, 1)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.retry_images(jpg + webp, "original", None, False, [])["ok"]
    done.wait(2)
    assert Path(app.repo.get_image(jpg[0]).final_path or "").suffix == ".jpg"
    assert Path(app.repo.get_image(webp[0]).final_path or "").suffix == ".webp"


def test_the_retry_queue_survives_a_restart(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    try:
        ids = failed_job(first, "limes", {}, images=2)
        assert first.api.retry_images(ids, "modified", {"image_convert": True, "convert_format": "jpg"}, False,
                                      [])["ok"]
        assert first.api.retry_status()["data"]["queued"] == 2
        assert {first.repo.get_image(i).status for i in ids} == {ImageStatus.RETRY_PENDING}
    finally:
        first.close()
    second = build_app(home, AppOptions(is_sandbox=True, prefer_keychain=False, start_workers=False))
    try:
        done = Done(second)
        retries_of(second).start_worker()
        done.wait(2)
        assert {second.repo.get_image(i).status for i in ids} == {ImageStatus.APPROVED}
        assert second.api.retry_status()["data"]["done"] == 2
    finally:
        second.close()


def test_cancelling_a_queued_retry_returns_the_image_to_review(app: App) -> None:
    ids = failed_job(app, "dates", {}, images=1)
    task_ids = app.api.retry_images(ids, "original", None, False, [])["data"]["task_ids"]
    assert app.repo.get_image(ids[0]).status is ImageStatus.RETRY_PENDING
    assert app.api.cancel_retry(task_ids[0])["ok"]
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.QC_FAILED and image.reason == "Distorted text on the sign"
    assert app.api.retry_status()["data"]["queued"] == 0


def test_manual_approve_runs_the_jobs_processing_and_moves_the_file(app: App) -> None:
    ids = failed_job(app, "grapes", {"processing.image_convert": True, "processing.convert_format": "jpg"}, 1)
    done = Done(app)
    retries_of(app).start_worker()
    assert app.api.approve_images(ids)["ok"]
    done.wait(1)
    image = app.repo.get_image(ids[0])
    assert image.status is ImageStatus.APPROVED and image.reason == "Approved manually"
    assert Path(image.final_path or "").suffix == ".jpg" and Path(image.final_path or "").is_file()


def test_only_failed_images_can_be_retried(app: App) -> None:
    ids = failed_job(app, "melons", {}, images=1)
    app.repo.update_image(ids[0], status=ImageStatus.APPROVED)
    answer = app.api.retry_images(ids, "original", None, False, [])
    assert not answer["ok"] and answer["error"]["code"] == "conflict"


def test_an_unusable_file_fails_alone_and_a_cmyk_one_comes_out_srgb(app: App) -> None:
    animated_id, cmyk_id = failed_job(app, "dates", {}, images=2)
    animated = app.repo.get_image(animated_id).temp_path
    cmyk = app.repo.get_image(cmyk_id).temp_path
    assert animated and cmyk
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100)
    Image.new("CMYK", (32, 32), (0, 255, 255, 0)).save(cmyk, "JPEG", quality=95)  # red ink, no profile
    done = Done(app)
    retries_of(app).start_worker()
    # sRGB and the conversion alone (no upscale): what the retry does to each file is all that is asked.
    modified = {**NOTHING_ON, "image_convert": True, "convert_format": "jpg"}
    assert app.api.retry_images([animated_id, cmyk_id], "modified", modified, False, [])["ok"]
    done.wait(2)
    failed = app.repo.get_image(animated_id)
    assert failed.status is ImageStatus.RETRY_FAILED and failed.reason == "processing_failed:input"
    approved = app.repo.get_image(cmyk_id)
    assert approved.status is ImageStatus.APPROVED and approved.final_path
    assert approved.processing.applied == ("srgb", "convert:jpg")
    with Image.open(approved.final_path) as out:
        red, green, blue = out.getpixel((16, 16))  # type: ignore[misc]
        assert out.mode == "RGB" and red > 230 and green < 30 and blue < 30
