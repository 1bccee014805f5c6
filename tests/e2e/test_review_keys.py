"""The review modal of Failed Images Review: Approve (A), Retry (R), Delete (asks, Cancel focused), arrows;
the retry history per image, and each card's retry state (queued / running / done / failed)."""

from __future__ import annotations

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from review_support import ok, run_job, shoot_both, wait_for

from gif_app.app import App

pytestmark = pytest.mark.parametrize("app_is_sandbox", [True])

RETRY_TIMEOUT_MS = 30_000


def _failed_ids(gif: App) -> list[int]:
    return [i["id"] for i in ok(gif.api.list_failed("failed", {"page_size": 200}))["items"]]


def _status(gif: App, image_id: int) -> str:
    return str(ok(gif.api.get_image(image_id))["status"])


def test_review_keys_approve_retry_delete_and_move(ui: UI, gif: App) -> None:
    run_job(gif, **{"parameters.label": "Keys run", "parameters.count": 12, "parameters.variations": 2,
                    "ai.run_quality_check": True, "ai.run_metadata_gen": False})
    ids = _failed_ids(gif)
    assert len(ids) >= 4, "the sandbox fails some QC checks"
    ui.open("failed")
    ui.by(f"failed-open-{ids[0]}").click()
    modal = ui.by("image-modal")
    expect(modal).to_be_visible()
    counter = ui.by("modal-counter")
    expect(counter).to_have_text(f"1 / {len(ids)}")
    expect(ui.by("modal-approve")).to_be_enabled()
    expect(ui.by("modal-retry")).to_be_enabled()

    # A approves the image and moves on to the next.
    ui.page.keyboard.press("a")
    expect(counter).to_have_text(f"2 / {len(ids)}")
    expect(ui.toast("Approved")).to_be_visible()
    wait_for(lambda: _status(gif, ids[0]) == "approved", "the approved image to reach the output folder")
    # The image's row turns approved a moment before its retry task is marked done: wait for that too.
    wait_for(lambda: [(t["mode"], t["state"]) for t in ok(gif.api.retry_history(ids[0]))] == [("approve", "done")],
             "the approve task to be marked done")
    history = ok(gif.api.retry_history(ids[0]))
    assert [(t["mode"], t["state"]) for t in history] == [("approve", "done")]

    # R retries with the job's settings and moves on.
    ui.page.keyboard.press("r")
    expect(counter).to_have_text(f"3 / {len(ids)}")
    expect(ui.toast("Retry queued")).to_be_visible()
    assert ok(gif.api.retry_history(ids[1]))[0]["mode"] == "original"

    # The left arrow goes back; its Retries tab shows the attempt and follows it to its end.
    ui.page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text(f"2 / {len(ids)}")
    ui.by("modal-tab-retries").click()
    row = ui.by("retry-history-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Retry with the job's settings")
    expect(row).to_have_attribute("data-state", "done", timeout=RETRY_TIMEOUT_MS)
    expect(ui.by("modal-approve")).to_be_disabled(timeout=RETRY_TIMEOUT_MS)  # reloaded once the retry ended
    ui.by("modal-tab-details").click()
    # The modal reloads the image after the retry's end is polled: give it the retry's time, not the default.
    expect(ui.by("modal-status")).to_have_text("Approved", timeout=RETRY_TIMEOUT_MS)
    ui.by("modal-tab-retries").click()
    expect(ui.by("modal-approve")).to_be_disabled()  # an approved image is no longer reviewed
    ui.page.keyboard.press("ArrowRight")
    expect(counter).to_have_text(f"3 / {len(ids)}")
    expect(ui.by("retry-history-empty")).to_be_visible()
    ui.page.keyboard.press("ArrowLeft")
    expect(ui.by("retry-history-row")).to_have_count(1)
    shoot_both(ui, "failed-review-modal-history")
    ui.page.keyboard.press("ArrowRight")
    expect(counter).to_have_text(f"3 / {len(ids)}")

    # Delete asks first, with Cancel focused: Enter there keeps the image.
    ui.page.keyboard.press("Delete")
    confirm = ui.by("review-delete-confirm")
    expect(confirm).to_be_visible()
    expect(ui.by("review-delete-confirm-cancel")).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(confirm).to_have_count(0)
    assert gif.api.get_image(ids[2])["ok"]
    expect(counter).to_have_text(f"3 / {len(ids)}")
    ui.page.keyboard.press("Delete")
    ui.by("review-delete-confirm-ok").click()
    expect(counter).to_have_text(f"3 / {len(ids) - 1}")
    assert gif.api.get_image(ids[2])["ok"] is False
    ui.page.keyboard.press("Escape")
    expect(modal).to_have_count(0)
    expect(ui.by(f"failed-card-{ids[2]}")).to_have_count(0)


def test_cards_show_each_images_retry_state(ui: UI, gif: App) -> None:
    run_job(gif, **{"parameters.label": "State run", "parameters.count": 8, "parameters.variations": 2,
                    "ai.run_quality_check": True, "ai.run_metadata_gen": False})
    ids = _failed_ids(gif)
    # With the retry worker stopped, a queued retry stays queued where the card can show it.
    gif.ctx.services.retries.shutdown()
    ui.open("failed")
    expect(ui.by(f"failed-retry-state-{ids[0]}")).to_have_text("")
    ui.by(f"failed-open-{ids[0]}").click()
    ui.by("modal-tab-retries").click()
    expect(ui.by("retry-history-empty")).to_be_visible()
    ui.by("modal-retry").click()
    expect(ui.toast("Retry queued")).to_be_visible()
    ui.page.keyboard.press("Escape")
    ui.by("failed-tab-all").click()
    state = ui.by(f"failed-retry-state-{ids[0]}")
    expect(state).to_have_text("Last retry: Queued")
    expect(state.locator(".badge")).to_have_attribute("data-state", "queued")
    ui.by(f"failed-open-{ids[0]}").click()
    ui.by("modal-tab-retries").click()
    expect(ui.by("retry-history-row")).to_have_attribute("data-state", "queued")

    # Cancelled from the queue: the history keeps the attempt, and the card says so.
    ui.page.keyboard.press("Escape")
    task_id = ok(gif.api.retry_status())["pending_tasks"][0]["task_id"]
    ok(gif.api.cancel_retry(task_id))
    ui.by("failed-tab-failed").click()
    expect(ui.by(f"failed-retry-state-{ids[0]}")).to_have_text("Last retry: Cancelled")
    assert [t["state"] for t in ok(gif.api.retry_history(ids[0]))] == ["cancelled"]
