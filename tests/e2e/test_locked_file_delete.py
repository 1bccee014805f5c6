"""Deleting a failed image whose file cannot go: the page says what was kept, and the image stays listed."""

from __future__ import annotations

from pathlib import Path

from e2e_support import UI
from playwright.sync_api import expect

from gif_app.app import App
from tests.helpers.locks import locked_folder
from tests.integration.retry_support import failed_job


def test_the_page_says_which_image_was_kept_and_keeps_showing_it(ui: UI, gif: App) -> None:
    kept, gone = failed_job(gif, "figs", {}, images=2)
    source = Path(gif.repo.get_image(kept).temp_path or "")
    held = source.parent / "held"
    held.mkdir()
    gif.repo.update_image(kept, temp_path=str(source.rename(held / source.name)))
    ui.open("failed")
    with locked_folder(held):
        ui.by(f"failed-delete-{kept}").click()
        ui.by("failed-delete-confirm-ok").click()
        expect(ui.toast("1 image kept: figs-0.png")).to_be_visible()
        expect(ui.by(f"failed-card-{kept}")).to_be_visible()  # its row stays with its file
    ui.by(f"failed-delete-{gone}").click()
    ui.by("failed-delete-confirm-ok").click()
    expect(ui.by(f"failed-card-{gone}")).to_have_count(0)
