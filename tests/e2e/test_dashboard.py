"""Dashboard in the browser: start / force stop, progress, live log, statistics, gallery, bulk delete, export."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from e2e_support import SCREENSHOTS, UI, PickedPaths
from playwright.sync_api import Page, expect
from seed_images import file_of, seed_job

from gif_app.app import App
from gif_app.domain import ImageStatus, JobStatus

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def app_is_sandbox() -> bool:
    """Run every test here against the sandbox vendors, with the job worker running."""
    return True


# Two animation frames: the page has restyled and painted in the new colour scheme.
FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def shoot(page: Page, name: str, *, is_full: bool = True) -> None:
    """Write a screenshot in light and dark; `is_full` grows the window to the whole dashboard first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if is_full:
        height = page.evaluate("() => Math.max(840, document.querySelector('.main').scrollHeight)")
        page.set_viewport_size({"width": 1280, "height": height})
    for scheme in ("light", "dark"):
        # Reduced motion: colour transitions must not be caught half-way by the screenshot.
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # type: ignore[arg-type]
        page.evaluate(FRAMES)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}.png"))
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    page.set_viewport_size({"width": 1280, "height": 840})


def start_job(ui: UI, label: str, count: int = 3, variations: int = 2) -> None:
    """Start a job through the Start job dialog with per-run overrides."""
    ui.by("job-start").click()
    expect(ui.by("start-dialog")).to_be_visible()
    ui.by("start-label").fill(label)
    ui.by("start-count").fill(str(count))
    ui.by("start-variations").fill(str(variations))
    ui.by("start-submit").click()
    expect(ui.by("start-dialog")).to_have_count(0)


def test_start_job_shows_progress_logs_statistics_and_fills_gallery(ui: UI, gif: App, picked_paths: PickedPaths,
                                                                   tmp_path: Path) -> None:
    """A 3×2 job started from the Dashboard reaches 100 %, streams its log and fills the gallery."""
    ui.open("dashboard")
    expect(ui.by("progress-status")).to_have_text("Idle")
    expect(ui.by("gallery-empty")).to_contain_text("No approved images yet")
    expect(ui.by("job-stop")).to_be_disabled()
    shoot(ui.page, "dashboard-idle")

    ui.by("job-start").click()
    expect(ui.by("start-count")).to_have_value("3")  # prefilled from the saved (sandbox) settings
    expect(ui.by("start-run-quality-check")).to_be_checked()
    ui.by("start-cancel").click()
    start_job(ui, "Dashboard run")

    expect(ui.by("progress-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("progress-job")).to_have_text("Dashboard run")
    expect(ui.by("progress-overall-value")).to_have_text("100%")
    expect(ui.by("progress-step-generation")).to_have_attribute("data-state", "done")
    expect(ui.by("progress-substeps")).to_contain_text("Quality check")
    expect(ui.by("progress-count-planned")).to_have_text("6")
    expect(ui.by("progress-count-generated")).to_have_text("6")
    approved = int(ui.by("progress-count-approved").inner_text())
    assert approved == gif.repo.count_images_by_status(1).get("approved", 0) > 0
    expect(ui.by("gallery-card")).to_have_count(approved)
    expect(ui.by("gallery-total")).to_have_text(f"{approved} approved image{'s' if approved != 1 else ''}")
    expect(ui.by("stat-jobs-value")).to_have_text("1")
    expect(ui.by("stat-approved-value")).to_have_text(str(approved))
    expect(ui.toast("completed")).to_be_visible()

    # The log streamed while the job ran; filter it by level and by text (case-insensitive).
    lines = ui.by("log-line")
    expect(lines.filter(has_text="Job completed")).to_have_count(1)
    total = lines.count()
    assert total > 5
    ui.by("log-search").fill("JOB COMPLETED")
    expect(lines.locator("visible=true")).to_have_count(1)
    ui.by("log-search").fill("")
    ui.by("log-level").select_option("warning")
    expect(ui.by("log-count")).not_to_have_text(f"{total} lines")
    assert all(line.get_attribute("data-level") in ("warning", "error") for line in lines.locator("visible=true").all())
    ui.by("log-level").select_option("debug")
    expect(ui.by("log-count")).to_have_text(f"{total} lines")

    # Export the log through the (faked) save dialog, as text and as JSON lines.
    txt, jsonl = tmp_path / "run.txt", tmp_path / "run.jsonl"
    picked_paths.save_answers.extend([str(txt), str(jsonl)])
    ui.by("log-export-txt").click()
    expect(ui.toast(f"Log saved to {txt}")).to_be_visible()
    ui.by("log-export-jsonl").click()
    expect(ui.toast(f"Log saved to {jsonl}")).to_be_visible()
    assert "Job completed" in txt.read_text(encoding="utf-8")
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == total
    ui.page.evaluate("() => document.getElementById('toasts').replaceChildren()")
    shoot(ui.page, "dashboard-finished")

    # The modal on a generated image (the QC-passed sandbox render), for the screenshots.
    ui.by("gallery-card").first.click()
    expect(ui.by("image-modal")).not_to_have_attribute("aria-busy", "true")
    expect(ui.by("modal-zoom-level")).not_to_have_text("—")
    expect(ui.by("modal-status")).to_have_text("Approved")
    shoot(ui.page, "image-modal-job", is_full=False)


def test_force_stop_asks_first_and_stops_the_running_job(ui: UI, gif: App) -> None:
    """While a slow job runs, Stop/Force stop are enabled; force stop needs a confirmation and stops it."""
    gif.sandbox.config.latency["runware"] = 3.0  # slow renders: still running after both dialogs, even under load
    ui.open("dashboard")
    start_job(ui, "Slow run", count=8, variations=2)
    expect(ui.by("progress-status")).to_have_text("Running", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("progress-step-generation")).to_have_attribute("data-state", "active", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("job-force-stop")).to_be_enabled()
    expect(ui.by("log-line").first).to_be_visible()
    ui.page.evaluate("() => document.getElementById('toasts').replaceChildren()")
    shoot(ui.page, "dashboard-running")

    ui.by("job-force-stop").click()
    ui.by("confirm-force-stop-cancel").click()
    expect(ui.by("progress-status")).to_have_text("Running")
    ui.by("job-force-stop").click()
    # The copy says what happens: renders already sent finish (paid), unfinished images stay pending for resume.
    expect(ui.by("confirm-force-stop-cancel")).to_be_focused()
    expect(ui.by("confirm-force-stop")).to_contain_text("kept as pending; resume the job")
    expect(ui.by("confirm-force-stop")).not_to_contain_text("Failed Images")
    ui.by("confirm-force-stop-ok").click()
    expect(ui.by("progress-status")).to_have_text("Stopped", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("job-stop")).to_be_disabled()
    assert gif.repo.get_execution(1).status.value == "stopped"


def test_gallery_filters_sorts_pages_and_keeps_the_selection(ui: UI, gif: App) -> None:
    """30 approved images across two jobs page by 24; filters, sorts and select-all work on the server."""
    seed_job(gif, "Cats", [f"Kitten {n:02d}" for n in range(20)])
    seed_job(gif, "Dogs", [f"Puppy {n:02d}" for n in range(10)])
    seed_job(gif, "Rejects", ["Blurry fox", "Odd owl", "Bent hare"], status=ImageStatus.QC_FAILED)
    ui.open("dashboard")
    cards = ui.by("gallery-card")
    expect(ui.by("gallery-total")).to_have_text("30 approved images")
    expect(cards).to_have_count(24)
    expect(ui.by("gallery-pager-info")).to_have_text("1–24 of 30 · page 1 of 2")

    first_id = cards.first.get_attribute("data-id")
    ui.by(f"gallery-check-{first_id}").check()
    ui.by("gallery-pager-next").click()
    expect(cards).to_have_count(6)
    second_id = cards.first.get_attribute("data-id")
    ui.by(f"gallery-check-{second_id}").check()
    expect(ui.by("gallery-selected-count")).to_have_text("2 selected")
    ui.by("gallery-pager-prev").click()
    expect(ui.by(f"gallery-check-{first_id}")).to_be_checked()  # the selection survived paging
    ui.by("gallery-select-all").click()
    expect(ui.by("gallery-selected-count")).to_have_text("30 selected")
    ui.by("gallery-clear-selection").click()
    expect(ui.by("gallery-selected-count")).to_have_text("None selected")

    ui.by("gallery-sort").select_option("title")
    expect(cards.first).to_contain_text("Kitten 00")  # wait for the re-sorted page before reading ids
    expect(ui.by("gallery-title-" + str(cards.first.get_attribute("data-id")))).to_have_text("Kitten 00")
    ui.by("gallery-sort").select_option("oldest")
    expect(cards.first).to_contain_text("Kitten 00")
    ui.by("gallery-search").fill("puppy 07")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Puppy 07")
    ui.by("gallery-search").fill("")
    ui.by("gallery-job").select_option(label="Dogs (#2)")
    expect(ui.by("gallery-total")).to_have_text("10 approved images")
    ui.by("gallery-job").select_option("")
    ui.by("gallery-status").select_option("qc_failed")  # the QC filter: rejected images too
    expect(cards).to_have_count(3)
    expect(cards.first.locator("[data-status=qc_failed]")).to_have_text("QC failed")
    ui.by("gallery-status").select_option("approved")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    ui.by("gallery-date-from").fill(tomorrow)
    expect(ui.by("gallery-empty")).to_contain_text("No images match these filters")
    ui.by("gallery-clear-filters").click()
    expect(ui.by("gallery-total")).to_have_text("30 approved images")
    ui.by("gallery-view-list").click()
    expect(ui.by("gallery")).to_have_attribute("data-view", "list")
    expect(cards).to_have_count(24)
    cards.nth(1).locator("input[type=checkbox]").check()
    shoot(ui.page, "dashboard-gallery-list")


def test_bulk_delete_asks_then_deletes_rows_and_files(ui: UI, gif: App) -> None:
    """Deleting a selection needs a confirmation; cancelling keeps everything, confirming removes files."""
    images = seed_job(gif, "Cats", [f"Kitten {n}" for n in range(5)])
    ui.open("dashboard")
    cards = ui.by("gallery-card")
    expect(cards).to_have_count(5)
    doomed = images[:2]
    for image in doomed:
        ui.by(f"gallery-check-{image.id}").check()
    ui.by("gallery-delete").click()
    expect(ui.by("confirm-delete-images")).to_contain_text("Delete 2 images?")
    ui.by("confirm-delete-images-cancel").click()
    expect(cards).to_have_count(5)
    ui.by("gallery-delete").click()
    ui.by("confirm-delete-images-ok").click()
    expect(cards).to_have_count(3)
    expect(ui.toast("Deleted 2 images")).to_be_visible()
    expect(ui.by("gallery-selected-count")).to_have_text("None selected")
    assert not any(file_of(image).exists() for image in doomed)
    assert all(file_of(image).exists() for image in images[2:])


def test_export_selection_to_zip_with_adobe_csv(ui: UI, gif: App, picked_paths: PickedPaths, tmp_path: Path) -> None:
    """Export checks the metadata first, then writes a ZIP with the images and an Adobe Stock CSV."""
    images = seed_job(gif, "Cats", ["Ginger kitten on a sofa", "Grey kitten", "Black kitten"])
    long_title = seed_job(gif, "More", ["T" * 230])  # longer than Adobe Stock allows: flagged
    target = tmp_path / "exports" / "kittens.zip"
    picked_paths.save_answers.append(str(target))
    ui.open("dashboard")
    ui.by("gallery-select-all").click()
    expect(ui.by("gallery-selected-count")).to_have_text("4 selected")
    ui.by("gallery-export").click()
    expect(ui.by("export-dialog")).to_contain_text("Export 4 images")
    expect(ui.by("export-preset-adobe")).to_be_checked()
    ui.by("export-submit").click()
    expect(ui.by("export-problems")).to_contain_text(file_of(long_title[0]).name)
    ui.by("export-anyway").click()
    expect(ui.toast("Exported 4 images")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    assert picked_paths.save_asked and picked_paths.save_asked[0][1] == ["zip"]
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        csvs = [n for n in names if n.lower().endswith(".csv")]
        assert len(csvs) == 1 and "adobe" in csvs[0].lower()
        csv_text = archive.read(csvs[0]).decode("utf-8-sig")
    for image in [*images, *long_title]:
        assert f"images/{file_of(image).name}" in names
        assert file_of(image).name in csv_text


def test_latest_finished_job_is_shown_when_nothing_runs(ui: UI, gif: App) -> None:
    """After a restart the progress card shows the latest job's outcome instead of an empty idle card."""
    seed_job(gif, "Yesterday's run", ["Kitten 1", "Kitten 2"])
    ui.open("dashboard")
    expect(ui.by("progress-status")).to_have_text("Completed")
    expect(ui.by("progress-job")).to_have_text("Yesterday's run")
    expect(ui.by("progress-count-approved")).to_have_text("2")
    expect(ui.by("progress-overall-value")).to_have_text("100%")
    expect(ui.by("job-stop")).to_be_disabled()


def test_an_interrupted_job_is_not_shown_as_finished_and_its_resumed_end_toasts(ui: UI, gif: App) -> None:
    """Interrupted is not terminal: the card shows the run halted part-way, and when it is resumed its end toasts."""
    settings = gif.ctx.settings_file.load().settings
    settings["parameters"].update(count=1, variations=1, label="Crashed run")
    config = gif.repo.create_configuration("Crashed run", settings)
    crashed = gif.repo.create_execution(label="Crashed run", configuration_id=config.id, settings_snapshot=settings,
                                        planned=1, status=JobStatus.INTERRUPTED)
    ui.open("dashboard")
    expect(ui.by("progress-job")).to_have_text("Crashed run")
    expect(ui.by("progress-status")).to_have_text("Interrupted")
    expect(ui.by("progress-step-generation")).to_have_attribute("data-state", "stopped")
    expect(ui.by("progress-overall-value")).to_have_text("0%")  # nothing was generated: not "100 %, done"
    expect(ui.by("job-stop")).to_be_disabled()

    # Resumed (from another view, here the Api): the dashboard follows it and toasts its end once.
    assert gif.api.resume_job(crashed.id)["ok"]
    expect(ui.by("progress-status")).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(ui.by("progress-overall-value")).to_have_text("100%")
    expect(ui.toast('"Crashed run" completed')).to_have_count(1)
