"""On macOS Backspace deletes like Delete (with the same confirmation), but never while typing in a field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import UI, install_bridge
from playwright.sync_api import Browser, expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import ImageStatus

MAC_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/16.1 Safari/605.1.15")
# The user agent alone leaves Chromium's navigator.platform as the host's; WKWebView on a Mac says "MacIntel".
MAC_PLATFORM = """
Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' });
Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => undefined });
"""


@pytest.fixture
def mac_ui(browser: Browser, browser_context_args: dict[str, Any], gif: App, page_url: str) -> Iterator[UI]:
    """Return the UI helper on a page that reports a Mac, bridged to the real Api."""
    context = browser.new_context(**browser_context_args, user_agent=MAC_UA)
    page = context.new_page()
    page.add_init_script(MAC_PLATFORM)
    install_bridge(page, gif.api)
    yield UI(page, page_url)
    context.close()


def test_backspace_on_a_mac_asks_to_delete_the_selected_jobs(mac_ui: UI, gif: App) -> None:
    ui = mac_ui
    job_id = seed_job(gif, "Cats", ["Grey cat"])[0].execution_id
    ui.open("jobs")
    assert ui.page.evaluate("navigator.platform") == "MacIntel"
    ui.by(f"job-check-{job_id}").check()

    # Typing in the search field: Backspace edits the text and asks nothing.
    search = ui.by("jobs-search")
    search.fill("Catz")
    search.press("Backspace")
    expect(search).to_have_value("Cat")
    expect(ui.by("delete-dialog")).to_have_count(0)

    ui.by(f"job-check-{job_id}").focus()
    ui.page.keyboard.press("Backspace")
    expect(ui.by("delete-dialog")).to_be_visible()
    expect(ui.by("delete-dialog")).to_contain_text("Cats")
    ui.by("delete-dialog-cancel").click()
    expect(ui.by(f"job-row-{job_id}")).to_be_visible()
    assert gif.api.get_job(job_id)["ok"], "the confirmation was cancelled: nothing deleted"


def test_backspace_on_a_mac_asks_to_delete_the_reviewed_image(mac_ui: UI, gif: App) -> None:
    ui = mac_ui
    image = seed_job(gif, "Dogs", ["Wet dog", "Puppy"], status=ImageStatus.QC_FAILED)[0]
    ui.open("failed")
    ui.by(f"failed-open-{image.id}").click()
    expect(ui.by("image-modal")).to_be_visible()
    expect(ui.by("modal-review-delete")).to_have_attribute("aria-keyshortcuts", "Delete Backspace")

    # Editing the title: Backspace deletes a character, not the image.
    ui.by("modal-tab-metadata").click()
    title = ui.by("modal-meta-title")
    title.fill("Wet dogs")
    title.press("Backspace")
    expect(title).to_have_value("Wet dog")
    expect(ui.by("review-delete-confirm")).to_have_count(0)

    ui.by("modal-tab-details").click()
    ui.page.keyboard.press("Backspace")
    expect(ui.by("review-delete-confirm")).to_be_visible()
    expect(ui.by("review-delete-confirm-cancel")).to_be_focused()
    ui.by("review-delete-confirm-cancel").click()
    assert gif.api.get_image(image.id)["ok"]


def test_backspace_elsewhere_is_not_delete(ui: UI, gif: App) -> None:
    assert "Mac" not in ui.page.evaluate("navigator.platform")
    job_id = seed_job(gif, "Cats", ["Grey cat"])[0].execution_id
    ui.open("jobs")
    ui.by(f"job-check-{job_id}").check()
    ui.page.keyboard.press("Backspace")
    # The confirmation opens inside the key's handler (before any await), so it would be up by now.
    expect(ui.by("delete-dialog")).to_have_count(0)
    ui.page.keyboard.press("Delete")
    expect(ui.by("delete-dialog")).to_be_visible()
