"""The UX round's small fixes in the browser: a frozen elapsed time, Cancel first in destructive dialogs, no
`null` in the export dialog, badges by failed stage, alt texts and card names, and the theme choice."""

from __future__ import annotations

import pytest
from e2e_support import UI, PickedPaths
from playwright.sync_api import expect
from seed_images import seed_job

from gif_app.app import App
from gif_app.domain import FailureStage, ImageStatus, StockMetadata

JOB_TIMEOUT_MS = 30_000
# Count the Dashboard's finished get_progress calls, so a test can wait for the next poll instead of sleeping.
COUNT_POLLS = """() => {
  const api = window.pywebview.api;
  const original = api.get_progress;
  window.__polls = 0;
  api.get_progress = async (...args) => {
    try { return await original(...args); } finally { window.__polls += 1; }
  };
}"""


@pytest.mark.parametrize("app_is_sandbox", [True])
def test_elapsed_stays_frozen_once_the_job_has_finished(ui: UI, gif: App) -> None:
    ui.open("dashboard")
    ui.page.evaluate(COUNT_POLLS)
    ui.by("job-start").click()
    ui.by("start-label").fill("Frozen clock")
    ui.by("start-count").fill("1")
    ui.by("start-variations").fill("1")
    ui.by("start-submit").click()
    expect(ui.by("progress-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    first = ui.by("progress-elapsed").inner_text()
    polls = ui.page.evaluate("window.__polls")
    # Two more polls (at least one whole cycle after the one that drew `first`), then read it again.
    ui.page.wait_for_function(f"window.__polls >= {polls + 2}", timeout=15_000)
    assert ui.by("progress-elapsed").inner_text() == first
    assert first not in {"", "—"}


def test_destructive_dialogs_focus_cancel_and_enter_deletes_nothing(ui: UI, gif: App) -> None:
    job = seed_job(gif, "Keep me", ["Grey cat"])[0].execution_id
    failed = seed_job(gif, "Failures", ["Wet dog"], status=ImageStatus.QC_FAILED)[0]
    ui.open("jobs")
    ui.by(f"job-delete-{job}").click()
    expect(ui.by("delete-dialog-cancel")).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(ui.by("delete-dialog")).to_have_count(0)
    expect(ui.by(f"job-row-{job}")).to_be_visible()

    ui.open("failed")
    ui.by(f"failed-delete-{failed.id}").click()
    expect(ui.by("failed-delete-confirm-cancel")).to_be_focused()
    ui.page.keyboard.press("Enter")
    expect(ui.by("failed-delete-confirm")).to_have_count(0)
    expect(ui.by(f"failed-card-{failed.id}")).to_be_visible()
    assert gif.repo.get_image(failed.id).status is ImageStatus.QC_FAILED


def test_the_export_dialog_prints_no_null(ui: UI, gif: App, picked_paths: PickedPaths) -> None:
    seed_job(gif, "Cats", ["Grey cat", "Ginger kitten"])
    ui.open("dashboard")
    ui.by("gallery-select-all").click()
    ui.by("gallery-export").click()
    dialog = ui.by("export-dialog")
    expect(dialog).to_contain_text("CSV files for")
    expect(dialog).not_to_contain_text("null")
    ui.by("export-submit").click()
    # The sites' check may list problems first; either way the save dialog is asked next, and cancelled.
    ui.page.locator("[data-testid='export-anyway'], [data-testid='export-note']").first.wait_for()
    if ui.by("export-anyway").count():
        ui.by("export-anyway").click()
    expect(ui.by("export-note")).to_have_text("No file was chosen; nothing was exported.")
    expect(dialog).not_to_contain_text("null")


def test_failed_cards_name_their_image_and_the_stage_that_failed(ui: UI, gif: App) -> None:
    qc, removal = seed_job(gif, "Dogs", ["Wet dog", "Puppy in grass"], status=ImageStatus.QC_FAILED)
    gif.repo.update_image(removal.id, reason=FailureStage.REMOVE_BG.reason)
    ui.open("failed")
    expect(ui.by(f"failed-status-{qc.id}")).to_have_text("QC failed")  # the QC model's own reason
    expect(ui.by(f"failed-status-{removal.id}")).to_have_text("BG removal failed")
    expect(ui.by(f"failed-reason-{removal.id}")).to_have_text("Background removal failed")
    for image, title in [(qc, "Wet dog"), (removal, "Puppy in grass")]:
        card = ui.by(f"failed-card-{image.id}")
        expect(card.get_by_role("img")).to_have_attribute("alt", title)
        expect(ui.by(f"failed-open-{image.id}")).to_have_accessible_name(f"Open details for {title}")
        expect(ui.by(f"failed-check-{image.id}")).to_have_accessible_name(f"Select {title}")
    names = {ui.by(f"failed-open-{i.id}").get_attribute("aria-label") for i in (qc, removal)}
    assert len(names) == 2  # no two cards share a name


def test_gallery_thumbnails_take_their_alt_text_from_the_title_or_prompt(ui: UI, gif: App) -> None:
    titled, untitled = seed_job(gif, "Cats", ["Grey cat", "Ginger kitten"])
    gif.repo.update_image(untitled.id, metadata=StockMetadata())
    ui.open("dashboard")
    alts = ui.by("gallery-card").locator("img").evaluate_all("(imgs) => imgs.map((img) => img.alt)")
    assert sorted(alts) == sorted(["Grey cat", untitled.prompt])
    expect(ui.by("gallery-card").filter(has_text="Grey cat").locator("input")).to_have_accessible_name(
        "Select Grey cat")


def test_an_error_toast_puts_what_failed_and_why_on_two_lines(ui: UI) -> None:
    ui.open("dashboard")
    ui.page.evaluate("import('./js/ui/toast.js')"
                     ".then((m) => m.toastError(new Error('Job 9 was not found'), 'Not deleted'))")
    toast = ui.toast("Not deleted")
    expect(toast.locator(".toast-message")).to_have_text("Not deleted.")
    expect(toast.locator(".toast-detail")).to_have_text("Job 9 was not found.")
    ui.page.evaluate("document.getAnimations().forEach(a => a.finish())")  # the toast slides in
    message, detail = (toast.locator(sel).bounding_box() for sel in (".toast-message", ".toast-detail"))
    assert message and detail and detail["y"] >= message["y"] + message["height"]  # its own line


def _background(ui: UI) -> str:
    return str(ui.page.evaluate("getComputedStyle(document.body).backgroundColor"))


def test_theme_choice_applies_at_once_and_persists(ui: UI, gif: App) -> None:
    ui.page.emulate_media(color_scheme="light")
    ui.open("settings/ui")
    light = _background(ui)
    ui.field("ui.theme").select_option("dark")
    expect(ui.page.locator("html")).to_have_attribute("data-theme", "dark")
    assert _background(ui) == "rgb(14, 16, 20)"  # --bg of the dark tokens, though the OS says light
    ui.by("settings-save").click()
    expect(ui.toast("Settings saved")).to_be_visible()
    assert gif.ctx.settings_file.load().settings["ui"]["theme"] == "dark"

    # At start-up the server writes the choice into the page itself: the first paint is already dark.
    page = ui.page.request.get(ui.base_url).text()
    assert '<html lang="en" data-theme="dark">' in page
    ui.open("dashboard")
    assert _background(ui) == "rgb(14, 16, 20)"

    # Light wins over a dark OS; "system" follows the OS again.
    ui.page.emulate_media(color_scheme="dark")
    ui.open("settings/ui")
    ui.field("ui.theme").select_option("light")
    assert _background(ui) == light
    ui.field("ui.theme").select_option("system")
    expect(ui.page.locator("html")).not_to_have_attribute("data-theme", "dark")
    assert _background(ui) == "rgb(14, 16, 20)"


def test_an_unsaved_theme_choice_is_undone_on_leaving(ui: UI) -> None:
    ui.page.emulate_media(color_scheme="light")
    ui.open("settings/ui")
    ui.field("ui.theme").select_option("dark")
    ui.by("nav-dashboard").click()
    ui.by("confirm-discard-ok").click()
    ui.wait_view("dashboard")
    expect(ui.page.locator("html")).not_to_have_attribute("data-theme", "dark")


def test_the_system_theme_follows_the_os_as_it_changes(ui: UI) -> None:
    ui.page.emulate_media(color_scheme="light")
    ui.open("dashboard")
    expect(ui.page.locator("html")).to_have_attribute("data-scheme", "light")
    light = _background(ui)
    ui.page.emulate_media(color_scheme="dark")  # the OS switches while the app is open
    expect(ui.page.locator("html")).to_have_attribute("data-scheme", "dark")
    assert _background(ui) == "rgb(14, 16, 20)" != light
    assert ui.page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
