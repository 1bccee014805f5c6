"""Job Management in the browser: filters, sorts, paging, selection across pages, rerun, queue, delete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import UI, PickedPaths
from playwright.sync_api import Locator, expect
from review_support import ok, shoot_both

from gif_app.app import App, AppOptions, build_app
from gif_app.domain import JobStatus

SEEDED = 60
BASE = datetime(2026, 3, 1, 9, 0)


@pytest.fixture
def gif(app_home: Path, picked_paths: PickedPaths) -> Iterator[App]:
    """Return an app whose job worker is not started, so reruns stay in the queue where tests can see them; it has
    the keys a rerun needs (rerun and resume run pre-flight)."""
    keys = {"OPENAI_API_KEY": "sk-test-1234", "RUNWARE_API_KEY": "rw-test-1234"}
    app = build_app(app_home, AppOptions(prefer_keychain=False, environ=keys, dialogs=picked_paths,
                                         start_workers=False))
    yield app
    app.close()


def _status(i: int) -> JobStatus:
    if i % 10 == 3:
        return JobStatus.FAILED
    if i == 7:
        return JobStatus.INTERRUPTED
    return JobStatus.COMPLETED


def seed(gif: App) -> list[int]:
    """Record SEEDED finished executions, one every 12 hours from BASE; return their ids (oldest first)."""
    settings = gif.ctx.settings_file.load().settings
    keywords = gif.ctx.home.root / "keywords.txt"  # a rerun's pre-flight needs the keyword file to be there
    keywords.write_text("red fox\n", encoding="utf-8")
    settings["file_paths"]["keywords_file"] = str(keywords)
    config = gif.repo.create_configuration("seeded", settings)
    ids = []
    for i in range(SEEDED):
        label = f"Batch {i:02d} {'cats' if i % 3 == 0 else 'dogs'}"
        execution = gif.repo.create_execution(label=label, configuration_id=config.id, settings_snapshot=settings,
                                              planned=8, status=_status(i))
        created = BASE + timedelta(hours=12 * i)
        gif.repo.update_execution(execution.id, created_at=created, started_at=created,
                                  finished_at=created + timedelta(seconds=10 + i), approved=i % 9)
        ids.append(execution.id)
    return ids


def _rows(ui: UI) -> Locator:
    return ui.by("jobs-table").locator("tbody tr")


def test_filter_sort_page_and_select_across_pages(ui: UI, gif: App) -> None:
    ids = seed(gif)
    ui.open("jobs")
    expect(ui.by("jobs-page-info")).to_have_text("1–25 of 60 jobs · page 1 of 3")
    expect(_rows(ui)).to_have_count(25)
    # Newest first: the last seeded job leads.
    expect(_rows(ui).first).to_have_attribute("data-testid", f"job-row-{ids[-1]}")
    expect(ui.by(f"job-images-{ids[-1]}")).to_have_text(f"{(SEEDED - 1) % 9} / 8")
    shoot_both(ui, "jobs-table")

    # Selection survives paging.
    ui.by(f"job-check-{ids[-1]}").check()
    ui.by("jobs-next").click()
    expect(ui.by("jobs-page-info")).to_have_text("26–50 of 60 jobs · page 2 of 3")
    ui.by(f"job-check-{ids[-30]}").check()
    expect(ui.by("jobs-selection-count")).to_have_text("2 jobs selected")
    ui.by("jobs-prev").click()
    expect(ui.by(f"job-check-{ids[-1]}")).to_be_checked()
    expect(ui.by("jobs-bulk-rerun")).to_be_enabled()

    # Select every job on the page, then every matching job across pages.
    ui.by("jobs-check-page").check()
    ui.by("jobs-select-all-matching").click()
    expect(ui.by("jobs-selection-count")).to_have_text("60 jobs selected")
    ui.by("jobs-clear-selection").click()
    expect(ui.by("jobs-selection-count")).to_have_text("No jobs selected")

    # Page size and sorts.
    ui.by("jobs-page-size").select_option("50")
    expect(_rows(ui)).to_have_count(50)
    ui.by("jobs-sort").select_option("oldest")
    expect(_rows(ui).first).to_have_attribute("data-testid", f"job-row-{ids[0]}")
    ui.by("jobs-sort").select_option("name")
    expect(ui.by(f"job-label-{ids[0]}")).to_have_text("Batch 00 cats")
    expect(_rows(ui).first).to_have_attribute("data-testid", f"job-row-{ids[0]}")
    ui.by("jobs-sort").select_option("duration")
    expect(_rows(ui).first).to_have_attribute("data-testid", f"job-row-{ids[-1]}")
    ui.by("jobs-sort").select_option("images")
    expect(ui.by("jobs-table").locator("tbody tr").first.locator("[data-testid^='job-images-']")).to_have_text("8 / 8")

    # Filters: status, search, date range, and their combination.
    ui.by("jobs-filter-status").locator("summary").click()
    ui.by("jobs-status-failed").check()
    ui.page.keyboard.press("Escape")
    failed = [i for i in range(SEEDED) if _status(i) is JobStatus.FAILED]
    expect(_rows(ui)).to_have_count(len(failed))
    for badge in ui.by("jobs-table").locator("[data-testid^='job-status-']").all():
        expect(badge).to_have_text("Failed")
    ui.by("jobs-search").fill("cats")
    expect(_rows(ui)).to_have_count(len([i for i in failed if i % 3 == 0]))
    ui.by("jobs-clear-filters").click()
    expect(ui.by("jobs-page-info")).to_contain_text("of 60 jobs")
    ui.by("jobs-date-from").fill("2026-03-02")
    ui.by("jobs-date-to").fill("2026-03-03")
    # Created on 2 or 3 March: jobs 2..5 (every 12 hours from 1 March 09:00).
    expect(_rows(ui)).to_have_count(4)
    ui.by("jobs-search").fill("no such job")
    expect(ui.by("jobs-no-match")).to_be_visible()

    # The resume button shows only on resumable jobs (interrupted, stopped or failed).
    ui.by("jobs-clear-filters").click()
    expect(ui.by(f"job-resume-{ids[7]}")).to_be_visible()
    expect(ui.by(f"job-resume-{ids[8]}")).to_be_hidden()
    ui.by(f"job-resume-{ids[7]}").click()
    expect(ui.by(f"job-status-{ids[7]}")).to_have_text("Queued")
    expect(ui.by(f"queue-item-{ids[7]}")).to_contain_text("Batch 07 dogs")


def test_a_failed_job_offers_resume_and_resumes(ui: UI, gif: App) -> None:
    """A failed job resumes (the backend allows it): its row offers Resume, a completed one does not."""
    settings = gif.ctx.settings_file.load().settings
    config = gif.repo.create_configuration("wrong key", settings)
    failed = gif.repo.create_execution(label="Wrong key", configuration_id=config.id, settings_snapshot=settings,
                                       planned=4, status=JobStatus.FAILED)
    done = gif.repo.create_execution(label="Fine run", configuration_id=config.id, settings_snapshot=settings,
                                     planned=4, status=JobStatus.COMPLETED)
    ui.open("jobs")
    expect(ui.by(f"job-status-{failed.id}")).to_have_text("Failed")
    expect(ui.by(f"job-resume-{failed.id}")).to_be_visible()
    expect(ui.by(f"job-resume-{done.id}")).to_be_hidden()
    ui.by(f"job-resume-{failed.id}").click()
    expect(ui.toast("“Wrong key” will resume")).to_be_visible()
    expect(ui.by(f"job-status-{failed.id}")).to_have_text("Queued")
    expect(ui.by(f"job-resume-{failed.id}")).to_be_hidden()
    expect(ui.by(f"queue-item-{failed.id}")).to_contain_text("Wrong key")

    # The job view offers it too.
    gif.repo.update_execution(failed.id, status=JobStatus.FAILED, queue_position=None)
    ui.open(f"jobs/{failed.id}", "job")
    expect(ui.by("job-status")).to_have_text("Failed")
    expect(ui.by("job-resume")).to_be_visible()


def test_rerun_queue_cancel_rename_and_delete(ui: UI, gif: App) -> None:
    ids = seed(gif)
    target = ids[5]
    ui.open(f"jobs/{target}", "job")
    ui.by("job-rerun").click()
    expect(ui.by("job-rerun-link")).to_have_text("Batch 05 dogs (rerun 1)")
    rerun_id = ok(gif.api.get_queue())[0]["id"]

    ui.open("jobs")
    expect(ui.by(f"job-label-{rerun_id}")).to_have_text("Batch 05 dogs (rerun 1)")
    expect(ui.by(f"job-status-{rerun_id}")).to_have_text("Queued")
    expect(ui.by("jobs-queue")).to_be_visible()
    expect(ui.by(f"queue-item-{rerun_id}")).to_contain_text("Batch 05 dogs (rerun 1)")

    # Bulk rerun of two more jobs: the queue lists all three in order.
    ui.by(f"job-check-{ids[-1]}").check()
    ui.by(f"job-check-{ids[-2]}").check()
    ui.by("jobs-bulk-rerun").click()
    expect(ui.toast("2 reruns queued")).to_be_visible()
    expect(ui.by("jobs-queue-list").locator("li")).to_have_count(3)
    expect(ui.by("jobs-queue-count")).to_have_text("3")
    shoot_both(ui, "jobs-queue")

    # "Has queued rerun" shows the three parents.
    ui.by("jobs-filter-queued-rerun").check()
    expect(_rows(ui)).to_have_count(3)
    expect(ui.by(f"job-row-{target}")).to_be_visible()
    ui.by("jobs-filter-queued-rerun").uncheck()

    # Cancel one queued rerun.
    ui.by(f"queue-cancel-{rerun_id}").click()
    expect(ui.by(f"queue-item-{rerun_id}")).to_have_count(0)
    expect(ui.by(f"job-status-{rerun_id}")).to_have_text("Cancelled")
    assert rerun_id not in [e["id"] for e in ok(gif.api.get_queue())]

    # Rename in a dialog (the job is old: find it by search).
    ui.by("jobs-search").fill("Batch 05")
    expect(_rows(ui)).to_have_count(2)
    ui.by(f"job-rename-{target}").click()
    ui.by("rename-input").fill("Dogs, final")
    ui.by("rename-input").press("Enter")
    expect(ui.toast("Renamed to “Dogs, final”")).to_be_visible()
    ui.by("jobs-search").fill("Dogs, final")
    expect(_rows(ui)).to_have_count(1)
    expect(ui.by(f"job-label-{target}")).to_have_text("Dogs, final")

    # The Delete key opens the confirmation (never deletes silently); Cancel keeps the job.
    ui.by("jobs-clear-selection").click()
    ui.by(f"job-check-{target}").check()
    ui.page.keyboard.press("Delete")
    expect(ui.by("delete-dialog")).to_be_visible()
    expect(ui.by("delete-dialog")).to_contain_text("Dogs, final")
    expect(ui.by("delete-files")).not_to_be_checked()
    shoot_both(ui, "jobs-delete-dialog")
    ui.by("delete-dialog-cancel").click()
    expect(ui.by(f"job-row-{target}")).to_be_visible()
    assert gif.api.get_job(target)["ok"]

    # The row's delete button asks again; confirming removes the row and the record.
    ui.by(f"job-delete-{target}").click()
    ui.by("delete-dialog-ok").click()
    expect(ui.by(f"job-row-{target}")).to_have_count(0)
    expect(ui.toast("Deleted 1 job")).to_be_visible()
    assert gif.api.get_job(target)["error"]["code"] == "not_found"


def test_empty_job_list_points_to_the_dashboard(ui: UI) -> None:
    ui.open("jobs")
    expect(ui.by("jobs-empty")).to_be_visible()
    expect(ui.by("jobs-empty").get_by_role("link", name="Go to Dashboard")).to_be_visible()
    expect(ui.by("jobs-bulk-delete")).to_be_disabled()


def test_export_selected_jobs_and_one_workbook(ui: UI, gif: App, picked_paths: PickedPaths,
                                               tmp_path: Path) -> None:
    ids = seed(gif)
    ui.open("jobs")
    # A cancelled save dialog exports nothing and says nothing alarming.
    ui.by(f"job-check-{ids[-1]}").check()
    ui.by(f"job-check-{ids[-2]}").check()
    ui.by("jobs-bulk-export").click()
    expect(ui.by("export-dialog")).to_have_count(0)
    assert picked_paths.save_asked[-1][1] == ["zip"]

    archive = tmp_path / "out" / "two-jobs.zip"
    picked_paths.save_answers.append(str(archive))
    ui.by("jobs-bulk-export").click()
    expect(ui.toast("2 jobs exported to")).to_be_visible(timeout=20_000)
    assert archive.is_file()

    workbook = tmp_path / "out" / "one.xlsx"
    picked_paths.save_answers.append(str(workbook))
    ui.by(f"job-export-{ids[-1]}").click()
    expect(ui.toast("exported to")).to_have_count(2, timeout=20_000)
    assert workbook.is_file()
    assert picked_paths.save_asked[-1][1] == ["xlsx"]
