"""The Dashboard's first-run steps, its recent jobs with Rerun, and the notice of a job that ended while the
window was in the background."""

from __future__ import annotations

import pytest
from e2e_support import UI
from playwright.sync_api import expect
from review_support import ok, run_job, wait_for
from seed_images import seed_job

from gif_app.app import App

JOB_TIMEOUT_MS = 30_000


def test_first_run_steps_show_on_an_empty_home_and_go_once_a_job_exists(ui: UI, gif: App) -> None:
    ui.open("dashboard")
    steps = ui.by("first-run")
    expect(steps).to_be_visible()
    for step in ("keys", "keywords", "start"):
        expect(ui.by(f"first-run-step-{step}")).to_have_attribute("data-done", "false")
    expect(ui.by("recent-jobs")).to_be_hidden()

    ui.by("first-run-go-keys").click()
    ui.wait_view("settings")
    expect(ui.by("settings-tab-keys")).to_have_attribute("aria-selected", "true")

    ui.open("dashboard")
    ui.by("first-run-go-keywords").click()
    ui.wait_view("settings")
    expect(ui.by("settings-tab-file_paths")).to_have_attribute("aria-selected", "true")

    # A keyword file chosen: its step is ticked.
    keywords = gif.home.root / "keywords.txt"
    keywords.write_text("cat\n", encoding="utf-8")
    settings = ok(gif.api.get_settings())["settings"]
    settings["file_paths"]["keywords_file"] = str(keywords)
    ok(gif.api.save_settings(settings))
    ui.open("dashboard")
    expect(ui.by("first-run-step-keywords")).to_have_attribute("data-done", "true")
    ui.by("first-run-go-start").click()
    expect(ui.by("start-dialog")).to_be_visible()
    ui.by("start-cancel").click()
    expect(ui.by("start-dialog")).to_have_count(0)

    job = seed_job(gif, "First job", ["Cat"])[0]
    ui.open("dashboard")
    expect(ui.by("recent-jobs")).to_be_visible()
    expect(ui.by(f"recent-job-{job.execution_id}")).to_contain_text("First job")
    expect(steps).to_be_hidden()


@pytest.mark.parametrize("app_is_sandbox", [True])
def test_sandbox_marks_the_keys_step_done(ui: UI) -> None:
    ui.open("dashboard")
    expect(ui.by("first-run-step-keys")).to_have_attribute("data-done", "true")
    expect(ui.by("first-run-step-keys")).to_contain_text("sandbox")


@pytest.mark.parametrize("app_is_sandbox", [True])
def test_recent_jobs_rerun_and_the_notice_of_a_job_ended_in_the_background(ui: UI, gif: App) -> None:
    first = run_job(gif, **{"parameters.label": "Recent run", "parameters.count": 1, "parameters.variations": 1})
    ui.open("dashboard")
    rows = ui.by("recent-jobs-list").locator("li")
    expect(rows).to_have_count(1)
    expect(ui.by(f"recent-status-{first['id']}")).to_have_text(first["status_label"])
    expect(ui.by("first-run")).to_be_hidden()

    # The window goes to the background, then the rerun is started and ends there.
    ui.page.evaluate("window.dispatchEvent(new Event('blur'))")
    ui.by(f"recent-rerun-{first['id']}").click()
    expect(ui.toast("Rerun queued")).to_be_visible()

    def rerun_done() -> dict[str, object] | None:
        items = ok(gif.api.list_jobs({"sort": "newest"}))["items"]
        newest = items[0]
        return newest if newest["id"] != first["id"] and newest["is_terminal"] else None

    rerun = wait_for(rerun_done, "the rerun to finish")
    assert rerun["parent_id"] == first["id"]
    expect(ui.by(f"recent-job-{rerun['id']}")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(rows.first).to_have_attribute("data-testid", f"recent-job-{rerun['id']}")
    expect(rows).to_have_count(2)
    expect(ui.toast("Job \"Recent run")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(ui.by("away-notice")).to_have_count(0)  # kept until the user is back

    ui.page.evaluate("window.dispatchEvent(new Event('focus'))")
    notice = ui.by("away-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("While you were away: Job \"Recent run")
    expect(notice).to_contain_text("approved of")
