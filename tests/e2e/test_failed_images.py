"""Failed Images Review in the browser: tab counts, retry with modified settings, approve, delete, details."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from review_support import ok, run_job, shoot_both, wait_for

from gif_app.app import App
from tests.helpers.processing import NOTHING_ON

pytestmark = pytest.mark.parametrize("app_is_sandbox", [True])

TABS = ("failed", "retry_pending", "processing", "retry_failed", "all")


def _failed_ids(gif: App) -> list[int]:
    return [i["id"] for i in ok(gif.api.list_failed("failed", {"page_size": 200}))["items"]]


def _approved(gif: App) -> dict[int, dict[str, object]]:
    items = ok(gif.api.list_images({"status": ["approved"], "page_size": 200}))["items"]
    return {i["id"]: i for i in items}


def test_retry_with_modified_settings_moves_images_to_approved(ui: UI, gif: App) -> None:
    # Current settings with nothing on: the modal opens with conversion off, so choosing JPG below is what
    # makes the retried files JPEG (the defaults would already).
    saved = ok(gif.api.get_settings())["settings"]
    saved["processing"].update(NOTHING_ON)
    ok(gif.api.save_settings(saved))
    job = run_job(gif, **{"parameters.label": "Review run", "parameters.count": 8, "parameters.variations": 2,
                          "ai.run_quality_check": True, "ai.run_metadata_gen": True})
    counts = ok(gif.api.failed_counts())
    assert counts["failed"] >= 2, f"the sandbox should fail some QC checks: {counts}"

    ui.open("failed")
    for tab in TABS:
        expect(ui.by(f"failed-count-{tab}")).to_have_text(str(counts[tab]))
    failed = ok(gif.api.list_failed("failed", {"page_size": 200}))["items"]
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(counts["failed"])
    for image in failed:
        expect(ui.by(f"failed-reason-{image['id']}")).to_have_text(image["reason_label"])
    expect(ui.by("retry-status-queued")).to_have_text("0")
    shoot_both(ui, "failed-grid")

    first, second = failed[0]["id"], failed[1]["id"]
    ui.by(f"failed-check-{first}").check()
    ui.by(f"failed-check-{second}").check()
    expect(ui.by("failed-selected-count")).to_have_text("2 images selected")
    ui.by("failed-retry-selected").click()
    dialog = ui.by("retry-dialog")
    expect(dialog).to_be_visible()
    expect(ui.by("retry-mode-modified")).to_be_checked()
    # Every processing field is there, prefilled from the current settings.
    for key in ("remove_bg", "image_enhancement", "image_convert", "min_megapixels"):
        expect(ui.field(f"processing.{key}")).to_be_attached()
    for stage in ok(gif.api.retry_options())["stages"]:
        expect(ui.by(f"retry-hard-fail-{stage}")).to_be_visible()
    expect(ui.by("retry-original")).to_contain_text("Review run")
    expect(ui.field("processing.image_convert")).not_to_be_checked()
    ui.field("processing.image_convert").check()
    ui.field("processing.convert_format").select_option("jpg")
    expect(ui.field("processing.jpg_quality")).to_be_visible()
    shoot_both(ui, "failed-retry-modal")
    ui.by("retry-submit").click()
    expect(dialog).to_be_hidden()
    expect(ui.toast("queued for retry")).to_be_visible()

    # Both leave the Failed tab, the count drops, and the retry queue reports them done.
    expect(ui.by(f"failed-card-{first}")).to_have_count(0, timeout=30_000)
    expect(ui.by(f"failed-card-{second}")).to_have_count(0, timeout=30_000)
    expect(ui.by("failed-count-failed")).to_have_text(str(counts["failed"] - 2), timeout=30_000)
    expect(ui.by("retry-status-done")).to_have_text("2", timeout=30_000)
    approved = wait_for(lambda: (lambda a: a if {first, second} <= a.keys() else None)(_approved(gif)),
                        "the retried images to be approved")
    for image_id in (first, second):
        final = Path(str(approved[image_id]["final_path"]))
        assert final.suffix == ".jpg" and final.is_file(), final
    assert ok(gif.api.get_job(job["id"]))["execution"]["approved"] == job["approved"] + 2


def test_approve_delete_and_details_of_failed_images(ui: UI, gif: App) -> None:
    run_job(gif, **{"parameters.label": "Review actions", "parameters.count": 12, "parameters.variations": 2,
                    "ai.run_quality_check": True, "ai.run_metadata_gen": False})
    ids = _failed_ids(gif)
    assert len(ids) >= 3
    ui.open("failed")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(len(ids))

    # Details: the shared image modal shows the reason.
    ui.by(f"failed-open-{ids[0]}").click()
    expect(ui.by("image-modal")).to_be_visible()
    reason = ok(gif.api.get_failed_image(ids[0]))["reason_label"]
    expect(ui.by("modal-reason")).to_have_text(reason)
    shoot_both(ui, "failed-details-modal")
    ui.page.keyboard.press("Escape")
    expect(ui.by("image-modal")).to_be_hidden()

    # Approve one by hand: it runs its job's processing and lands with the approved images.
    ui.by(f"failed-approve-{ids[1]}").click()
    expect(ui.by(f"failed-card-{ids[1]}")).to_have_count(0, timeout=30_000)
    wait_for(lambda: ids[1] in _approved(gif), "the approved image")

    # Delete asks first; Cancel keeps the image, Delete removes it.
    ui.by(f"failed-delete-{ids[2]}").click()
    expect(ui.by("failed-delete-confirm")).to_be_visible()
    ui.by("failed-delete-confirm-cancel").click()
    expect(ui.by(f"failed-card-{ids[2]}")).to_be_visible()
    ui.by(f"failed-delete-{ids[2]}").click()
    ui.by("failed-delete-confirm-ok").click()
    expect(ui.by(f"failed-card-{ids[2]}")).to_have_count(0)
    assert gif.api.get_failed_image(ids[2])["ok"] is False
    expect(ui.by("failed-count-failed")).to_have_text(str(len(ids) - 2), timeout=10_000)

    # Select all on the page, then the All tab shows the same remaining images.
    ui.by("failed-select-page").check()
    left = len(ids) - 2
    expect(ui.by("failed-selected-count")).to_have_text(f"{left} image{'s' if left != 1 else ''} selected")
    ui.by("failed-tab-all").click()
    expect(ui.by("failed-tab-all")).to_have_attribute("aria-selected", "true")
    expect(ui.by("failed-grid").locator(".failed-card")).to_have_count(len(ids) - 2)


def test_queued_retry_shows_in_the_queue_bar_and_can_be_cancelled(ui: UI, gif: App) -> None:
    run_job(gif, **{"parameters.label": "Queue run", "parameters.count": 8, "parameters.variations": 2,
                    "ai.run_quality_check": True, "ai.run_metadata_gen": False})
    # With the retry worker stopped, queued retries stay in the queue where the page can show them.
    gif.ctx.services.retries.shutdown()
    ids = _failed_ids(gif)
    ui.open("failed")
    ui.by(f"failed-retry-{ids[0]}").click()
    ui.by("retry-mode-original").check()
    expect(ui.field("processing.image_convert")).to_be_disabled()
    ui.by("retry-submit").click()
    expect(ui.by("retry-status-queued")).to_have_text("1")
    expect(ui.by("failed-count-retry_pending")).to_have_text("1")
    expect(ui.by(f"failed-card-{ids[0]}")).to_have_count(0)
    ui.by("failed-tab-retry_pending").click()
    expect(ui.by(f"failed-status-{ids[0]}")).to_have_text("Retry pending")
    expect(ui.by(f"failed-approve-{ids[0]}")).to_be_disabled()
    task = ok(gif.api.retry_status())["pending_tasks"][0]
    ui.by("retry-pending").locator("summary").click()
    shoot_both(ui, "failed-queue-bar")
    ui.by(f"retry-cancel-{task['task_id']}").click()
    expect(ui.by("retry-status-queued")).to_have_text("0")
    expect(ui.by("failed-count-retry_pending")).to_have_text("0")
    ui.by("failed-tab-failed").click()
    expect(ui.by(f"failed-card-{ids[0]}")).to_be_visible()
